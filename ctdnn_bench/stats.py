"""Function-evaluation (NFE) and step statistics of continuous-time blocks.

Counting rules (what the numbers mean):

- ``nfe_forward``: evaluations of the vector field ``f(t, u)`` while computing the output. Forward Euler (ResNet)
  makes one per step, the Hamiltonian (Verlet) block two per step. torchdiffeq's dopri5 makes 2 at the start
  (``f(t0, y0)`` and one in the initial step-size selection) and 6 per attempted step (7 stages, the first reused from
  the previous step: first-same-as-last), so ``nfe = 2 + 6 (accepted + rejected)`` per solve; rk4 makes 4 per step.
- ``nfe_backward``: evaluations made during the backward pass. The adjoint method (optimize-then-discretize) solves
  the adjoint ODE, one ``f`` evaluation (with a vector-Jacobian product) per stage. Backpropagation through the solver
  (discretize-then-optimize) makes none: it replays the recorded graph, so its backward cost shows in time, not NFE.
- ``steps_accepted`` / ``steps_rejected``: torchdiffeq does not expose them, so for adaptive Runge-Kutta methods they
  are reconstructed from the times of the forward evaluations (a rejected step is retried from the same start time).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class SolveStats:
    """Counters of one call or of many calls (cumulative); all start at zero. Mutable: see :meth:`reset`."""

    nfe_forward: int = 0
    nfe_backward: int = 0
    steps_accepted: int = 0
    steps_rejected: int = 0
    n_forward: int = 0  # forward passes (solves)
    n_backward: int = 0  # backward passes that evaluated the vector field

    def reset(self) -> None:
        """Set every counter back to zero."""
        for name in self.__dataclass_fields__:
            setattr(self, name, 0)

    def add(self, other: SolveStats) -> None:
        """Add ``other``'s counters to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return asdict(self)


class StatsMixin:
    """Gives a block cumulative statistics ``stats`` and those of the latest call, ``last``."""

    stats: SolveStats
    last: SolveStats

    def _init_stats(self) -> None:
        self.stats, self.last = SolveStats(), SolveStats()

    def reset_stats(self) -> None:
        """Zero both the cumulative and the per-call statistics."""
        self.stats.reset()
        self.last.reset()

    def _record_fixed(self, nfe: int, steps: int) -> None:
        """Record one forward pass of a fixed-step block."""
        self.last = SolveStats(nfe_forward=nfe, steps_accepted=steps, n_forward=1)
        self.stats.add(self.last)
