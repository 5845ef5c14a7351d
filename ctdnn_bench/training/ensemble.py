"""Train a group of discretize-then-optimize runs of one shape as one stacked model (the ensemble trainer).

Each member's result equals what :func:`~ctdnn_bench.training.surrogate.train_surrogate` gives for its config alone:
the same initial weights (built by ``build_model`` with its seed, then the same ridge warm start), its own minibatch
order (its own generator), Adam state, regularization, learning rate and clipping, its own early stop and its own
divergence (a non-finite loss or gradient freezes that member only), and the same history rows. Only time is shared:
each member is charged the group's step time divided by the number of members still training.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ctdnn_bench.dynamics import MODELS
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import SurrogateModel, build_model, parameter_counts
from ctdnn_bench.stats import SolveStats
from ctdnn_bench.training.config import RunConfig
from ctdnn_bench.training.loop import Diverged, Progress, Tracker, finish
from ctdnn_bench.training.stack import StackedAdam, StackedSurrogate
from ctdnn_bench.training.surrogate import data_splits, evaluate, ridge_warm_start

#: Optimizers the stacked trainer implements (others train one run at a time).
STACKABLE_OPTIMIZERS = ("adam",)
#: Rows per evaluation chunk are chosen so that one chunk of predictions holds about this many numbers.
EVAL_CHUNK_NUMBERS = 250_000


def group_signature(cfg: RunConfig) -> str | None:
    """What runs must share to train stacked (JSON text), or None if ``cfg`` trains alone.

    Shared: data set and split, dtype, device, architecture, width, steps, batch size, epochs, evaluation schedule,
    optimizer, loss and warm start. Free per member: seeds, basis family, degree and time domain, T, time grid,
    initialization, regularization weights and kind, learning rate and its scaling, clipping and ``loss_tol``.
    """
    m, t = cfg.model, cfg.train
    if cfg.trajectory or not hasattr(MODELS[m.architecture], "steps"):
        return None
    if t.optimizer not in STACKABLE_OPTIMIZERS or t.iterations or t.patience or t.restore_best or t.lr_step:
        return None  # the revised neural-ODE protocol's schedule, patience and checkpoint are single-run only
    shared = {
        "dataset": cfg.dataset,
        "seed_split": cfg.seed_split,
        "dtype": cfg.dtype,
        "device": cfg.device,
        "architecture": m.architecture,
        "width": m.width,
        "n_steps": m.n_steps,
        "batch_size": t.batch_size,
        "epochs": t.epochs,
        "eval_every": t.eval_every,
        "optimizer": t.optimizer,
        "loss": t.loss,
        "decoder_warm_start": t.decoder_warm_start,
    }
    return json.dumps(shared, sort_keys=True)


@dataclass
class _Member:
    """One run's bookkeeping inside the group."""

    cfg: RunConfig
    tracker: Tracker
    stats: SolveStats
    running: bool = True
    failure: tuple[str, int] | None = None
    stopped_early: bool = False
    epoch: int = 0
    iterations: int = 0
    best: float = math.inf
    best_at: int | None = None


def _per_member(cfgs: list[RunConfig], like: Tensor, get: Any) -> Tensor:
    return torch.tensor([get(c.train) for c in cfgs], dtype=like.dtype, device=like.device)


def _stacked_metrics(stack: StackedSurrogate, x: Tensor, y: Tensor, loss: str) -> tuple[Tensor, Tensor]:
    """Per-member loss ``(M,)`` and mean per-sample relative error ``(M,)`` on one split, in row chunks."""
    n, n_out = y.shape
    rows = max(1, EVAL_CHUNK_NUMBERS // max(stack.size * n_out, 1))
    total = torch.zeros(stack.size, dtype=y.dtype, device=y.device)
    rel: list[Tensor] = []
    with torch.no_grad():
        for xc, yc in zip(x.split(rows), y.split(rows), strict=True):
            diff = stack.forward(xc) - yc
            total += 0.5 * diff.pow(2).sum((-2, -1)) if loss == "half_mse" else diff.abs().sum((-2, -1))
            den = torch.linalg.vector_norm(yc, dim=-1)
            keep = den > 0  # samples with a zero target have no relative error (as relative_errors)
            rel.append(torch.linalg.vector_norm(diff, dim=-1)[:, keep] / den[keep])
    scale = n if loss == "half_mse" else n * n_out
    return total / scale, torch.cat(rel, dim=1).mean(dim=1)


def train_ensemble(cfgs: list[RunConfig], data: Any, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Train ``cfgs`` (one :func:`group_signature`) on ``data`` together; one result per config, in order.

    Each result has the shape of :func:`~ctdnn_bench.training.surrogate.train_surrogate`'s, plus ``group``:
    the group size and how time was apportioned.
    """
    signatures = {group_signature(c) for c in cfgs}
    if not cfgs or None in signatures or len(signatures) != 1:
        raise ConfigError("train_ensemble needs one or more configs with one stackable group signature")
    tc = cfgs[0].train
    dtype, device = getattr(torch, cfgs[0].dtype), torch.device(cfgs[0].device)
    splits = data_splits(data, dtype, device)
    x_tr, y_tr = splits["train"]
    models = [build_model(c.model, data.n_in, data.n_out, seed=c.seed_init, device=device, dtype=dtype) for c in cfgs]
    if tc.decoder_warm_start:
        for c, model in zip(cfgs, models, strict=True):
            ridge_warm_start(model, x_tr, y_tr, c.train.alpha2)
    stack = StackedSurrogate(models)
    like = stack.params["enc_w"]
    alpha1, alpha2 = (_per_member(cfgs, like, lambda t, a=a: getattr(t, a)) for a in ("alpha1", "alpha2"))
    clip = _per_member(cfgs, like, lambda t: math.inf if t.grad_clip is None else t.grad_clip)
    l2_time = torch.tensor([c.train.regularizer == "l2_time" for c in cfgs], device=device)
    # the unit_time treatment's factors; members without it keep 1 (their Gram/lr options are theirs alone)
    unscaled = torch.tensor([c.train.lr_scaling == "none" for c in cfgs], device=device)
    scales = {
        k: torch.where(unscaled.view(-1, *([1] * (s.dim() - 1))), torch.ones_like(s), s) if s.dim() else s
        for k, s in stack.lr_scales.items()
    }
    if bool(unscaled.all()):
        scales = {}  # no member scales its learning rates: Adam's in-place path applies
    adam = StackedAdam(stack.params, _per_member(cfgs, like, lambda t: t.lr), scales=scales)
    members = [_Member(c, Tracker("epoch", s), s) for c in cfgs for s in [SolveStats()]]
    gens = [torch.Generator().manual_seed(c.seed_batch) for c in cfgs]
    for epoch in range(1, tc.epochs + 1):
        if not any(m.running for m in members):
            break
        perms = torch.stack([torch.randperm(x_tr.shape[0], generator=g) for g in gens]).to(device)
        for idx in perms.split(tc.batch_size, dim=1):
            _group_step(stack, adam, members, x_tr[idx], y_tr[idx], (alpha1, alpha2, l2_time), clip, epoch)
        for m in members:
            if m.running:
                m.epoch = epoch
        if epoch % tc.eval_every == 0 or epoch == tc.epochs or epoch == 1:
            _evaluate_rows(stack, members, splits, epoch)
        if progress:
            progress(epoch, tc.epochs)
    return _finish_all(stack, models, members, splits)


def _group_step(
    stack: StackedSurrogate,
    adam: StackedAdam,
    members: list[_Member],
    xb: Tensor,
    yb: Tensor,
    reg: tuple[Tensor, Tensor, Tensor],
    clip: Tensor,
    epoch: int,
) -> None:
    """One minibatch step of every running member; freezes members whose loss or gradient is not finite."""
    start = time.perf_counter()
    for p in stack.params.values():
        p.grad = None
    running = torch.tensor([m.running for m in members], device=xb.device)
    kind = members[0].cfg.train.loss
    diff = stack.forward(xb) - yb
    data_loss = 0.5 * diff.pow(2).sum(-1).mean(-1) if kind == "half_mse" else diff.abs().mean((-2, -1))
    loss = data_loss + stack.regularization(*reg)
    finite_loss = torch.isfinite(loss.detach()) & running
    torch.where(finite_loss, loss, torch.zeros_like(loss)).sum().backward()
    norms, norms_fs = stack.grad_norms()
    stack.clip_(norms, clip)
    ok = finite_loss & torch.isfinite(norms)
    adam.step(ok)
    share = (time.perf_counter() - start) / max(int(running.sum()), 1)
    for m, lv, nv, fv, good in zip(members, loss.tolist(), norms.tolist(), norms_fs.tolist(), ok.tolist(), strict=True):
        if not m.running:
            continue
        m.stats.nfe_forward += stack.nfe_per_pass
        if good:
            m.tracker.record_step(lv, nv, fv, share)
            m.iterations += 1
        else:
            what = f"training loss ({lv})" if not math.isfinite(lv) else f"gradient norm ({nv})"
            m.running, m.failure, m.epoch = False, (f"non-finite {what}", epoch), epoch


def _evaluate_rows(
    stack: StackedSurrogate, members: list[_Member], splits: dict[str, tuple[Tensor, Tensor]], epoch: int
) -> None:
    """Append a history row to every running member (as ``train_surrogate``'s evaluation); early stop."""
    kind = members[0].cfg.train.loss
    tr_loss, tr_rel = _stacked_metrics(stack, *splits["train"], kind)
    _, va_rel = _stacked_metrics(stack, *splits["val"], kind)
    for i, m in enumerate(members):
        if not m.running:
            continue
        row = {"train_loss": float(tr_loss[i]), "train_rel_err": float(tr_rel[i]), "val_rel_err": float(va_rel[i])}

        def metrics(row: dict[str, float] = row) -> dict[str, float]:
            if not math.isfinite(row["train_loss"]):
                raise Diverged(f"non-finite full training loss ({row['train_loss']})")
            return row

        try:
            m.tracker.row(epoch, metrics)
        except Diverged as exc:
            m.running, m.failure = False, (str(exc), epoch)
            continue
        if row["val_rel_err"] < m.best:  # as BestCheckpoint: the evaluation with the best validation error
            m.best, m.best_at = row["val_rel_err"], epoch
        tol = m.cfg.train.loss_tol
        if tol is not None and row["train_loss"] < tol:
            m.running, m.stopped_early = False, True


def _finish_all(
    stack: StackedSurrogate,
    models: list[SurrogateModel],
    members: list[_Member],
    splits: dict[str, tuple[Tensor, Tensor]],
) -> list[dict[str, Any]]:
    """Each member's result: its parameters go back into its own model for the final evaluation."""
    stack.load_into(models)
    results = []
    for m, model in zip(members, models, strict=True):
        final = {
            "epochs_run": m.epoch,
            "iterations": m.iterations,
            "stopped_early": m.stopped_early,
            "best_at": m.best_at,
            **parameter_counts(model),
        }

        def final_metrics(model: SurrogateModel = model, kind: str = m.cfg.train.loss) -> dict[str, Any]:
            per_split = {
                f"{split}_{k}": v for split, (x, y) in splits.items() for k, v in evaluate(model, x, y, kind).items()
            }
            return {"restored_best": False, **per_split}

        result = finish(m.tracker, m.failure, final, final_metrics)
        result["group"] = {
            "size": stack.size,
            "time": "each step's wall time divided by the members still training in that step",
        }
        results.append(result)
    return results
