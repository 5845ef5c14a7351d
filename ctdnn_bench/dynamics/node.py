"""Neural ODE block: du/dt = f(t, u; theta(t)) integrated by torchdiffeq, with NFE and step accounting."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import torch
from torch import Tensor, nn
from torchdiffeq import odeint, odeint_adjoint

from ctdnn_bench._checks import check_features
from ctdnn_bench.bases import AbstractBasis
from ctdnn_bench.errors import ConfigError, SolverError, require_choices
from ctdnn_bench.integrators import get_integrator, reconstruct_steps
from ctdnn_bench.stats import SolveStats, StatsMixin

#: Error norms of torchdiffeq's adjoint solve: ``default`` (the whole augmented state, parameter adjoint included) or
#: ``seminorm`` (state and state adjoint only; Kidger, Chen & Lyons, "Hey, that's not an ODE", ICML 2021).
ADJOINT_NORMS = ("default", "seminorm")


class _CountedField(nn.Module):
    """Wraps a vector field for one solve: counts calls per phase, records forward call times, enforces a budget.

    Built afresh for every forward pass, so the user's module is never modified.
    """

    def __init__(self, field: nn.Module, block: NeuralODEBlock) -> None:
        super().__init__()
        self.field, self.block = field, block
        # this solve's statistics object: the adjoint's backward evaluations land here even if other forward
        # passes have replaced ``block.last`` in the meantime
        self.counts = (block.last, block.stats)
        self.phase = "forward"
        self.forward_times: list[float] = []
        self.backward_calls = 0

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        if self.phase == "forward":
            self.forward_times.append(float(t.detach()))
            calls = len(self.forward_times)
        else:
            self.backward_calls += 1
            calls = self.backward_calls
        for stats in self.counts:
            if self.phase == "forward":
                stats.nfe_forward += 1
            else:
                stats.nfe_backward += 1
                stats.n_backward += calls == 1
        if calls > self.block.max_nfe:
            raise SolverError(
                f"the {self.phase} solve exceeded its budget of {self.block.max_nfe} function "
                f"evaluations (method {self.block.method}, rtol {self.block.rtol}, atol "
                f"{self.block.atol}); the dynamics are probably stiff or blowing up: loosen the "
                "tolerances, lower the learning rate, or raise max_nfe"
            )
        return self.field(t, u)


class _MarkBackward(torch.autograd.Function):
    """Identity whose backward switches the counter to the backward phase (it runs before the adjoint solve)."""

    @staticmethod
    def forward(ctx: Any, counter: _CountedField, y: Tensor) -> Tensor:
        ctx.counter = counter
        return y.view_as(y)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[None, Tensor]:
        ctx.counter.phase = "backward"
        return None, grad


def _step_grid(step_size: float) -> Callable[[Any, Tensor, Tensor], Tensor]:
    """torchdiffeq's fixed-step grid (steps of ``step_size`` from ``t[0]``, a shorter last step to ``t[-1]``), except
    that a span that is a whole number of steps up to round-off gets exactly that many steps: torchdiffeq's own
    ``ceil(span / step_size + 1)`` adds a ~zero-length extra step (and its NFE) when the ratio rounds up, e.g.
    ``T = 1, step_size = 1 / 49``. ``t`` may decrease (torchdiffeq passes the adjoint's backward times as given)."""

    def grid(func: Any, y0: Tensor, t: Tensor) -> Tensor:
        span = float(t[-1] - t[0])
        n = max(1, math.ceil(abs(span) / step_size * (1 - 64 * torch.finfo(t.dtype).eps)))
        points = t[0] + math.copysign(step_size, span) * torch.arange(n + 1, dtype=t.dtype, device=t.device)
        points[-1] = t[-1]
        return points

    return grid


class NeuralODEBlock(StatsMixin, nn.Module):
    """Integrates ``du/dt = field(t, u)`` from ``t0`` to ``t1`` (default: the field's basis interval).

    With ``adjoint=True`` gradients come from torchdiffeq's ``odeint_adjoint`` (optimize-then-discretize: a backward
    adjoint ODE solve); otherwise by backpropagation through ``odeint``'s operations (discretize-then-optimize).
    Paper: dopri5, rtol 1e-7, atol 1e-9 (Sec. 2.7). Statistics per call in ``last``, cumulative in ``stats``.

    Args:
        field: module with ``forward(t, u)``, ``u`` of shape ``(batch, width)``, and attributes ``width``, ``basis``.
        t0, t1: integration interval (default the field basis' ``[t0, t1]``).
        method: a name in :data:`~ctdnn_bench.integrators.INTEGRATORS`.
        rtol, atol: tolerances of adaptive methods.
        adjoint: optimize-then-discretize (True) or discretize-then-optimize (False).
        adjoint_norm: error norm of the adjoint solve: ``default`` (torchdiffeq's: the whole augmented state,
            including the parameter adjoint) or ``seminorm`` (state and state adjoint only, Kidger et al. 2021;
            the parameter adjoint is an integral that no later stage reads, so its error need not steer the steps).
            Settable between calls.
        step_size: step of fixed-step methods (default ``(t1 - t0) / 12``).
        max_nfe: evaluations allowed per solve and phase before :class:`SolverError` (nothing hangs).
    """

    def __init__(
        self,
        field: nn.Module,
        *,
        t0: float | None = None,
        t1: float | None = None,
        method: str = "dopri5",
        rtol: float = 1e-7,
        atol: float = 1e-9,
        adjoint: bool = True,
        adjoint_norm: str = "default",
        step_size: float | None = None,
        max_nfe: int = 20_000,
    ) -> None:
        super().__init__()
        self.integrator = get_integrator(method)
        self.field = field
        self.width: int = field.width  # type: ignore[assignment]
        basis = cast(AbstractBasis, field.basis)
        self.t0 = float(basis.t0 if t0 is None else t0)
        self.t1 = float(basis.t1 if t1 is None else t1)
        if not self.t1 > self.t0:
            raise ConfigError(f"need t1 > t0, got t0={self.t0}, t1={self.t1}")
        if not (rtol > 0 and atol > 0):
            raise ConfigError(f"tolerances must be positive, got rtol={rtol}, atol={atol}")
        if max_nfe < 1:
            raise ConfigError(f"max_nfe must be >= 1, got {max_nfe}")
        require_choices(("adjoint_norm", adjoint_norm, ADJOINT_NORMS))
        self.method, self.rtol, self.atol, self.adjoint, self.max_nfe = method, rtol, atol, adjoint, max_nfe
        self.adjoint_norm = adjoint_norm
        self.step_size = (self.t1 - self.t0) / 12 if step_size is None else step_size
        if not (math.isfinite(self.step_size) and self.step_size > 0):
            raise ConfigError(f"step_size must be a finite number > 0, got {step_size}")
        self._init_stats()

    @property
    def basis(self) -> Any:
        """The time basis of the field's weights."""
        return self.field.basis

    def _options(self) -> dict[str, Any]:
        if self.integrator.adaptive:
            # a step budget inside torchdiffeq too, in case the field is cheap and steps tiny
            return {"max_num_steps": self.max_nfe}
        return {"grid_constructor": _step_grid(self.step_size)}

    def forward(self, u0: Tensor, times: Tensor | None = None) -> Tensor:
        """Solve from ``u0`` (``(batch, width)``) at time ``times[0]`` (default ``t0``).

        Returns:
            ``u(t1)`` with shape ``(batch, width)`` if ``times`` is None, else the states at ``times`` (a 1-d
            increasing tensor), shape ``(len(times), batch, width)``.
        """
        check_features(u0, self.width, "NeuralODEBlock input")
        t = (
            torch.tensor([self.t0, self.t1], dtype=u0.dtype, device=u0.device)
            if times is None
            else times.to(dtype=u0.dtype, device=u0.device)
        )
        self.last = SolveStats(n_forward=1)
        self.stats.n_forward += 1
        counter = _CountedField(self.field, self)
        kwargs = {"rtol": self.rtol, "atol": self.atol, "method": self.method, "options": self._options()}
        try:
            if self.adjoint:
                # adjoint_options replace the (forward) options in the backward solve, so they repeat them
                adjoint_options = {**self._options(), "norm": "seminorm"} if self.adjoint_norm == "seminorm" else None
                sol = odeint_adjoint(
                    counter,
                    u0,
                    t,
                    adjoint_params=tuple(self.field.parameters()),
                    adjoint_options=adjoint_options,
                    **kwargs,
                )
            else:
                sol = odeint(counter, u0, t, **kwargs)
        except AssertionError as exc:  # torchdiffeq signals step underflow / step budget / nan state this way
            raise SolverError(
                f"{self.method} failed: {exc}. Loosen the tolerances, lower the learning rate, or "
                "check the inputs for blow-up"
            ) from exc
        accepted, rejected = reconstruct_steps(self.integrator, counter.forward_times)
        self.last.steps_accepted, self.last.steps_rejected = accepted, rejected
        self.stats.steps_accepted += accepted
        self.stats.steps_rejected += rejected
        if torch.is_grad_enabled() and sol.requires_grad:
            sol = _MarkBackward.apply(counter, sol)
        return sol[-1] if times is None else sol
