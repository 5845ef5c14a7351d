"""What both training loops share: the optimizer, one guarded optimizer step, and the history tracker."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from ctdnn_bench.errors import SolverError
from ctdnn_bench.stats import SolveStats
from ctdnn_bench.training.adam_meganet import MeganetAdam
from ctdnn_bench.training.config import TrainConfig

Progress = Callable[[int, int], None]  # (done, total)

#: History columns besides the step column (``epoch`` or ``iteration``). NFE and time are summed over the training
#: steps since the previous row (evaluation passes excluded); ``cum_*`` over all training so far.
HISTORY_KEYS = (
    "train_loss",
    "train_rel_err",
    "val_rel_err",
    "nfe_forward",
    "nfe_backward",
    "cum_nfe_forward",
    "cum_nfe_backward",
    "train_time",
    "grad_norm",
    "grad_norm_max",
    "grad_norm_fs",
    "grad_norm_fs_max",
)
#: ``grad_norm*``: norm of the gradient with respect to the trained coefficients (basis-dependent scale);
#: ``grad_norm_fs*``: with respect to the weights the network uses (encoder, decoder and the step weights
#: ``K(t_k), b(t_k)``), the same for the same function in any basis; NaN where the block has no fixed grid.


class Diverged(Exception):
    """Raised inside a training loop when the run cannot go on (non-finite loss or gradient)."""


def make_optimizer(cfg: TrainConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    """Adam or Meganet's ADAM (betas 0.9/0.999, eps 1e-8), or RMSprop, with the configured learning rate."""
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr)
    if cfg.optimizer == "adam_meganet":
        return MeganetAdam(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8)
    return torch.optim.Adam(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8)


def function_space_grad_norm(model: nn.Module) -> float:
    """``sqrt(||g_encoder||^2 + ||g_decoder||^2 + ||g_K(t_k), b(t_k)||^2)`` after a backward pass of a surrogate
    model with a fixed-grid block (see ``AbstractFixedGridBlock.grid_weights``); NaN for other models."""
    dynamics = getattr(model, "dynamics", None)
    grid_sq = getattr(dynamics, "grid_grad_sq", None)
    if grid_sq is None:
        return math.nan
    parts = [getattr(model, name) for name in ("encoder", "decoder")]
    outer = [p.grad for m in parts for p in m.parameters() if p.grad is not None]
    return math.sqrt(float(grid_sq) + sum(float(g.pow(2).sum()) for g in outer))


def make_scheduler(cfg: TrainConfig, opt: torch.optim.Optimizer) -> torch.optim.lr_scheduler.StepLR | None:
    """torch's ``StepLR(lr_step, lr_decay)``, stepped once per optimizer step, or None if ``lr_step`` is 0."""
    if not cfg.lr_step:
        return None
    return torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.lr_step, gamma=cfg.lr_decay)


def optimizer_step(
    opt: torch.optim.Optimizer,
    params: list[nn.Parameter],
    loss_fn: Callable[[], Tensor],
    clip: float | None,
    model: nn.Module | None = None,
) -> tuple[float, float, float]:
    """One step on ``loss_fn()``. Raises Diverged on a non-finite loss or gradient.

    Returns:
        The loss, the coefficient gradient norm before clipping, and the function-space gradient norm of ``model``
        (:func:`function_space_grad_norm`; NaN without a model).
    """
    opt.zero_grad(set_to_none=True)
    dynamics = getattr(model, "dynamics", None)
    if dynamics is not None and hasattr(dynamics, "grid_grad_sq"):
        dynamics.grid_grad_sq = None
    loss = loss_fn()
    value = float(loss.detach())
    if not math.isfinite(value):
        raise Diverged(f"non-finite training loss ({value})")
    loss.backward()
    norm_fs = math.nan if model is None else function_space_grad_norm(model)
    norm = float(torch.nn.utils.clip_grad_norm_(params, math.inf if clip is None else clip))
    if not math.isfinite(norm):
        raise Diverged(f"non-finite gradient norm ({norm})")
    opt.step()
    return value, norm, norm_fs


class Tracker:
    """Accumulates loss, gradient norm, time and NFE over training steps and appends one history row per evaluation.

    Args:
        unit: the step column, ``epoch`` or ``iteration``.
        stats: the model's cumulative solver statistics (read, never modified).
        extra: further columns, whose values each :meth:`row` call passes as keywords (GNvpro's radius, ...).
    """

    def __init__(self, unit: str, stats: SolveStats, extra: tuple[str, ...] = ()) -> None:
        self.unit, self.stats = unit, stats
        self.history: dict[str, list[Any]] = {k: [] for k in (unit, *HISTORY_KEYS, *extra)}
        self.cum_forward = self.cum_backward = 0
        self._losses: list[float] = []
        self._norms: list[float] = []
        self._norms_fs: list[float] = []
        self._elapsed = 0.0
        self.exclude()

    def exclude(self) -> None:
        """Start counting NFE afresh from here (call after evaluation passes, which are not training)."""
        self._f0, self._b0 = self.stats.nfe_forward, self.stats.nfe_backward

    def timed_step(self, step: Callable[[], tuple[float, float, float]]) -> None:
        """Run ``step`` (returning loss, coefficient and function-space gradient norms) and record it."""
        start = time.perf_counter()
        loss, norm, norm_fs = step()
        self.record_step(loss, norm, norm_fs, time.perf_counter() - start)

    def record_step(self, loss: float, norm: float, norm_fs: float, elapsed: float) -> None:
        """Record one training step measured elsewhere (the ensemble trainer apportions a group step's time)."""
        self._elapsed += elapsed
        self._losses.append(loss)
        self._norms.append(norm)
        self._norms_fs.append(norm_fs)

    def mean_loss(self) -> float:
        """Mean minibatch loss since the previous row."""
        return sum(self._losses) / max(len(self._losses), 1)

    def row(self, at: int, metrics: Callable[[], dict[str, float]], **extra: Any) -> None:
        """Append the row for step ``at`` and reset the accumulators.

        ``metrics()`` evaluates the model and returns ``train_loss``, ``train_rel_err`` and ``val_rel_err``; the
        function evaluations it makes are not counted as training NFE. ``extra`` gives the extra columns.
        """
        df, db = self.stats.nfe_forward - self._f0, self.stats.nfe_backward - self._b0
        self.cum_forward += df
        self.cum_backward += db
        values = {
            self.unit: at,
            **metrics(),
            "nfe_forward": df,
            "nfe_backward": db,
            "cum_nfe_forward": self.cum_forward,
            "cum_nfe_backward": self.cum_backward,
            "train_time": self._elapsed,
            "grad_norm": sum(self._norms) / max(len(self._norms), 1),
            "grad_norm_max": max(self._norms, default=0.0),
            "grad_norm_fs": sum(self._norms_fs) / max(len(self._norms_fs), 1),
            "grad_norm_fs_max": max(self._norms_fs, default=0.0),
            **extra,
        }
        self.exclude()
        for k in self.history:
            self.history[k].append(values[k])
        self._losses, self._norms, self._norms_fs, self._elapsed = [], [], [], 0.0

    def totals(self) -> dict[str, Any]:
        """Training totals for the ``final`` part of a record."""
        return {
            "nfe_forward_train": self.cum_forward,
            "nfe_backward_train": self.cum_backward,
            "train_time": float(sum(self.history["train_time"])),
        }


def finish(
    tracker: Tracker,
    failure: tuple[str, int] | None,
    final: dict[str, Any],
    final_metrics: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """The result of a training loop: status, history and ``final`` (plus ``final_metrics()`` if training went well).

    Args:
        tracker: the loop's history.
        failure: ``(reason, step)`` if training diverged, else None.
        final: totals and parameter counts.
        final_metrics: evaluates the trained model on every split; a solver failure there also counts as divergence.
    """
    reason, step = failure if failure else (None, None)
    if failure is None:
        try:
            final.update(final_metrics())
        except SolverError as exc:
            reason = f"evaluation failed: {exc}"
    return {
        "status": "ok" if reason is None else "diverged",
        "reason": reason,
        "diverged_at": step,
        "history": tracker.history,
        "final": {**tracker.totals(), **final},
        "history_unit": tracker.unit,
    }
