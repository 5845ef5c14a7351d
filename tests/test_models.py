"""Surrogate models: the paper's parameter counts (paper.md Sec. 7) and exact basis conversion."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ctdnn_bench import (
    MLPField,
    ModelConfig,
    NeuralODEBlock,
    SurrogateModel,
    TimeDependentLinear,
    build_model,
    convert_basis,
    make_basis,
    parameter_counts,
)

# (n_in, n_out) of the three DTO data sets, and the paper's theta counts (encoder + dynamics) for
# Legendre d = 3, 4, 5, 6 and "none" (piecewise_constant, degree n_t - 1 = 11)
DATASETS = {"ELM": (15, 10), "CDR": (55, 72), "DCR": (3, 882)}
PAPER_THETA = {
    "ELM": (1200, 1440, 1680, 1920, 3120),
    "CDR": (1800, 2040, 2280, 2520, 3720),
    "DCR": (1020, 1260, 1500, 1740, 2940),
}
PAPER_DECODER = {"ELM": 160, "CDR": 1152, "DCR": 14112}


def paper_configs(architecture: str) -> list[ModelConfig]:
    legendre = [ModelConfig(architecture=architecture, basis="legendre", degree=d) for d in (3, 4, 5, 6)]
    return [*legendre, ModelConfig(architecture=architecture, basis="piecewise_constant", degree=11)]


@pytest.mark.parametrize("architecture", ["resnet", "hamiltonian"])
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_parameter_counts_match_paper(architecture: str, dataset: str) -> None:
    n_in, n_out = DATASETS[dataset]
    for cfg, expected in zip(paper_configs(architecture), PAPER_THETA[dataset], strict=True):
        counts = parameter_counts(build_model(cfg, n_in, n_out, seed=0))
        assert counts["theta"] == expected, (dataset, cfg.basis, cfg.degree)
        # 240 = 15 x 15 + 15 per coefficient; the encoder is Linear(n_in, 15)
        assert counts["dynamics"] == 240 * (cfg.degree + 1)
        assert counts["encoder"] == 15 * n_in + 15
        assert counts["decoder"] == PAPER_DECODER[dataset]
        assert counts["total"] == counts["theta"] + counts["decoder"]


def test_hamiltonian_dynamics_only_counts() -> None:
    """paper.md Sec. 7 Exp. B: dynamics block alone 960 / 1200 / 1440 / 1680 / 2880."""
    dynamics = [parameter_counts(build_model(c, 3, 882))["dynamics"] for c in paper_configs("hamiltonian")]
    assert dynamics == [960, 1200, 1440, 1680, 2880]


@pytest.mark.parametrize(("degree", "expected"), [(3, 1008), (4, 1260), (5, 1512)])
def test_spiral_field_counts(degree: int, expected: int) -> None:
    """f = Linear(50 -> 2)(tanh(Linear(2 -> 50)(y^3))): 252 base parameters, (D + 1) x 252 time-dependent."""
    static = MLPField((2, 50, 2), make_basis("static", 0), cube_input=True, init_std=0.1)
    assert sum(p.numel() for p in static.parameters()) == 252
    field = MLPField((2, 50, 2), make_basis("legendre", degree, 0.0, 25.0), cube_input=True, init_std=0.1)
    block = NeuralODEBlock(field)
    assert sum(p.numel() for p in block.parameters()) == expected  # no stray base parameters (paper bug 3)


def test_surrogate_neural_ode_counts() -> None:
    """Task C2: 15 -> 50 -> 15 MLP field, time-parameterized: (d + 1) x (15*50 + 50 + 50*15 + 15)."""
    cfg = ModelConfig(architecture="node", hidden=(50,), degree=3)
    counts = parameter_counts(build_model(cfg, 55, 72, seed=0))
    assert counts["dynamics"] == 4 * (15 * 50 + 50 + 50 * 15 + 15)


def test_build_model_seed_is_reproducible_and_isolated() -> None:
    cfg = ModelConfig(degree=2, time_init="random")
    state = torch.random.get_rng_state()
    a, b = build_model(cfg, 4, 3, seed=20), build_model(cfg, 4, 3, seed=20)
    assert torch.equal(state, torch.random.get_rng_state())  # the global generator is untouched
    for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb), name
    c = build_model(cfg, 4, 3, seed=21)
    assert not torch.equal(a.encoder.weight, c.encoder.weight)


def test_model_is_encoder_dynamics_decoder(float64: torch.dtype) -> None:
    """x -> W [u(T); 1] with u(0) = tanh(K_in x + b_in) (paper Sec. 2.1), and the encoder init N(0, 2/n_in), b = 0."""
    model = build_model(ModelConfig(degree=2, width=6), 40, 3, seed=0)
    assert torch.count_nonzero(model.encoder.bias) == 0
    assert 0.7 < float(model.encoder.weight.detach().std() / (2 / 40) ** 0.5) < 1.3
    x = torch.randn(5, 40)
    u0 = torch.tanh(x @ model.encoder.weight.T + model.encoder.bias)
    expected = model.dynamics(u0) @ model.decoder.weight.T + model.decoder.bias
    torch.testing.assert_close(model(x), expected)
    torch.testing.assert_close(model.features(x), model.dynamics(u0))
    assert model.stats is model.dynamics.stats


# ---------------------------------------------------------------------------------------------------------------
# Conversion between polynomial bases
# ---------------------------------------------------------------------------------------------------------------


def monomial_model(architecture: str, **kw: object) -> SurrogateModel:
    cfg = ModelConfig(
        architecture=architecture,
        basis="monomial",
        domain="raw",
        degree=3,
        final_time=5.0,
        width=4,
        time_init="random",
        init_std=0.05,  # K(t) reaches ~ 0.05 * 5^3: large but not saturating everything
        **kw,  # type: ignore[arg-type]
    )
    return build_model(cfg, 3, 2, seed=7)


def time_dependent_layers(model: nn.Module) -> list[TimeDependentLinear]:
    return [m for m in model.modules() if isinstance(m, TimeDependentLinear)]


@pytest.mark.parametrize(
    ("architecture", "kw"),
    [
        ("resnet", {}),
        ("resnet", {"time_grid": "left"}),
        ("hamiltonian", {}),
        ("node", {"method": "rk4"}),
        ("node", {"method": "rk4", "hidden": (5,)}),
    ],
)
def test_convert_basis_preserves_outputs(architecture: str, kw: dict[str, object], float64: torch.dtype) -> None:
    model = monomial_model(architecture, **kw)
    x = torch.randn(6, 3)
    out = model(x)
    converted = convert_basis(model, "legendre")
    for layer in time_dependent_layers(converted):
        assert layer.basis.name == "legendre" and (layer.basis.t0, layer.basis.t1) == (0.0, 5.0)
    # the coefficients really changed (a raw monomial and a Legendre expansion differ a lot) ...
    old, new = time_dependent_layers(model)[0], time_dependent_layers(converted)[0]
    assert (old.weight_coef - new.weight_coef).abs().max() > 1e-2
    # ... but theta(t), hence the model's outputs, did not
    assert (out - out.mean()).abs().max() > 1e-3  # outputs are not trivially constant
    torch.testing.assert_close(converted(x), out, rtol=1e-10, atol=1e-10)
    # the original is untouched
    assert old.basis.name == "monomial"
    torch.testing.assert_close(model(x), out, rtol=0, atol=0)


def test_convert_basis_round_trip_is_identity_on_coefficients(float64: torch.dtype) -> None:
    model = monomial_model("resnet")
    back = convert_basis(convert_basis(model, "legendre"), "monomial", "raw")
    for a, b in zip(time_dependent_layers(model), time_dependent_layers(back), strict=True):
        assert b.basis == a.basis
        torch.testing.assert_close(b.weight_coef, a.weight_coef, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(b.bias_coef, a.bias_coef, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(back.dynamics.basis_values, model.dynamics.basis_values, rtol=1e-12, atol=1e-12)


def test_convert_basis_node_dopri5_agrees_to_solver_tolerance(float64: torch.dtype) -> None:
    """With an adaptive solver the step sequence may differ slightly; outputs agree to the solver tolerance."""
    model = monomial_model("node", rtol=1e-10, atol=1e-12)
    x = torch.randn(4, 3)
    torch.testing.assert_close(convert_basis(model, "chebyshev")(x), model(x), rtol=1e-8, atol=1e-9)
