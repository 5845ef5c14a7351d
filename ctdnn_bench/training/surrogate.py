"""Training loop of a surrogate model (encoder -> dynamics -> decoder) on a parameter-to-output data set."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import torch
from torch import Tensor

from ctdnn_bench.dynamics import NeuralODEBlock
from ctdnn_bench.errors import SolverError
from ctdnn_bench.models import SurrogateModel, build_model, parameter_counts
from ctdnn_bench.training.adam_meganet import set_epoch
from ctdnn_bench.training.checkpoint import BestCheckpoint
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.training.loop import (
    Diverged,
    Progress,
    Tracker,
    finish,
    make_optimizer,
    make_scheduler,
    optimizer_step,
)
from ctdnn_bench.training.metrics import loss_value, relative_errors
from ctdnn_bench.training.probe import adjoint_norm_probe
from ctdnn_bench.training.time_scaling import ScaledAdam, l2_time_penalty, parameter_lr_scales


def ridge_warm_start(model: SurrogateModel, x: Tensor, y: Tensor, alpha: float) -> None:
    """Set the decoder to ``argmin_W 0.5/n ||[u(T); 1] W - C||^2 + alpha/2 ||W||^2`` at the current features."""
    with torch.no_grad():
        feats = model.features(x)
        y1 = torch.cat([feats, torch.ones_like(feats[:, :1])], dim=1)
        n = y1.shape[0]
        lhs = y1.T @ y1 / n + alpha * torch.eye(y1.shape[1], dtype=y1.dtype, device=y1.device)
        w = torch.linalg.solve(lhs, y1.T @ y / n)  # (width + 1, n_out)
        model.decoder.weight.copy_(w[:-1].T)
        model.decoder.bias.copy_(w[-1])


def regularization(model: SurrogateModel, cfg: TrainConfig) -> Tensor | float:
    """``(alpha1 / 2) ||theta||^2 + (alpha2 / 2) ||W||^2`` (theta: encoder and dynamics; W: decoder); with
    ``regularizer="l2_time"`` the dynamics part is ``int_0^T ||theta(t)||^2 dt`` (see
    :mod:`~ctdnn_bench.training.time_scaling`)."""
    reg: Tensor | float = 0.0
    if cfg.alpha1 and cfg.regularizer == "l2_time":
        enc = sum(p.pow(2).sum() for p in model.encoder.parameters())
        reg = reg + 0.5 * cfg.alpha1 * (enc + l2_time_penalty(model.dynamics))
    elif cfg.alpha1:
        theta = [*model.encoder.parameters(), *model.dynamics.parameters()]
        reg = reg + 0.5 * cfg.alpha1 * sum(p.pow(2).sum() for p in theta)
    if cfg.alpha2:
        reg = reg + 0.5 * cfg.alpha2 * sum(p.pow(2).sum() for p in model.decoder.parameters())
    return reg


def data_splits(data: Any, dtype: torch.dtype, device: torch.device) -> dict[str, tuple[Tensor, Tensor]]:
    """The ``train``/``val``/``test`` inputs and targets of a surrogate data set as tensors ``(n, n_in)``,
    ``(n, n_out)`` of ``dtype`` on ``device``."""

    def as_t(a: Any) -> Tensor:
        return torch.as_tensor(a, dtype=dtype, device=device)

    return {s: (as_t(getattr(data, f"x_{s}")), as_t(getattr(data, f"y_{s}"))) for s in ("train", "val", "test")}


def evaluate(model: SurrogateModel, x: Tensor, y: Tensor, loss: str, chunk: int = 2048) -> dict[str, float]:
    """Loss and relative errors on one split (no gradients), and the forward NFE that took.

    The model sees chunks of ``chunk`` rows (an adaptive solver's steps depend on the batch, so this is part of the
    measurement); the metrics are accumulated over blocks of 256 rows: on DCR's test split (9400 x 882) whole-split
    temporaries cost more in memory traffic than the arithmetic.
    """
    before = model.stats.nfe_forward
    loss_sum = err_sq = target_sq = 0.0
    rel = []
    with torch.no_grad():
        for xc, yc in zip(x.split(chunk), y.split(chunk), strict=True):
            for pb, yb in zip(model(xc).split(256), yc.split(256), strict=True):
                loss_sum += float(loss_value(pb, yb, loss)) * len(yb)
                rel.append(relative_errors(pb, yb))
                err_sq += float(torch.sum(torch.square(pb - yb)))
                target_sq += float(torch.sum(torch.square(yb)))
    errors = torch.cat(rel)
    return {
        "loss": loss_sum / len(y),
        "rel_err": float(errors.mean()),
        "rel_err_std": float(errors.std()) if errors.numel() > 1 else 0.0,
        "rel_err_max": float(errors.max()),
        "rel_err_global": math.sqrt(err_sq / target_sq) if target_sq > 0 else math.nan,
        "nfe_forward": model.stats.nfe_forward - before,
    }


def train_surrogate(cfg: RunConfig, data: Any, progress: Progress | None = None) -> dict[str, Any]:
    """Train ``cfg.model`` on ``data`` (a :class:`~ctdnn_bench.data.SurrogateDataset`) and return the run's result.

    Returns a dict with ``status`` (``ok`` or ``diverged``), ``reason``, ``diverged_at``, ``history`` (lists per
    evaluation: epoch, train_loss, train_rel_err, val_rel_err, nfe_forward/backward and their cumulative sums over
    training, train_time, grad_norm, grad_norm_max), ``final`` metrics per split and parameter counts, ``best_at``
    (the evaluation step with the best validation error), ``restored_best`` (whether ``final`` describes that
    checkpoint) and, for adjoint neural ODEs, the :func:`~ctdnn_bench.training.probe.adjoint_norm_probe` counts.
    """
    tc = cfg.train
    dtype, device = getattr(torch, cfg.dtype), torch.device(cfg.device)
    splits = data_splits(data, dtype, device)
    x_tr, y_tr = splits["train"]
    model = build_model(cfg.model, data.n_in, data.n_out, seed=cfg.seed_init, device=device, dtype=dtype)
    if tc.decoder_warm_start:
        ridge_warm_start(model, x_tr, y_tr, tc.alpha2)
    params = [p for p in model.parameters() if p.requires_grad]
    if tc.lr_scaling == "none":
        opt = make_optimizer(tc, params)
    else:  # per-coefficient learning rates (unit_time); TrainConfig allows it with Adam only
        opt = ScaledAdam(params, parameter_lr_scales(model, params), lr=tc.lr)
    scheduler = make_scheduler(tc, opt)
    best = BestCheckpoint(model, patience=tc.patience, keep=tc.restore_best)
    gen = torch.Generator().manual_seed(cfg.seed_batch)
    # iteration-capped training (the revised neural-ODE protocol) evaluates every eval_every iterations
    by_iteration = tc.iterations > 0
    tracker = Tracker("iteration" if by_iteration else "epoch", model.stats)
    failure: tuple[str, int] | None = None
    iterations, stopped_early, epoch = 0, False, 0

    def metrics() -> dict[str, float]:
        tr, va = evaluate(model, x_tr, y_tr, tc.loss), evaluate(model, *splits["val"], tc.loss)
        if not math.isfinite(tr["loss"]):
            raise Diverged(f"non-finite full training loss ({tr['loss']})")
        return {"train_loss": tr["loss"], "train_rel_err": tr["rel_err"], "val_rel_err": va["rel_err"]}

    def batch_step(idx: Tensor) -> tuple[float, float, float]:
        xb, yb = x_tr[idx], y_tr[idx]
        return optimizer_step(
            opt, params, lambda: loss_value(model(xb), yb, tc.loss) + regularization(model, tc), tc.grad_clip, model
        )

    def evaluate_now(at: int, last: bool) -> bool:
        """Append a history row if ``at`` is due; True if training should stop early (loss tolerance, patience)."""
        if at % tc.eval_every == 0 or last or at == 1:
            tracker.row(at, metrics)
            out_of_patience = best.update(at, tracker.history["val_rel_err"][-1])
            return out_of_patience or (tc.loss_tol is not None and tracker.history["train_loss"][-1] < tc.loss_tol)
        return False

    try:
        for epoch in range(1, tc.epochs + 1):
            set_epoch(opt, epoch)  # Meganet's ADAM corrects its bias by the epoch index
            batches = torch.randperm(x_tr.shape[0], generator=gen).split(tc.batch_size)
            for b, idx in enumerate(batches):
                tracker.timed_step(partial(batch_step, idx.to(device)))
                if scheduler is not None:
                    scheduler.step()
                iterations += 1
                # the last iteration is the cap, or the last batch of the last epoch if that comes first
                final_step = iterations == tc.iterations or (epoch == tc.epochs and b == len(batches) - 1)
                if by_iteration and evaluate_now(iterations, final_step):
                    stopped_early = True
                if iterations == tc.iterations or stopped_early:
                    break
            last = epoch == tc.epochs or iterations == tc.iterations
            if not by_iteration and evaluate_now(epoch, last):
                stopped_early = True
            if progress:
                progress(iterations if by_iteration else epoch, tc.iterations if by_iteration else tc.epochs)
            if last or stopped_early:
                break
    except (Diverged, SolverError) as exc:
        failure = (str(exc), iterations if by_iteration else epoch)
    final = {
        "epochs_run": epoch,
        "iterations": iterations,
        "stopped_early": stopped_early,
        "best_at": best.best_at,
        **parameter_counts(model),
    }

    def final_metrics() -> dict[str, Any]:
        # the revised neural-ODE protocol reports the checkpoint of the best validation error
        out: dict[str, Any] = {"restored_best": tc.restore_best and best.restore()}
        out.update(
            {f"{split}_{k}": v for split, (x, y) in splits.items() for k, v in evaluate(model, x, y, tc.loss).items()}
        )
        if isinstance(model.dynamics, NeuralODEBlock):
            xb, yb = x_tr[: tc.batch_size], y_tr[: tc.batch_size]  # a fixed batch: the first rows of the split
            out.update(adjoint_norm_probe(model.dynamics, model, lambda: loss_value(model(xb), yb, tc.loss)))
        return out

    return finish(tracker, failure, final, final_metrics)
