"""Trust-region Gauss-Newton-Krylov minimization of ``f(theta) = 1/2 ||r(theta)||^2`` (Meganet's ``trnewton``).

Each outer iteration (Newman, Ruthotto, Hart, van Bloemen Waanders, SIMODS 2021; Kelley, *Iterative Methods for
Optimization*, p. 51):

1. at a new iterate, GMRES on ``H s = -g`` (``H = J^T J``) from ``s = 0``: at most ``krylov_dim`` steps, relative
   tolerance ``krylov_tol``; the first radius is the length of the first GMRES step;
2. if the GMRES step is longer than the radius ``Delta``, the step solving
   ``min ||Hbar z - beta e_1||^2 + lambda^2 ||z||^2`` with ``||z|| = Delta`` (SVD of ``Hbar``, scalar root find);
3. ``rho = ared / pred`` with ``ared = f(theta) - f(theta + s)`` and ``pred = -(g^T s + 1/2 s^T H s)``, the latter
   from the Krylov quantities (no extra product), and the radius rules of :meth:`TrustRegionOptions.update`.

A rejected step, and a step on the boundary that asks for a larger radius, are retried in the same Krylov space
(no new products). If the retry after an enlargement is rejected, the step from before the enlargement is taken
(``revert``; Kelley's ``trtest`` step 2b, which Meganet leaves as a comment): without it, reject and enlarge can
alternate forever in one Krylov space. Work units: evaluating ``f`` and ``g`` costs 2, each Gauss-Newton product 2,
a trial evaluation 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.optimize import brentq
from torch import Tensor

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.optim.gauss_newton import Linearization, Residual, linearize, objective
from ctdnn_bench.optim.gmres import KrylovSolution, gmres

#: Work units of one evaluation of ``f`` and ``g``, of one Hessian-vector product and of one trial evaluation.
WORK_EVAL, WORK_PRODUCT, WORK_TRIAL = 2, 2, 1

#: What an outer iteration did with its trial step: theta moves for shrink, keep, accept and revert (the trial
#: after an enlargement was rejected: the step before it is taken); start is iteration 0.
ACTIONS = ("start", "shrink", "keep", "accept", "revert", "reject", "enlarge")
#: The actions that move theta.
MOVES = ("shrink", "keep", "accept", "revert")


@dataclass(frozen=True, kw_only=True)
class TrustRegionOptions:
    """Settings of the trust-region loop; the defaults are the paper's (Meganet ``trnewton`` and ``GMRES``).

    Args:
        max_work_units: budget; an iteration starts only while fewer work units have been spent (paper: 4000).
        max_iterations: at most this many outer iterations (None: no limit).
        krylov_dim: at most this many GMRES steps per iterate (paper: 20).
        krylov_tol: GMRES relative residual tolerance (paper: 1e-2).
        atol, rtol: stop once ``||g|| < atol`` or ``||g|| / ||g_0|| < rtol`` (paper: 1e-16, never reached).
        radius: the first trust radius (None: the length of the first GMRES step, as Meganet).
        rho_reject, rho_low, rho_high: thresholds on ``rho`` (1e-4, 0.1, 0.75).
        shrink, grow: radius factors (0.5, 1.5).
        grow_limit: enlarge only while ``Delta <= grow_limit ||g||`` (1e4).
        boundary_rtol: a step is on the boundary if ``|  ||s|| - Delta | / Delta < boundary_rtol`` (1e-5).
        min_radius: the run has broken down once ``Delta < min_radius (1 + ||theta||)``.
    """

    max_work_units: int = 4000
    max_iterations: int | None = None
    krylov_dim: int = 20
    krylov_tol: float = 1e-2
    atol: float = 1e-16
    rtol: float = 1e-16
    radius: float | None = None
    rho_reject: float = 1e-4
    rho_low: float = 0.1
    rho_high: float = 0.75
    shrink: float = 0.5
    grow: float = 1.5
    grow_limit: float = 1e4
    boundary_rtol: float = 1e-5
    min_radius: float = 1e-12

    def __post_init__(self) -> None:
        if self.max_work_units < WORK_EVAL or self.krylov_dim < 1 or not self.krylov_tol >= 0:
            raise ConfigError(
                f"need max_work_units >= {WORK_EVAL}, krylov_dim >= 1, krylov_tol >= 0; got "
                f"{self.max_work_units}, {self.krylov_dim}, {self.krylov_tol}"
            )
        if not 0 < self.rho_reject <= self.rho_low <= self.rho_high < 1:
            raise ConfigError(
                f"need 0 < rho_reject <= rho_low <= rho_high < 1, got {self.rho_reject}, {self.rho_low}, "
                f"{self.rho_high}"
            )
        if not (0 < self.shrink < 1 < self.grow) or (self.radius is not None and not self.radius > 0):
            raise ConfigError(
                f"need 0 < shrink < 1 < grow and radius > 0, got {self.shrink}, {self.grow}, {self.radius}"
            )

    def update(self, rho: float, step_norm: float, radius: float, grad_norm: float) -> tuple[str, float]:
        """The action for a trial step and the new radius (Meganet ``trnewton.trtest``).

        Args:
            rho: ``ared / pred`` (``-inf`` for a non-finite trial objective or ``pred <= 0``).
            step_norm: ``||s||``.
            radius: the radius the step was computed for.
            grad_norm: ``||g||`` at the current iterate.

        Returns:
            ``(action, new radius)``; action is ``reject`` (radius ``shrink * min(radius, ||s||)``), ``shrink``
            (accept, radius halved), ``keep`` (accept), ``enlarge`` (do not move; retry with ``grow * radius``) or
            ``accept``.
        """
        if not rho >= self.rho_reject:  # also NaN
            return "reject", self.shrink * min(radius, step_norm)
        if rho < self.rho_low:
            return "shrink", self.shrink * radius
        if rho <= self.rho_high:
            return "keep", radius
        if abs(step_norm - radius) / radius < self.boundary_rtol and radius <= self.grow_limit * grad_norm:
            return "enlarge", self.grow * radius
        return "accept", radius


def trust_region_coefficients(krylov: KrylovSolution, radius: float) -> np.ndarray:
    """The coefficients ``z`` of the step in the Krylov space with ``||z|| <= radius``.

    The GMRES coefficients if they are short enough; else ``z(lambda) = argmin ||Hbar z - beta e_1||^2 +
    lambda^2 ||z||^2`` with ``lambda >= 0`` chosen so that ``||z(lambda)|| = radius``. Through the SVD
    ``Hbar = U S W^T``, ``z(lambda) = W (s_i c_i / (s_i^2 + lambda^2))`` with ``c = U^T beta e_1``; its norm falls
    monotonically in ``lambda`` and is below ``radius / 2`` at ``lambda = beta / radius`` (``s / (s^2 + lambda^2)
    <= 1 / (2 lambda)``), which brackets the root.
    """
    z = krylov.coefficients
    if np.linalg.norm(z) <= radius:
        return z
    u, s, wt = np.linalg.svd(krylov.hessenberg, full_matrices=False)
    c = krylov.beta * u[0]
    keep = s > s.max() * 1e-15  # the pseudo-inverse: directions with s = 0 get no weight

    def coefficients(lam: float) -> np.ndarray:
        return wt.T[:, keep] @ (s[keep] * c[keep] / (s[keep] ** 2 + lam**2))

    if np.linalg.norm(coefficients(0.0)) <= radius:
        return coefficients(0.0)
    lam = brentq(lambda lam: np.linalg.norm(coefficients(lam)) - radius, 0.0, krylov.beta / radius, xtol=1e-300)
    return coefficients(lam)


def predicted_reduction(krylov: KrylovSolution, z: np.ndarray) -> float:
    """``pred = -(g^T s + 1/2 s^T H s)`` for ``s = V z`` and ``b = -g``: ``beta z_1 - 1/2 z^T Hbar_k z``
    (``V^T H V = Hbar[:k, :k]`` and ``g = -beta v_1``)."""
    k = krylov.iterations
    return float(krylov.beta * z[0] - 0.5 * z @ krylov.hessenberg[:k, :k] @ z)


@dataclass(frozen=True)
class TrustRegionStep:
    """What one outer iteration did.

    Attributes:
        iteration: 1, 2, ... (0: the starting point, see :meth:`TrustRegion.initial_step`).
        objective, grad_norm: ``f`` and ``||g||`` at the iterate after this iteration.
        trial_objective: ``f(theta + s)`` of the trial step (NaN for iteration 0).
        radius: the trust radius after the update.
        rho: ``ared / pred`` of the trial step.
        step_norm: ``||s||`` of the step taken (``revert``: of the step from before the enlargement), else tried.
        accepted: whether theta moved.
        action: one of :data:`ACTIONS`.
        gmres_iterations: GMRES steps made in this iteration (0 when the Krylov space was reused).
        gmres_residual: relative residual of the GMRES solve in use.
        work_units: work units spent so far.
    """

    iteration: int
    objective: float
    grad_norm: float
    trial_objective: float
    radius: float
    rho: float
    step_norm: float
    accepted: bool
    action: str
    gmres_iterations: int
    gmres_residual: float
    work_units: int


@dataclass(frozen=True)
class TrustRegionResult:
    """The outcome of :meth:`TrustRegion.run`.

    Attributes:
        theta: the final iterate, shape ``(p,)``.
        objective, grad_norm: ``f`` and ``||g||`` there.
        status: ``budget`` (work units spent), ``max_iterations``, ``converged`` (gradient tolerance) or
            ``diverged`` (a non-finite objective or gradient, or a collapsed trust radius).
        reason: a sentence saying why the loop stopped.
        work_units: work units spent.
        history: the starting point and every iteration.
    """

    theta: Tensor
    objective: float
    grad_norm: float
    status: str
    reason: str
    work_units: int
    history: tuple[TrustRegionStep, ...] = field(repr=False)


class TrustRegion:
    """The trust-region Gauss-Newton-Krylov loop on a residual ``r(theta)``, one outer iteration per :meth:`step`.

    Args:
        residual: ``theta -> r(theta)``, ``(p,) -> (m,)``, written with torch operations.
        theta0: the starting point, shape ``(p,)`` (float32 or float64; the Krylov vectors use its dtype).
        options: see :class:`TrustRegionOptions`.

    The constructor evaluates ``f`` and ``g`` at ``theta0`` (2 work units). After a step, :attr:`status` is
    ``running`` or why the loop stopped (see :class:`TrustRegionResult`).
    """

    def __init__(self, residual: Residual, theta0: Tensor, options: TrustRegionOptions | None = None) -> None:
        if theta0.ndim != 1 or not theta0.is_floating_point():
            raise ConfigError(f"theta0 must be a flat floating-point vector, got shape {tuple(theta0.shape)}")
        self.fn, self.options = residual, options or TrustRegionOptions()
        self.iteration, self.work_units = 0, WORK_EVAL
        self.radius = self.options.radius
        self.status, self.reason = "running", ""
        self._krylov: KrylovSolution | None = None
        self._trial: tuple[np.ndarray, float] | None = None  # (z, f(theta + V z)) of the last trial
        self._enlarged: Tensor | None = None  # the step whose success enlarged the radius (Kelley's x_t^old)
        self.lin = self._linearize(theta0)
        self.grad_norm0 = self.grad_norm
        self._check_stop()

    @property
    def theta(self) -> Tensor:
        """The current iterate, shape ``(p,)``."""
        return self.lin.theta

    @property
    def objective(self) -> float:
        """``f`` at the current iterate."""
        return self.lin.objective

    @property
    def grad_norm(self) -> float:
        """``||g||`` at the current iterate."""
        return float(torch.linalg.vector_norm(self.lin.gradient))

    def _linearize(self, theta: Tensor) -> Linearization:
        lin = linearize(self.fn, theta)
        if not (math.isfinite(lin.objective) and bool(torch.isfinite(lin.gradient).all())):
            self.status, self.reason = "diverged", f"non-finite objective or gradient (f = {lin.objective})"
        return lin

    def _check_stop(self) -> None:
        o, g = self.options, self.grad_norm
        if self.status != "running":
            return
        if g < o.atol or g < o.rtol * self.grad_norm0:
            self.status, self.reason = "converged", f"gradient norm {g:.3g} below the tolerance"
        elif self.work_units >= o.max_work_units:
            self.status, self.reason = "budget", f"work-unit budget spent ({self.work_units} >= {o.max_work_units})"
        elif o.max_iterations is not None and self.iteration >= o.max_iterations:
            self.status, self.reason = "max_iterations", f"{self.iteration} iterations"

    def initial_step(self) -> TrustRegionStep:
        """A history row for the starting point (iteration 0)."""
        nan = math.nan
        return TrustRegionStep(
            0, self.objective, self.grad_norm, nan, self.radius or nan, nan, nan, False, "start", 0, nan, WORK_EVAL
        )

    def _trial_objective(self, z: np.ndarray, s: Tensor) -> float:
        """``f(theta + s)``; an identical retry (the same ``z`` after an enlargement) reuses the last value."""
        if self._trial is not None and np.array_equal(self._trial[0], z):
            return self._trial[1]
        self.work_units += WORK_TRIAL
        value = objective(self.fn, self.theta + s)
        self._trial = (z, value)
        return value

    def step(self) -> TrustRegionStep:
        """One outer iteration; raises ConfigError if the loop has already stopped."""
        if self.status != "running":
            raise ConfigError(f"the trust-region loop has stopped ({self.status}: {self.reason})")
        o, gmres_iterations = self.options, 0
        if self._krylov is None:  # a new iterate: a new Krylov space
            self._krylov = gmres(self.lin.gn_product, -self.lin.gradient, max_iter=o.krylov_dim, tol=o.krylov_tol)
            gmres_iterations, self._trial = self._krylov.iterations, None
            self.work_units += WORK_PRODUCT * gmres_iterations
        krylov = self._krylov
        if self.radius is None:
            self.radius = float(np.linalg.norm(krylov.coefficients))
        radius, grad_norm = self.radius, self.grad_norm
        z = trust_region_coefficients(krylov, radius)
        s = krylov.step(z)
        step_norm = float(torch.linalg.vector_norm(s))
        pred = predicted_reduction(krylov, z)
        trial = self._trial_objective(z, s)
        rho = (self.objective - trial) / pred if pred > 0 and math.isfinite(trial) else -math.inf
        action, self.radius = o.update(rho, step_norm, radius, grad_norm)
        if action == "reject" and self._enlarged is not None:
            action, s = "revert", self._enlarged
            step_norm = float(torch.linalg.vector_norm(s))
        self._enlarged = s if action == "enlarge" else None
        accepted = action in MOVES
        self.iteration += 1
        if accepted:
            self.lin = self._linearize(self.theta + s)
            self.work_units += WORK_EVAL
            self._krylov = None
        if self.status == "running" and self.radius < o.min_radius * (1 + float(torch.linalg.vector_norm(self.theta))):
            self.status, self.reason = "diverged", f"trust radius collapsed to {self.radius:.3g}"
        self._check_stop()
        return TrustRegionStep(
            self.iteration,
            self.objective,
            self.grad_norm,
            trial,
            self.radius,
            rho,
            step_norm,
            accepted,
            action,
            gmres_iterations,
            krylov.residual,
            self.work_units,
        )

    def run(self, callback: Callable[[TrustRegionStep], None] | None = None) -> TrustRegionResult:
        """Iterate until the loop stops; ``callback`` sees every step (including the starting point)."""
        history = [self.initial_step()]
        if callback:
            callback(history[0])
        while self.status == "running":
            history.append(self.step())
            if callback:
                callback(history[-1])
        return TrustRegionResult(
            self.theta, self.objective, self.grad_norm, self.status, self.reason, self.work_units, tuple(history)
        )
