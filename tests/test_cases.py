"""The shared benchmark case list: registry coverage, naming, seeding, and the plain reference block."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
import torch

from ctdnn_bench import BASES, INTEGRATORS, MODELS, ModelConfig, ResNetBlock
from ctdnn_bench.computed import CONDITIONING_GRID
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.harness.baseline import DEFAULT_BASELINE, load_baseline
from ctdnn_bench.harness.cases import (
    BY_NAME,
    CASES,
    CONDITIONING_BASES,
    CONDITIONING_TRACKED,
    NAMES,
    PlainResNet,
    conditioning,
    forward_backward,
    get_case,
)
from ctdnn_bench.harness.metrics import GROUPS, metric_key
from ctdnn_bench.harness.trainings import TRAININGS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("registry", "field"),
    [(BASES, "basis"), (MODELS, "architecture"), (INTEGRATORS, "method")],
    ids=["BASES", "MODELS", "INTEGRATORS"],
)
def test_every_registry_entry_is_benchmarked(registry: dict[str, object], field: str) -> None:
    # the integrator only matters to the neural ODE: a ResNet case's default method does not count
    used = {getattr(c.model, field) for c in CASES if field != "method" or c.model.architecture == "node"}
    missing = sorted(set(registry) - used)
    assert not missing, f"{field} {missing} appear in no case of ctdnn_bench.harness.cases.CASES: add a case for each"


def test_both_training_paradigms_are_benchmarked() -> None:
    node = [c for c in CASES if c.model.architecture == "node"]
    assert {c.paradigm for c in node} == {"dto", "otd"}


def test_names_are_unique_strings_and_cover_the_lookup() -> None:
    # asv shows parameters through repr(): plain strings keep its result files readable and stable
    assert len(set(NAMES)) == len(CASES) and all(isinstance(n, str) for n in NAMES)
    assert get_case("resnet-legendre-d3") is BY_NAME["resnet-legendre-d3"]
    with pytest.raises(ConfigError, match="did you mean 'resnet-legendre-d3'"):
        get_case("resnet-legendre-d4")


def test_every_case_holds_a_model_config_its_name_describes() -> None:
    for case in CASES:
        m = case.model
        assert isinstance(m, ModelConfig)
        assert case.name.startswith(f"{m.architecture}-{m.basis}-d{m.degree}")
        assert (m.rtol, m.atol) == (1e-5, 1e-7)  # the benchmark tolerances, not the paper's
        if m.architecture == "node":
            assert f"-{m.method}-{case.paradigm}" in case.name


def test_cases_are_those_the_baseline_was_recorded_with() -> None:
    # sha256 of every case's ModelConfig (as a dict), batch, dtype, device and seed, recorded before BenchCase held a
    # ModelConfig (when it re-declared the fields): the move changed no case. A deliberate change of a case moves
    # the regression baseline too; then update this digest with it.
    cases = {
        c.name: {
            "model": dataclasses.asdict(c.model),
            "batch": c.batch,
            "dtype": c.dtype,
            "device": c.device,
            "seed": c.seed,
        }
        for c in CASES
    }
    digest = hashlib.sha256(json.dumps(cases, sort_keys=True).encode()).hexdigest()[:16]
    assert digest == "9b57735f19ed8e15"


def test_metric_key_names_every_baseline_metric() -> None:
    assert metric_key("case", "resnet-legendre-d3", "nfe_forward") == "case/resnet-legendre-d3/nfe_forward"
    key = metric_key("conditioning", "legendre", "cond_gram", degree=3, final_time=10.0)
    assert key == "conditioning/legendre/d3/T10/cond_gram"
    with pytest.raises(ValueError, match="unknown metric group 'cases'"):
        metric_key("cases", "x", "y")
    # every committed metric is one of the names metric_key makes
    tracked = {
        metric_key("conditioning", b, q, degree=d, final_time=t)
        for b in CONDITIONING_BASES
        for d in CONDITIONING_TRACKED.degrees
        for t in CONDITIONING_TRACKED.final_times
        for q in ("cond_matrix", "cond_gram")
    }
    baseline = load_baseline(ROOT / DEFAULT_BASELINE)
    assert tracked == {k for k in baseline if k.startswith("conditioning/")}
    assert {k.split("/")[0] for k in baseline} == set(GROUPS)
    names = {c.name for c in CASES if c.device == "cpu"}
    assert {k.split("/")[1] for k in baseline if k.startswith("case/")} == names


def test_tracked_conditioning_is_part_of_the_one_grid() -> None:
    assert set(CONDITIONING_TRACKED.degrees) <= set(CONDITIONING_GRID.degrees)
    assert set(CONDITIONING_TRACKED.final_times) <= set(CONDITIONING_GRID.final_times)
    assert CONDITIONING_TRACKED.n_points == CONDITIONING_GRID.n_points


def test_build_is_seeded_and_leaves_the_global_generator_alone() -> None:
    case = BY_NAME["node-legendre-d3-dopri5-otd"]
    state = torch.random.get_rng_state()
    (b1, u1), (b2, u2) = case.build(), case.build()
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(u1, u2) and u1.shape == (case.batch, case.model.width) and u1.dtype == torch.float64
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
