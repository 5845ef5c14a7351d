"""The L2-in-time regularizer and the per-coefficient learning rates of the factorial experiment."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ctdnn_bench.conditioning import change_of_basis
from ctdnn_bench.convert import convert_basis
from ctdnn_bench.models import ModelConfig, SurrogateModel, build_model
from ctdnn_bench.training.config import TrainConfig
from ctdnn_bench.training.surrogate import regularization
from ctdnn_bench.training.time_scaling import ScaledAdam, coefficient_lr_scales, parameter_lr_scales

TARGETS = [
    ("monomial", "raw"),
    ("monomial", "unit"),
    ("monomial", "symmetric"),
    ("legendre", None),
    ("legendre", "unit"),
    ("chebyshev", None),
    ("chebyshev", "raw"),
]


def _model(big_t: float = 10.0, basis: str = "legendre", domain: str | None = None) -> SurrogateModel:
    cfg = ModelConfig(architecture="resnet", basis=basis, degree=3, domain=domain, final_time=big_t, width=4, n_steps=6)
    model = build_model(cfg, 3, 2, seed=0, dtype=torch.float64)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.dynamics.layer.weight_coef.normal_(generator=gen)
        model.dynamics.layer.bias_coef.normal_(generator=gen)
    return model


def _reg_and_grads(model: SurrogateModel, regularizer: str) -> tuple[float, dict[str, torch.Tensor]]:
    model.zero_grad()
    reg = regularization(model, TrainConfig(alpha1=1.0, regularizer=regularizer))
    assert isinstance(reg, torch.Tensor)
    reg.backward()
    layer = model.dynamics.layer
    return float(reg.detach()), {"w": layer.weight_coef.grad.clone(), "b": layer.bias_coef.grad.clone()}


@pytest.mark.parametrize(("basis", "domain"), TARGETS)
def test_l2_time_regularizer_depends_on_the_function_not_the_basis(basis: str, domain: str | None) -> None:
    model = _model()
    other = convert_basis(model, basis, domain)
    value, grads = _reg_and_grads(model, "l2_time")
    value_o, grads_o = _reg_and_grads(other, "l2_time")
    assert value_o == pytest.approx(value, rel=1e-9)
    # theta_other = C theta: the gradient w.r.t. the source coefficients is C^T times the other's
    c = torch.as_tensor(change_of_basis(model.dynamics.layer.basis, other.dynamics.layer.basis))
    for k in grads:
        mapped = torch.tensordot(c.T, grads_o[k], dims=1)
        torch.testing.assert_close(mapped, grads[k], rtol=1e-8, atol=1e-8 * float(grads[k].abs().max()))
    # the encoder (not time-dependent) keeps its plain squared norm: its gradient is alpha1 * W
    torch.testing.assert_close(model.encoder.weight.grad, model.encoder.weight.detach())


def test_coefficient_regularizer_depends_on_the_basis() -> None:
    model = _model()
    value, _ = _reg_and_grads(model, "coefficients")
    value_raw, _ = _reg_and_grads(convert_basis(model, "monomial", "raw"), "coefficients")
    assert abs(value_raw / value - 1) > 0.2


def test_lr_scales_are_t_to_minus_k_on_raw_time_only() -> None:
    raw = _model(5.0, "monomial", "raw").dynamics.layer.basis
    np.testing.assert_allclose(coefficient_lr_scales(raw), [1, 1 / 5, 1 / 25, 1 / 125])
    for basis, domain in (("monomial", "unit"), ("legendre", None), ("chebyshev", "symmetric")):
        np.testing.assert_array_equal(coefficient_lr_scales(_model(5.0, basis, domain).dynamics.layer.basis), 1.0)


def _train(model: SurrogateModel, opt: torch.optim.Optimizer, steps: int) -> None:
    gen = torch.Generator().manual_seed(3)
    cfg = TrainConfig(alpha1=1e-3, regularizer="l2_time")  # the same for both bases
    for _ in range(steps):
        x = torch.randn(16, 3, generator=gen, dtype=torch.float64)
        y = torch.randn(16, 2, generator=gen, dtype=torch.float64)
        opt.zero_grad()
        loss = 0.5 * (model(x) - y).pow(2).sum(-1).mean() + regularization(model, cfg)
        loss.backward()
        opt.step()


def test_unit_time_lr_makes_adam_on_raw_monomials_step_like_adam_on_unit_monomials() -> None:
    """Adam is invariant to a diagonal rescaling but for eps: with lr_k = lr T^-k, raw-time monomials take the
    steps unit-time monomials take (compared in unit coefficients). Gradients here are >= 1e-3 per coefficient, so
    eps = 1e-8 moves a step by < 1e-5 relative; plain Adam on raw time differs at the percent level."""
    raw = _model(10.0, "monomial", "raw")
    unit = convert_basis(raw, "monomial", "unit")
    plain = convert_basis(raw, "monomial", "raw")
    params = list(raw.parameters())
    _train(raw, ScaledAdam(params, parameter_lr_scales(raw, params), lr=1e-2), 5)
    _train(unit, torch.optim.Adam(unit.parameters(), lr=1e-2), 5)
    _train(plain, torch.optim.Adam(plain.parameters(), lr=1e-2), 5)
    want = unit.dynamics.layer.weight_coef.detach()
    got = convert_basis(raw, "monomial", "unit").dynamics.layer.weight_coef.detach()
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5 * float(want.abs().max()))
    torch.testing.assert_close(raw.encoder.weight, unit.encoder.weight, rtol=1e-5, atol=1e-7)
    off = convert_basis(plain, "monomial", "unit").dynamics.layer.weight_coef.detach()
    assert float((off - want).abs().max()) > 1e-2 * float(want.abs().max())


def test_unit_time_lr_needs_adam() -> None:
    from ctdnn_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="lr_scaling"):
        TrainConfig(optimizer="rmsprop", lr_scaling="unit_time")
    with pytest.raises(ConfigError, match="regularizer"):
        TrainConfig(regularizer="gram")
