"""TimeDependentLinear: y = W(t) x + b(t) with W(t) = sum_k p_k(t) W_k."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre as npleg
from torch.func import functional_call

from ctdnn_bench import BASES, TimeDependentLinear, make_basis


def degree_for(name: str) -> int:
    return 0 if name == "static" else 3


def test_forward_is_the_basis_expansion(float64: torch.dtype, seeded: None) -> None:
    """y = x W(t)^T + b(t) with W(t), b(t) from numpy's Legendre values, independent of the library's recurrence."""
    big_t, degree = 5.0, 3
    layer = TimeDependentLinear(4, 3, make_basis("legendre", degree, 0.0, big_t), time_init="random")
    with torch.no_grad():
        layer.bias_coef.normal_()  # type: ignore[union-attr]
    x = torch.randn(6, 4)
    for t in (0.0, 1.7, 5.0):
        p = npleg.legvander(np.array([2 * t / big_t - 1]), degree)[0]
        w = np.tensordot(p, layer.weight_coef.detach().numpy(), axes=1)
        b = np.tensordot(p, layer.bias_coef.detach().numpy(), axes=1)  # type: ignore[union-attr]
        np.testing.assert_allclose(layer(t, x).detach().numpy(), x.numpy() @ w.T + b, rtol=1e-12, atol=1e-12)


def test_gradcheck_input_coefficients_and_time(seeded: None) -> None:
    layer = TimeDependentLinear(3, 2, make_basis("legendre", 2, 0.0, 2.0), time_init="random", dtype=torch.float64)
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)

    def f(t: torch.Tensor, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return functional_call(layer, {"weight_coef": w, "bias_coef": b}, (t, x))

    assert torch.autograd.gradcheck(f, (t, x, w, b))
    assert torch.autograd.gradgradcheck(f, (t, x, w, b))


def test_gradient_wrt_coefficient_is_basis_value_times_input(float64: torch.dtype, seeded: None) -> None:
    """d(sum y)/dW_k = p_k(t) * (1 x^T summed over the batch): coefficient k sees the input scaled by p_k(t)."""
    basis = make_basis("monomial", 3, 0.0, 2.0, "raw")
    layer = TimeDependentLinear(3, 2, basis, time_init="random")
    x = torch.randn(5, 3)
    t = 1.5
    layer(t, x).sum().backward()
    p = torch.tensor([1.0, t, t**2, t**3])
    expected_w = p[:, None, None] * x.sum(0).expand(2, 3)
    torch.testing.assert_close(layer.weight_coef.grad, expected_w)
    torch.testing.assert_close(layer.bias_coef.grad, p[:, None].expand(4, 2) * 5.0)  # type: ignore[union-attr]


@pytest.mark.parametrize("name", sorted(BASES))
def test_weights_at_matrix_equals_stacked_single_times(name: str, float64: torch.dtype, seeded: None) -> None:
    basis = make_basis(name, degree_for(name), 0.0, 3.0)
    layer = TimeDependentLinear(3, 4, basis, time_init="random")
    times = torch.linspace(0.0, 3.0, 7)
    w_many, b_many = layer.weights_at(basis(times))
    assert w_many.shape == (7, 4, 3) and b_many is not None and b_many.shape == (7, 4)
    for j, t in enumerate(times):
        w_one, b_one = layer.weights_at(basis(t))
        torch.testing.assert_close(w_many[j], w_one, rtol=1e-14, atol=1e-14)
        torch.testing.assert_close(b_many[j], b_one, rtol=1e-14, atol=1e-14)
        # and the explicit sum over coefficients
        explicit = sum(basis(t)[k] * layer.weight_coef[k] for k in range(basis.n_functions))
        torch.testing.assert_close(w_one, explicit, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("domain", [None, "raw"])
def test_constant_time_init_gives_constant_weights(
    name: str, domain: str | None, float64: torch.dtype, seeded: None
) -> None:
    basis = make_basis(name, degree_for(name), 0.0, 5.0, domain)
    layer = TimeDependentLinear(6, 6, basis)  # time_init="constant" is the default
    w, b = layer.weights_at(basis(torch.linspace(0.0, 5.0, 23)))
    torch.testing.assert_close(w, w[:1].expand_as(w), rtol=0, atol=1e-10)
    assert b is not None and torch.count_nonzero(b) == 0  # biases start at 0 (paper Sec. 7)
    # the constant weights are a He draw N(0, 2 / fan_in): a loose check on the sample std of 36 entries
    assert 0.25 < float(w[0].detach().std()) < 0.9


def test_random_time_init_gives_time_varying_weights(float64: torch.dtype, seeded: None) -> None:
    basis = make_basis("legendre", 2, 0.0, 1.0)
    layer = TimeDependentLinear(3, 3, basis, time_init="random", init_std=0.3)
    w, _ = layer.weights_at(basis(torch.tensor([0.0, 1.0])))
    assert (w[0] - w[1]).abs().max() > 0.1


def test_no_bias(float64: torch.dtype, seeded: None) -> None:
    basis = make_basis("legendre", 2, 0.0, 1.0)
    layer = TimeDependentLinear(3, 2, basis, bias=False, time_init="random")
    assert layer.bias_coef is None
    x = torch.randn(4, 3)
    # linear in x without an offset: f(2x) = 2 f(x)
    torch.testing.assert_close(layer(0.3, 2 * x), 2 * layer(0.3, x))
    assert sum(p.numel() for p in layer.parameters()) == 3 * 2 * 3


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_follows_the_layer(dtype: torch.dtype, seeded: None) -> None:
    layer = TimeDependentLinear(3, 2, make_basis("chebyshev", 2, 0.0, 1.0), dtype=dtype)
    assert layer.weight_coef.dtype == dtype
    assert layer(0.5, torch.randn(4, 3, dtype=dtype)).dtype == dtype
