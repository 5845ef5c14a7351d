"""The shared benchmark case list: registry coverage, naming, seeding, and the plain reference block."""

from __future__ import annotations

import pytest
import torch

from ctdnn_bench import BASES, INTEGRATORS, MODELS, ResNetBlock
from ctdnn_bench.cases import (
    BY_NAME,
    CASES,
    CONDITIONING_BASES,
    NAMES,
    TRAININGS,
    PlainResNet,
    conditioning,
    forward_backward,
    get_case,
)
from ctdnn_bench.errors import ConfigError


@pytest.mark.parametrize(
    ("registry", "field"),
    [(BASES, "basis"), (MODELS, "architecture"), (INTEGRATORS, "method")],
    ids=["BASES", "MODELS", "INTEGRATORS"],
)
def test_every_registry_entry_is_benchmarked(registry: dict[str, object], field: str) -> None:
    # the integrator only matters to the neural ODE: a ResNet case's default method does not count
    used = {getattr(c, field) for c in CASES if field != "method" or c.architecture == "node"}
    missing = sorted(set(registry) - used)
    assert not missing, f"{field} {missing} appear in no case of ctdnn_bench.cases.CASES: add a case for each"


def test_both_training_paradigms_are_benchmarked() -> None:
    node = [c for c in CASES if c.architecture == "node"]
    assert {c.paradigm for c in node} == {"dto", "otd"}


def test_names_are_unique_strings_and_cover_the_lookup() -> None:
    # asv shows parameters through repr(): plain strings keep its result files readable and stable
    assert len(set(NAMES)) == len(CASES) and all(isinstance(n, str) for n in NAMES)
    assert get_case("resnet-legendre-d3") is BY_NAME["resnet-legendre-d3"]
    with pytest.raises(ConfigError, match="did you mean 'resnet-legendre-d3'"):
        get_case("resnet-legendre-d4")


def test_every_case_has_a_valid_model_config() -> None:
    for case in CASES:
        cfg = case.model_config()
        assert (cfg.architecture, cfg.basis, cfg.degree) == (case.architecture, case.basis, case.degree)


def test_build_is_seeded_and_leaves_the_global_generator_alone() -> None:
    case = BY_NAME["node-legendre-d3-dopri5-otd"]
    state = torch.random.get_rng_state()
    (b1, u1), (b2, u2) = case.build(), case.build()
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(u1, u2) and u1.shape == (case.batch, case.width) and u1.dtype == torch.float64
    for p1, p2 in zip(b1.parameters(), b2.parameters(), strict=True):
        assert torch.equal(p1, p2)


def test_unavailable_cases_say_why() -> None:
    cuda = [c for c in CASES if c.device == "cuda"]
    assert cuda, "keep one CUDA case, so that the skip path stays exercised"
    for case in cuda:
        assert (case.unavailable() is None) == torch.cuda.is_available()
    assert all(c.unavailable() is None for c in CASES if c.device == "cpu")


def test_plain_resnet_computes_what_the_static_block_computes() -> None:
    # the Legendre-vs-plain timing ratio compares like with like only if both blocks do the same arithmetic
    case = BY_NAME["resnet-static-d0"]
    plain, u0 = PlainResNet.like(case)
    block, _ = case.build()
    assert isinstance(block, ResNetBlock) and block.layer.bias_coef is not None
    with torch.no_grad():
        plain.linear.weight.copy_(block.layer.weight_coef[0])
        plain.linear.bias.copy_(block.layer.bias_coef[0])
    torch.testing.assert_close(plain(u0), block(u0), rtol=1e-14, atol=1e-14)


def test_forward_backward_does_not_accumulate_gradients() -> None:
    block, u0 = BY_NAME["resnet-legendre-d3"].build()
    assert isinstance(block, ResNetBlock)
    grads = []
    for _ in range(2):
        forward_backward(block, u0)
        grads.append(block.layer.weight_coef.grad)
    assert grads[0] is not None and grads[1] is not None
    torch.testing.assert_close(grads[1], grads[0], rtol=0, atol=0)


def test_conditioning_and_training_tables_refer_to_registered_names() -> None:
    assert {basis for basis, _ in CONDITIONING_BASES.values()} <= set(BASES)
    # exact values: Legendre's Gram matrix on [0, T] is diag(T / (2k + 1)), condition number 2d + 1
    assert conditioning("legendre", 3, 10.0)["cond_gram"] == pytest.approx(7.0, rel=1e-12)
    assert all(cfg.dataset == "elm" and cfg.train.epochs == 2 for cfg in TRAININGS.values())
