"""GNvpro training of a discretize-then-optimize surrogate: variable projection + trust-region Gauss-Newton-Krylov.

The paper's second optimizer (Table 2; Newman et al., SIMODS 2021; Meganet ``trnewton``). Full batch: every
evaluation uses all training samples; there are no epochs. The decoder is the ridge solution at every evaluation
(:class:`~ctdnn_bench.optim.varpro.VarProObjective`), theta (encoder and dynamics coefficients) is optimized by
:class:`~ctdnn_bench.optim.trust_region.TrustRegion` until the work-unit budget is spent.

History: one row per outer iteration, plus row 0 for the starting point. ``train_loss`` and ``train_rel_err`` come
free with every iteration (the data part of the residual is ``pred - y`` on the training set), ``val_rel_err``
costs a forward pass of the validation set and is evaluated every ``eval_every`` iterations, at row 0 and at the
last row; in between it is NaN. NFE: the forward passes of the training (objective, trial and Jacobian-vector
products, each a full-batch pass through the ``n_steps`` layers); backward NFE stay 0, as for every
discretize-then-optimize run (backpropagation replays the graph, see :mod:`ctdnn_bench.stats`): the cost of the
reverse sweeps shows in the work units and the time.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ctdnn_bench.errors import ConfigError, ShapeError, SolverError
from ctdnn_bench.models import build_model, parameter_counts
from ctdnn_bench.optim.trust_region import TrustRegion, TrustRegionOptions, TrustRegionStep
from ctdnn_bench.optim.varpro import VarProObjective
from ctdnn_bench.training.config import RunConfig
from ctdnn_bench.training.loop import Progress, Tracker, finish
from ctdnn_bench.training.metrics import relative_errors
from ctdnn_bench.training.surrogate import data_splits, evaluate

#: GNvpro's history columns besides :data:`~ctdnn_bench.training.loop.HISTORY_KEYS` (``grad_norm`` there is the
#: gradient norm of the reduced objective at the iterate after the iteration).
GNVPRO_HISTORY_KEYS = (
    "objective",
    "radius",
    "rho",
    "accepted",
    "action",
    "gmres_iters",
    "gmres_residual",
    "work_units",
)
#: Architectures GNvpro trains: the fixed-grid (discretize-then-optimize) blocks of Table 2.
GNVPRO_ARCHITECTURES = ("resnet", "hamiltonian")
#: Failures of a forward pass at a trial point that end the run as diverged rather than as a bug.
_BREAKDOWNS = (SolverError, ShapeError, torch.linalg.LinAlgError)


def train_gnvpro(cfg: RunConfig, data: Any, progress: Progress | None = None) -> dict[str, Any]:
    """Train ``cfg.model`` on ``data`` (a :class:`~ctdnn_bench.data.SurrogateDataset`) with GNvpro.

    Returns the same result as :func:`~ctdnn_bench.training.surrogate.train_surrogate` (``status``, ``reason``,
    ``diverged_at``, ``history``, ``final`` with per-split metrics and parameter counts, ``history_unit``
    ``iteration``); the history has the extra columns :data:`GNVPRO_HISTORY_KEYS` and ``final`` adds
    ``work_units``, ``iterations``, ``accepted_steps`` and ``optimizer_stop`` (why the loop ended).

    Raises:
        ConfigError: the architecture is not one of :data:`GNVPRO_ARCHITECTURES`, or the optimizer is not gnvpro.
    """
    tc = cfg.train
    if tc.optimizer != "gnvpro":
        raise ConfigError(f"train_gnvpro needs optimizer 'gnvpro', got {tc.optimizer!r}")
    if cfg.model.architecture not in GNVPRO_ARCHITECTURES:
        raise ConfigError(
            f"gnvpro trains the discretize-then-optimize surrogates ({', '.join(GNVPRO_ARCHITECTURES)}), not "
            f"architecture {cfg.model.architecture!r}; use optimizer 'adam' for neural ODEs and the spiral task"
        )
    dtype, device = getattr(torch, cfg.dtype), torch.device(cfg.device)
    splits = data_splits(data, dtype, device)
    x_tr, y_tr = splits["train"]
    model = build_model(cfg.model, data.n_in, data.n_out, seed=cfg.seed_init, device=device, dtype=dtype)
    problem = VarProObjective(model, x_tr, y_tr, alpha1=tc.alpha1, alpha2=tc.alpha2)
    tracker = Tracker("iteration", model.stats, extra=GNVPRO_HISTORY_KEYS)
    options = TrustRegionOptions(max_work_units=tc.budget)
    solver: TrustRegion | None = None
    val_cache: dict[str, Any] = {"theta": None, "value": math.nan}

    # the reduced gradient is taken with respect to theta only; no function-space norm is recorded (NaN)
    def start() -> tuple[float, float, float]:
        nonlocal solver
        solver = TrustRegion(problem.residual, problem.theta(), options)
        return solver.objective, solver.grad_norm, math.nan

    def metrics(step: TrustRegionStep, evaluate_val: bool) -> dict[str, float]:
        assert solver is not None
        pred = y_tr + problem.data_residual(solver.lin.residual)
        out = {
            "train_loss": 0.5 * float((pred - y_tr).square().sum(dim=1).mean()),
            "train_rel_err": float(relative_errors(pred, y_tr).mean()),
            "val_rel_err": math.nan,
        }
        if evaluate_val and solver.status != "diverged":
            if val_cache["theta"] is None or not torch.equal(val_cache["theta"], solver.theta):
                problem.load(solver.theta)
                val_cache.update(theta=solver.theta, value=evaluate(model, *splits["val"], tc.loss)["rel_err"])
            out["val_rel_err"] = val_cache["value"]
        return out

    def record(step: TrustRegionStep) -> None:
        assert solver is not None
        last = solver.status != "running"
        due = step.iteration % tc.eval_every == 0 or last
        extra = {
            "objective": step.objective,
            "radius": step.radius,
            "rho": step.rho,
            "accepted": step.accepted,
            "action": step.action,
            "gmres_iters": step.gmres_iterations,
            "gmres_residual": step.gmres_residual,
            "work_units": step.work_units,
        }
        tracker.row(step.iteration, lambda: metrics(step, due), **extra)
        if progress:
            progress(min(step.work_units, options.max_work_units), options.max_work_units)

    failure: tuple[str, int] | None = None
    try:
        tracker.timed_step(start)
        assert solver is not None
        record(solver.initial_step())
        while solver.status == "running":
            box: list[TrustRegionStep] = []

            def advance(box: list[TrustRegionStep] = box) -> tuple[float, float, float]:
                assert solver is not None
                box.append(solver.step())
                return box[0].objective, box[0].grad_norm, math.nan

            tracker.timed_step(advance)
            record(box[0])
    except _BREAKDOWNS as exc:
        failure = (f"breakdown: {exc}", solver.iteration if solver else 0)
    if solver is not None and solver.status == "diverged" and failure is None:
        failure = (solver.reason, solver.iteration)
    final: dict[str, Any] = {
        "iterations": solver.iteration if solver else 0,
        "work_units": solver.work_units if solver else 0,
        "accepted_steps": int(sum(tracker.history["accepted"])),
        "optimizer_stop": f"{solver.status}: {solver.reason}" if solver else "not started",
        **parameter_counts(model),
    }

    def final_metrics() -> dict[str, float]:
        assert solver is not None
        problem.load(solver.theta)  # the final decoder is the ridge solution at the final theta
        return {
            f"{split}_{k}": v for split, (x, y) in splits.items() for k, v in evaluate(model, x, y, tc.loss).items()
        }

    return finish(tracker, failure, final, final_metrics)
