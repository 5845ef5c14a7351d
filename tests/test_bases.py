"""Mathematics of the time bases: recurrences vs numpy.polynomial, orthogonality, grids, registry-wide invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from numpy.polynomial import chebyshev as npcheb
from numpy.polynomial import legendre as npleg

from ctdnn_bench import BASES, gram_matrix, make_basis

# Every registry entry must be in exactly one of these groups, so a new basis cannot skip the registry-wide tests.
SMOOTH = ("monomial", "legendre", "chebyshev", "fourier")  # infinitely differentiable in t
PIECEWISE_LINEAR = ("piecewise_linear",)  # differentiable away from its nodes
ZERO_DERIVATIVE = ("piecewise_constant", "static")  # d/dt = 0 wherever defined

INTERVALS = [(0.0, 1.0), (0.0, 5.0), (-2.0, 3.0), (0.5, 10.0)]


def degree_for(name: str) -> int:
    return 0 if name == "static" else 4


def test_groups_cover_registry() -> None:
    groups = SMOOTH + PIECEWISE_LINEAR + ZERO_DERIVATIVE
    assert sorted(groups) == sorted(BASES), "add the new basis to one of the groups in tests/test_bases.py"


# ---------------------------------------------------------------------------------------------------------------
# Legendre and Chebyshev against numpy.polynomial
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
@pytest.mark.parametrize("degree", [0, 1, 3, 6, 9])
def test_legendre_gram_is_diagonal(t0: float, t1: float, degree: int) -> None:
    """int_{t0}^{t1} P_j P_k dt = (t1 - t0) / (2k + 1) delta_jk for the shifted Legendre polynomials."""
    gram = gram_matrix(make_basis("legendre", degree, t0, t1))
    expected = np.diag((t1 - t0) / (2 * np.arange(degree + 1) + 1))
    np.testing.assert_allclose(gram, expected, rtol=1e-12, atol=1e-12 * (t1 - t0))


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
def test_legendre_values_match_numpy(t0: float, t1: float) -> None:
    degree = 8
    t = np.linspace(t0, t1, 37)
    x = 2 * (t - t0) / (t1 - t0) - 1  # the symmetric (default) domain
    values = make_basis("legendre", degree, t0, t1).matrix(t)
    np.testing.assert_allclose(values, npleg.legvander(x, degree), rtol=1e-12, atol=1e-13)
    # P_k(1) = 1 and P_k(-1) = (-1)^k: the unnormalized convention of the paper
    np.testing.assert_allclose(values[-1], np.ones(degree + 1), atol=1e-13)
    np.testing.assert_allclose(values[0], (-1.0) ** np.arange(degree + 1), atol=1e-13)


def test_legendre_unit_domain_is_unshifted_legendre_of_s() -> None:
    """domain='unit' evaluates P_k(s) at s = (t - t0) / (t1 - t0) (not the shifted polynomials)."""
    t = np.linspace(0.0, 4.0, 9)
    values = make_basis("legendre", 4, 0.0, 4.0, "unit").matrix(t)
    np.testing.assert_allclose(values, npleg.legvander(t / 4.0, 4), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
def test_chebyshev_values_match_numpy(t0: float, t1: float) -> None:
    degree = 8
    t = np.linspace(t0, t1, 41)
    x = 2 * (t - t0) / (t1 - t0) - 1
    values = make_basis("chebyshev", degree, t0, t1).matrix(t)
    np.testing.assert_allclose(values, npcheb.chebvander(x, degree), rtol=1e-12, atol=1e-13)
    # T_k(cos a) = cos(k a): an identity independent of any recurrence
    a = np.arccos(x)
    np.testing.assert_allclose(values, np.cos(np.outer(a, np.arange(degree + 1))), atol=1e-12)


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
def test_chebyshev_weighted_orthogonality(t0: float, t1: float) -> None:
    """Gauss-Chebyshev quadrature (exact to degree 2N - 1): int T_j T_k / sqrt(1 - x^2) dx = diag(pi, pi/2, ...)."""
    degree, n_nodes = 7, 16
    x = np.cos((2 * np.arange(1, n_nodes + 1) - 1) * np.pi / (2 * n_nodes))
    t = t0 + (x + 1) * (t1 - t0) / 2
    a = make_basis("chebyshev", degree, t0, t1).matrix(t)
    weighted = (np.pi / n_nodes) * a.T @ a
    expected = np.diag([np.pi] + [np.pi / 2] * degree)
    np.testing.assert_allclose(weighted, expected, atol=1e-12)
    # ... and they are NOT orthogonal in plain L2 (T_0 T_2 integrates to -2/3 on [-1, 1]):
    plain = gram_matrix(make_basis("chebyshev", degree, -1.0, 1.0))
    assert plain[0, 2] == pytest.approx(-2.0 / 3.0, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# Monomials and Fourier
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", ["raw", "unit"])
@pytest.mark.parametrize("degree", [2, 3, 6])
def test_monomial_gram_on_unit_interval_is_hilbert(domain: str, degree: int) -> None:
    gram = gram_matrix(make_basis("monomial", degree, 0.0, 1.0, domain))
    np.testing.assert_allclose(gram, scipy.linalg.hilbert(degree + 1), rtol=1e-12)


def test_monomial_raw_gram_on_0_T() -> None:
    """On [0, T] in raw time, int_0^T t^(j+k) dt = T^(j+k+1) / (j+k+1)."""
    big_t, degree = 5.0, 4
    j, k = np.meshgrid(np.arange(degree + 1), np.arange(degree + 1), indexing="ij")
    expected = big_t ** (j + k + 1) / (j + k + 1)
    np.testing.assert_allclose(gram_matrix(make_basis("monomial", degree, 0.0, big_t, "raw")), expected, rtol=1e-12)


def test_monomial_values_by_domain() -> None:
    t = np.linspace(2.0, 6.0, 11)
    s = {"raw": t, "unit": (t - 2.0) / 4.0, "symmetric": (t - 2.0) / 2.0 - 1.0}
    for domain, ref in s.items():
        np.testing.assert_allclose(make_basis("monomial", 5, 2.0, 6.0, domain).matrix(t), np.vander(ref, 6, True))


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
@pytest.mark.parametrize("degree", [2, 6, 12])
def test_fourier_orthogonality_and_values(t0: float, t1: float, degree: int) -> None:
    """1, cos(2 pi u), sin(2 pi u), cos(4 pi u), ...: Gram diag(T, T/2, ...) (also at degree 12, where products
    oscillate 12 times over the interval and a too-small quadrature shows)."""
    basis = make_basis("fourier", degree, t0, t1)
    gram = gram_matrix(basis)
    expected = np.diag([t1 - t0] + [(t1 - t0) / 2] * degree)
    np.testing.assert_allclose(gram, expected, atol=1e-11 * (t1 - t0))
    t = np.linspace(t0, t1, 13)
    u = 2 * np.pi * (t - t0) / (t1 - t0)
    cols = [np.ones_like(u)]
    for k in range(1, degree // 2 + 1):
        cols += [np.cos(k * u), np.sin(k * u)]
    np.testing.assert_allclose(basis.matrix(t), np.stack(cols, axis=1), atol=1e-11)


# ---------------------------------------------------------------------------------------------------------------
# Piecewise bases and the unconstrained ("none") baseline on the paper's grids
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("big_t", [1.0, 5.0, 10.0])
def test_piecewise_constant_paper_linspace_grid(big_t: float) -> None:
    """linspace(0, T, 12) with degree 11: one-hot rows, 12 steps in 12 distinct cells (cell = min(12k // 11, 11))."""
    a = make_basis("piecewise_constant", 11, 0.0, big_t).matrix(np.linspace(0.0, big_t, 12))
    assert set(np.unique(a)) == {0.0, 1.0}
    np.testing.assert_array_equal(a.sum(axis=1), np.ones(12))
    cells = a.argmax(axis=1)
    np.testing.assert_array_equal(cells, [min(12 * k // 11, 11) for k in range(12)])
    assert len(set(cells)) == 12


@pytest.mark.parametrize("big_t", [1.0, 5.0, 10.0])
def test_piecewise_constant_left_grid_has_no_edge_issues(big_t: float) -> None:
    """On t_k = k h (h = T/12, computed both ways) step k lands in cell k exactly, although t_k sits on a cell edge."""
    basis = make_basis("piecewise_constant", 11, 0.0, big_t)
    h = big_t / 12
    for grid in (np.arange(12) * h, big_t * np.arange(12) / 12):
        a = basis.matrix(grid)
        np.testing.assert_array_equal(a, np.eye(12))
    # the right end belongs to the last cell
    np.testing.assert_array_equal(basis.matrix(np.array([big_t])), np.eye(12)[[11]])


def test_piecewise_constant_gram_is_cell_widths() -> None:
    gram = gram_matrix(make_basis("piecewise_constant", 4, 1.0, 3.5))
    np.testing.assert_allclose(gram, np.eye(5) * 0.5, atol=1e-13)


@pytest.mark.parametrize("degree", [1, 3, 7])
def test_piecewise_linear_partition_of_unity_and_interpolation(degree: int) -> None:
    t0, t1 = -1.0, 4.0
    basis = make_basis("piecewise_linear", degree, t0, t1)
    t = np.random.default_rng(0).uniform(t0, t1, 200)
    a = basis.matrix(t)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    assert (a >= 0).all() and (np.count_nonzero(a, axis=1) <= 2).all()
    nodes = np.linspace(t0, t1, degree + 1)
    np.testing.assert_allclose(basis.matrix(nodes), np.eye(degree + 1), atol=1e-14)
    # weights interpolate linearly between node values
    c = np.random.default_rng(1).normal(size=degree + 1)
    np.testing.assert_allclose(a @ c, np.interp(t, nodes, c), atol=1e-13)


def test_piecewise_linear_degree_zero_is_constant() -> None:
    np.testing.assert_array_equal(make_basis("piecewise_linear", 0).matrix(np.linspace(0, 1, 5)), np.ones((5, 1)))


def test_static_is_constant() -> None:
    basis = make_basis("static", 0, 0.0, 7.0)
    np.testing.assert_array_equal(basis.matrix(np.linspace(-3.0, 20.0, 9)), np.ones((9, 1)))
    np.testing.assert_allclose(gram_matrix(basis), [[7.0]])


# ---------------------------------------------------------------------------------------------------------------
# Registry-wide invariants
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_and_dtype(name: str, dtype: torch.dtype) -> None:
    basis = make_basis(name, degree_for(name), 0.0, 2.0)
    n = degree_for(name) + 1
    scalar = basis(torch.tensor(0.7, dtype=dtype))
    vector = basis(torch.linspace(0.0, 2.0, 9, dtype=dtype))
    assert scalar.shape == (n,) and scalar.dtype == dtype
    assert vector.shape == (9, n) and vector.dtype == dtype
    # a scalar evaluation is the matching row of a vector evaluation
    torch.testing.assert_close(basis(torch.tensor(0.5, dtype=dtype)), vector[2])


@pytest.mark.parametrize("name", sorted(BASES))
def test_python_float_uses_default_dtype(name: str, float64: torch.dtype) -> None:
    assert make_basis(name, degree_for(name))(0.25).dtype == float64


@pytest.mark.parametrize("name", SMOOTH)
def test_gradcheck_smooth(name: str) -> None:
    basis = make_basis(name, 5, -1.0, 3.0)
    t = torch.tensor([-0.9, 0.1, 1.3, 2.2, 2.95], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(basis, (t,))
    assert torch.autograd.gradgradcheck(basis, (t,))


def test_legendre_derivative_matches_numpy() -> None:
    """d/dt P_k(2t/T - 1) = (2/T) P_k'(x): autograd against numpy's legder."""
    big_t, degree = 5.0, 6
    t = torch.linspace(0.1, 4.9, 7, dtype=torch.float64, requires_grad=True)
    values = make_basis("legendre", degree, 0.0, big_t)(t)
    x = 2 * t.detach().numpy() / big_t - 1
    for k in range(degree + 1):
        (grad,) = torch.autograd.grad(values[:, k].sum(), t, retain_graph=True)
        expected = (2 / big_t) * npleg.legval(x, npleg.legder(np.eye(degree + 1)[k]))
        np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_gradcheck_piecewise_linear_between_nodes() -> None:
    basis = make_basis("piecewise_linear", 4, 0.0, 1.0)  # nodes at multiples of 0.25
    t = torch.tensor([0.1, 0.3, 0.6, 0.9], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(basis, (t,), eps=1e-6)


@pytest.mark.parametrize("name", ZERO_DERIVATIVE)
def test_zero_derivative_bases(name: str) -> None:
    basis = make_basis(name, degree_for(name), 0.0, 1.0)
    t = torch.tensor([0.1, 0.45, 0.8], dtype=torch.float64, requires_grad=True)
    out = basis(t)
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out.sum(), t, allow_unused=True, materialize_grads=True)
        assert torch.equal(grad, torch.zeros_like(t))


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("domain", [None, "raw", "unit", "symmetric"])
def test_constant_coefficients_reproduce_one(name: str, domain: str | None) -> None:
    basis = make_basis(name, degree_for(name), 0.5, 3.0, domain)
    c = basis.constant_coefficients()
    assert c.shape == (basis.n_functions,)
    t = np.random.default_rng(2).uniform(0.5, 3.0, 50)
    np.testing.assert_allclose(basis.matrix(t) @ c, 1.0, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", sorted(BASES))
def test_n_functions_is_degree_plus_one(name: str) -> None:
    d = degree_for(name)
    basis = make_basis(name, d, 0.0, 1.0)
    assert basis.n_functions == d + 1
    # the functions are linearly independent (a basis of a (d + 1)-dimensional space) on a fine grid
    a = basis.matrix(np.linspace(0.0, 1.0, 8 * (d + 1)))
    assert np.linalg.matrix_rank(a) == d + 1
