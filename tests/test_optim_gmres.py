"""GMRES with a kept Krylov basis: the solution, the Arnoldi relation, the stopping rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.optim.gmres import gmres


def spd(n: int, seed: int = 0, cond: float = 100.0) -> np.ndarray:
    """A symmetric positive definite matrix with eigenvalues spread over [1, cond]."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(np.geomspace(1.0, cond, n)) @ q.T


def test_full_krylov_space_solves_an_spd_system_as_numpy_does() -> None:
    a = spd(8)
    b = np.random.default_rng(1).standard_normal(8)
    at = torch.as_tensor(a)
    sol = gmres(lambda v: at @ v, torch.as_tensor(b), max_iter=20, tol=1e-12)
    assert sol.iterations <= 8  # capped at n
    np.testing.assert_allclose(sol.solution.numpy(), np.linalg.solve(a, b), rtol=1e-9, atol=1e-11)
    assert sol.residual < 1e-12


def test_arnoldi_relation_orthonormal_basis_and_reported_residual() -> None:
    a = spd(30, seed=2, cond=1e3)
    b = torch.as_tensor(np.random.default_rng(3).standard_normal(30))
    at = torch.as_tensor(a)
    sol = gmres(lambda v: at @ v, b, max_iter=6, tol=0.0)
    k, v = sol.iterations, sol.basis.numpy()
    assert k == 6 and v.shape == (30, 7) and sol.hessenberg.shape == (7, 6)
    np.testing.assert_allclose(v.T @ v, np.eye(7), atol=1e-12)
    np.testing.assert_allclose(a @ v[:, :k], v @ sol.hessenberg, atol=1e-10)
    true = np.linalg.norm(b.numpy() - a @ sol.solution.numpy()) / np.linalg.norm(b.numpy())
    assert sol.residual == pytest.approx(true, rel=1e-8)
    assert sol.beta == pytest.approx(float(np.linalg.norm(b.numpy())))


def test_stops_at_the_tolerance_and_not_before() -> None:
    a = torch.as_tensor(spd(60, seed=4, cond=1e4))
    b = torch.as_tensor(np.random.default_rng(5).standard_normal(60))
    sol = gmres(lambda v: a @ v, b, max_iter=60, tol=1e-2)
    assert 1 < sol.iterations < 60 and sol.residual <= 1e-2
    shorter = gmres(lambda v: a @ v, b, max_iter=sol.iterations - 1, tol=0.0)
    assert shorter.residual > 1e-2  # one step fewer would not have reached it


def test_invariant_subspace_ends_early_with_the_exact_solution() -> None:
    a = torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64))
    b = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0], dtype=torch.float64)  # two eigenvectors: a 2-d Krylov space
    sol = gmres(lambda v: a @ v, b, max_iter=20, tol=0.0)
    assert sol.iterations == 2
    torch.testing.assert_close(sol.solution, torch.tensor([1.0, 0.5, 0, 0, 0], dtype=torch.float64))


def test_float32_and_products_counted() -> None:
    a = torch.as_tensor(spd(10, seed=6), dtype=torch.float32)
    calls = []

    def op(v: torch.Tensor) -> torch.Tensor:
        calls.append(v)
        return a @ v

    sol = gmres(op, torch.ones(10), max_iter=4, tol=0.0)
    assert sol.basis.dtype == torch.float32 and sol.solution.dtype == torch.float32
    assert len(calls) == sol.iterations == 4  # x0 = 0: no product for the initial residual


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match="nonzero right-hand side"):
        gmres(lambda v: v, torch.zeros(3))
    with pytest.raises(ConfigError, match="max_iter"):
        gmres(lambda v: v, torch.ones(3), max_iter=0)
