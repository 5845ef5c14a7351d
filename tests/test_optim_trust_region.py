"""The trust-region Gauss-Newton-Krylov loop: radius rules, the subproblem, work units, and convergence on
nonlinear least-squares problems against scipy.optimize.least_squares."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from scipy.optimize import least_squares
from torch import Tensor

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.optim import gauss_newton, trust_region
from ctdnn_bench.optim.gmres import gmres
from ctdnn_bench.optim.trust_region import (
    TrustRegion,
    TrustRegionOptions,
    predicted_reduction,
    trust_region_coefficients,
)

F64 = torch.float64


def rosenbrock(x: Tensor) -> Tensor:
    """Rosenbrock's function as residuals: ``f = 1/2 (100 (x2 - x1^2)^2 + (1 - x1)^2)``, minimum 0 at (1, 1)."""
    return torch.stack([10 * (x[1] - x[0] ** 2), 1 - x[0]])


T_DATA = np.linspace(0.0, 4.0, 25)
Y_DATA = 2.5 * np.exp(-1.3 * T_DATA) + 0.5 + 0.05 * np.sin(7.0 * T_DATA)  # no exact fit: nonzero residual


def decay(p: Tensor) -> Tensor:
    """Residuals of fitting ``a exp(-k t) + c`` to Y_DATA (a nonzero-residual problem)."""
    t = torch.as_tensor(T_DATA, dtype=p.dtype)
    return p[0] * torch.exp(-p[1] * t) + p[2] - torch.as_tensor(Y_DATA, dtype=p.dtype)


# -------------------------------------------------------------------------------------------- radius rules

OPT = TrustRegionOptions()


@pytest.mark.parametrize(
    ("rho", "step", "radius", "grad", "action", "new_radius"),
    [
        (-3.0, 0.5, 1.0, 1.0, "reject", 0.25),  # 1/2 min(Delta, ||s||)
        (5e-5, 2.0, 1.0, 1.0, "reject", 0.5),
        (-math.inf, 1.0, 1.0, 1.0, "reject", 0.5),
        (math.nan, 1.0, 1.0, 1.0, "reject", 0.5),
        (1e-4, 1.0, 1.0, 1.0, "shrink", 0.5),  # accepted, Delta / 2
        (0.0999, 1.0, 1.0, 1.0, "shrink", 0.5),
        (0.1, 1.0, 1.0, 1.0, "keep", 1.0),
        (0.75, 1.0, 1.0, 1.0, "keep", 1.0),
        (0.9, 1.0 - 1e-6, 1.0, 1.0, "enlarge", 1.5),  # on the boundary (relative 1e-5)
        (0.9, 1.0, 1.0, 1e-4, "enlarge", 1.5),  # Delta <= 1e4 ||g|| holds with equality
        (0.9, 1.0, 1.0, 0.99e-4, "accept", 1.0),  # Delta > 1e4 ||g||: no enlargement
        (0.9, 0.9, 1.0, 1.0, "accept", 1.0),  # interior step
        (2.0, 0.5, 1.0, 1.0, "accept", 1.0),
    ],
)
def test_radius_rules(rho: float, step: float, radius: float, grad: float, action: str, new_radius: float) -> None:
    assert OPT.update(rho, step, radius, grad) == (action, pytest.approx(new_radius))


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="rho_reject"):
        TrustRegionOptions(rho_low=0.9, rho_high=0.5)
    with pytest.raises(ConfigError, match="max_work_units"):
        TrustRegionOptions(max_work_units=1)
    with pytest.raises(ConfigError, match="shrink"):
        TrustRegionOptions(grow=0.9)


# ------------------------------------------------------------------------------------------------ subproblem


def krylov_problem(seed: int = 0, n: int = 12, m: int = 5):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    j = torch.as_tensor(rng.standard_normal((20, n)))
    h = j.T @ j + 1e-3 * torch.eye(n, dtype=F64)
    g = torch.as_tensor(rng.standard_normal(n))
    return h, g, gmres(lambda v: h @ v, -g, max_iter=m, tol=0.0)


def test_short_gmres_step_is_taken_as_is() -> None:
    _, _, kr = krylov_problem()
    z = trust_region_coefficients(kr, 2 * float(np.linalg.norm(kr.coefficients)))
    np.testing.assert_array_equal(z, kr.coefficients)


def test_long_step_is_the_regularized_solution_on_the_boundary() -> None:
    _, _, kr = krylov_problem()
    radius = 0.3 * float(np.linalg.norm(kr.coefficients))
    z = trust_region_coefficients(kr, radius)
    assert np.linalg.norm(z) == pytest.approx(radius, rel=1e-10)
    # optimality of min ||Hbar z - beta e1|| s.t. ||z|| = Delta: Hbar^T (beta e1 - Hbar z) = lambda^2 z, lambda^2 > 0
    hb, rhs = kr.hessenberg, np.eye(kr.hessenberg.shape[0])[0] * kr.beta
    grad = hb.T @ (rhs - hb @ z)
    lam2 = grad @ z / (z @ z)
    assert lam2 > 0
    np.testing.assert_allclose(grad, lam2 * z, rtol=1e-8, atol=1e-10 * np.abs(grad).max())


def test_predicted_reduction_matches_the_quadratic_model() -> None:
    h, g, kr = krylov_problem(seed=1)
    for radius in (float(np.linalg.norm(kr.coefficients)), 0.1):
        s = kr.step(trust_region_coefficients(kr, radius))
        direct = -(g @ s + 0.5 * s @ h @ s)
        assert predicted_reduction(kr, trust_region_coefficients(kr, radius)) == pytest.approx(float(direct), rel=1e-9)


# ------------------------------------------------------------------------------------------------ the loop


def test_one_gauss_newton_step_solves_a_linear_problem() -> None:
    """r(theta) = A theta - b (+ Tikhonov): with an exact inner solve the first accepted step is the minimizer."""
    rng = np.random.default_rng(7)
    a, b = torch.as_tensor(rng.standard_normal((30, 6))), torch.as_tensor(rng.standard_normal(30))

    def residual(theta: Tensor) -> Tensor:
        return torch.cat([a @ theta - b, 0.1 * theta])

    best = np.linalg.lstsq(np.vstack([a.numpy(), 0.1 * np.eye(6)]), np.concatenate([b.numpy(), np.zeros(6)]))[0]
    tr = TrustRegion(residual, torch.zeros(6, dtype=F64), TrustRegionOptions(krylov_dim=6, krylov_tol=1e-13))
    steps = [tr.step() for _ in range(2)]
    # iteration 1: rho = 1 on the boundary (Delta = ||z||), so the radius is enlarged and the same step retried
    assert [s.action for s in steps] == ["enlarge", "accept"] and steps[1].rho == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(tr.theta.numpy(), best, rtol=1e-9, atol=1e-12)
    assert tr.grad_norm < 1e-10
    assert steps[1].work_units == 2 + 2 * steps[0].gmres_iterations + 1 + 2  # retry reused the trial value


def test_rosenbrock_converges_monotonically_to_the_minimum_as_scipy_does() -> None:
    x0 = torch.tensor([-1.2, 1.0], dtype=F64)
    res = TrustRegion(rosenbrock, x0, TrustRegionOptions(max_work_units=2000, atol=1e-12)).run()
    assert res.status == "converged"
    np.testing.assert_allclose(res.theta.numpy(), [1.0, 1.0], atol=1e-10)
    for before, after in itertools.pairwise(res.history):  # accepted steps decrease f, the others leave it
        assert after.objective < before.objective if after.accepted else after.objective == before.objective
    assert any(h.action == "reject" for h in res.history)  # the rules were exercised, not only full steps
    ref = least_squares(lambda x: rosenbrock(torch.as_tensor(x)).numpy(), x0.numpy(), method="trf", xtol=1e-15)
    assert res.objective <= 1e-20 and ref.cost <= 1e-20


def test_nonzero_residual_fit_reaches_scipys_minimum() -> None:
    p0 = torch.tensor([1.0, 0.5, 0.0], dtype=F64)
    res = TrustRegion(decay, p0, TrustRegionOptions(max_work_units=3000, atol=1e-11)).run()
    ref = least_squares(lambda p: decay(torch.as_tensor(p)).numpy(), p0.numpy(), method="trf", xtol=1e-15, gtol=1e-15)
    assert res.status == "converged" and ref.cost > 1e-3  # a real nonzero minimum
    # this start needs the fallback: reject -> enlarge -> enlarge -> reject would cycle without "revert"
    actions = [h.action for h in res.history]
    assert actions[2:6] == ["reject", "enlarge", "enlarge", "revert"]
    assert res.history[5].step_norm == pytest.approx(res.history[4].step_norm)  # the step before the enlargement
    assert res.objective == pytest.approx(ref.cost, rel=1e-10)
    np.testing.assert_allclose(res.theta.numpy(), ref.x, rtol=1e-6)


def test_work_units_are_counted_from_the_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """2 per evaluation of f and g, 2 per Gauss-Newton product, 1 per trial evaluation: counted independently."""
    counts = {"lin": 0, "prod": 0, "trial": 0}
    real_lin, real_obj = gauss_newton.linearize, gauss_newton.objective
    real_prod = gauss_newton.Linearization.gn_product

    def lin(fn, theta):  # type: ignore[no-untyped-def]
        counts["lin"] += 1
        return real_lin(fn, theta)

    def obj(fn, theta):  # type: ignore[no-untyped-def]
        counts["trial"] += 1
        return real_obj(fn, theta)

    def prod(self, v):  # type: ignore[no-untyped-def]
        counts["prod"] += 1
        return real_prod(self, v)

    monkeypatch.setattr(trust_region, "linearize", lin)
    monkeypatch.setattr(trust_region, "objective", obj)
    monkeypatch.setattr(gauss_newton.Linearization, "gn_product", prod)
    res = TrustRegion(decay, torch.tensor([1.0, 0.5, 0.0], dtype=F64), TrustRegionOptions(max_work_units=60)).run()
    assert res.status == "budget" and res.work_units >= 60
    assert res.work_units == 2 * counts["lin"] + 2 * counts["prod"] + counts["trial"]
    assert counts["prod"] == sum(h.gmres_iterations for h in res.history)
    assert counts["lin"] == 1 + sum(h.accepted for h in res.history)
    # the budget is checked before each iteration: the last one started below it
    assert res.history[-2].work_units < 60


def test_breakdown_is_reported_as_diverged() -> None:
    def bad(theta: Tensor) -> Tensor:  # finite at the start, NaN at every trial point
        return theta + 1 if bool((theta == 0).all()) else theta * math.nan

    res = TrustRegion(bad, torch.zeros(2, dtype=F64)).run()
    assert res.status == "diverged" and "radius" in res.reason
    assert all(h.action in ("start", "reject") for h in res.history)
    nan = TrustRegion(lambda t: t * math.nan, torch.ones(2, dtype=F64))
    assert nan.status == "diverged" and "non-finite" in nan.reason
    with pytest.raises(ConfigError, match="stopped"):
        nan.step()
