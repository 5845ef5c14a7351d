"""The torchdiffeq methods the neural-ODE block supports, with their function-evaluation cost (by data)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ctdnn_bench.errors import lookup


@dataclass(frozen=True)
class Integrator:
    """A torchdiffeq method and its cost rule: ``nfe = initial_calls + calls_per_step * attempted_steps`` per solve.

    Adaptive Runge-Kutta methods reuse the last stage of an accepted step (first-same-as-last) and spend two calls
    before the first step (``f(t0, y0)`` and one in the initial step-size selection). Fixed-step methods take
    ``step_size`` steps. The last stage of every method here sits at the step's end, which is what lets
    :func:`reconstruct_steps` tell accepted from rejected steps.
    """

    name: str
    adaptive: bool
    order: int
    calls_per_step: int
    initial_calls: int


INTEGRATORS: dict[str, Integrator] = {
    "dopri5": Integrator("dopri5", adaptive=True, order=5, calls_per_step=6, initial_calls=2),
    "bosh3": Integrator("bosh3", adaptive=True, order=3, calls_per_step=3, initial_calls=2),
    "rk4": Integrator("rk4", adaptive=False, order=4, calls_per_step=4, initial_calls=0),
    "euler": Integrator("euler", adaptive=False, order=1, calls_per_step=1, initial_calls=0),
}


def get_integrator(name: str) -> Integrator:
    """``INTEGRATORS[name]``, or a ConfigError listing the choices."""
    return lookup(INTEGRATORS, "integrator", name)


def reconstruct_steps(integrator: Integrator, call_times: list[float]) -> tuple[int, int]:
    """``(accepted, rejected)`` steps of one solve from the times at which it evaluated ``f``.

    A step's last call is at its end time. After an accepted step the next one ends further along the direction
    of integration; after a rejected one it restarts from the same point with a smaller step and ends short of the
    rejected end. The final step is accepted.
    """
    calls = call_times[integrator.initial_calls :]
    ends = calls[integrator.calls_per_step - 1 :: integrator.calls_per_step]
    if not integrator.adaptive or len(ends) < 2:
        return len(ends), 0
    direction = 1.0 if ends[-1] >= call_times[0] else -1.0
    rejected = sum(1 for a, b in itertools.pairwise(ends) if direction * (b - a) <= 0)
    return len(ends) - rejected, rejected
