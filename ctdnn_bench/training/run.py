"""One run, end to end: config -> data -> training -> record written to the store. Safe to call in a worker."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from pathlib import Path
from typing import Any

from ctdnn_bench.environment import environment
from ctdnn_bench.store import SCHEMA, ResultsStore
from ctdnn_bench.training.baseline import linear_baseline
from ctdnn_bench.training.config import RunConfig
from ctdnn_bench.training.loop import Progress


def load_data(dataset: str, data_dir: str | Path | None, seed_split: int) -> Any:
    """The data set a run needs: the spiral trajectory or a :class:`~ctdnn_bench.data.SurrogateDataset`."""
    from ctdnn_bench.data import load_dataset, load_spiral

    if dataset == "spiral":
        return load_spiral()
    return load_dataset(dataset, data_dir=data_dir, seed=seed_split)


def stalled(history: dict[str, list[float]], ratio: float) -> bool:
    """True if the last recorded training loss is above ``ratio`` x the first (training barely moved)."""
    losses = history.get("train_loss", [])
    return len(losses) >= 2 and losses[-1] > ratio * losses[0]


def train(cfg: RunConfig, data: Any, progress: Progress | None = None) -> dict[str, Any]:
    """Train ``cfg`` on ``data`` (dispatching on the optimizer and the data set) and return the result part of a
    record."""
    from ctdnn_bench.training.gnvpro import train_gnvpro
    from ctdnn_bench.training.spiral import train_spiral
    from ctdnn_bench.training.surrogate import train_surrogate

    if cfg.train.optimizer == "gnvpro":
        return train_gnvpro(cfg, data, progress)  # refuses the spiral task and neural ODEs (node architecture)
    fn = train_spiral if cfg.dataset == "spiral" else train_surrogate
    return fn(cfg, data, progress)


def record_for(
    cfg: RunConfig,
    result: dict[str, Any],
    data: Any,
    *,
    experiments: tuple[str, ...],
    profile: str,
    started: dt.datetime,
    wall_time: float,
) -> dict[str, Any]:
    """The stored record of one run: its config, training result, data and environment."""
    is_stalled = stalled(result["history"], cfg.train.stall_ratio)
    return {
        "schema": SCHEMA,
        "key": cfg.key(),
        "experiments": list(experiments),
        "profile": profile,
        "label": cfg.label,
        "config": cfg.to_dict(),
        "basis_domain": str(cfg.model.make_basis().domain),
        **result,
        "stalled": is_stalled,
        "converged": result["status"] == "ok" and not is_stalled,
        "dataset": {
            "name": cfg.dataset,
            "standin": bool(getattr(data, "standin", False)),
            "provenance": str(getattr(data, "provenance", getattr(data, "description", ""))),
        },
        "baseline": None if cfg.dataset == "spiral" else linear_baseline(data),
        "environment": environment(),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_time": wall_time,
    }


def _summary(cfg: RunConfig, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": record["key"],
        "label": cfg.label,
        "status": record["status"],
        "test_rel_err": record["final"].get("test_rel_err"),
        "wall_time": record["wall_time"],
    }


def _error(cfg: RunConfig, exc: Exception) -> dict[str, Any]:
    """The summary of a run that failed for a reason other than divergence (nothing is written)."""
    return {
        "key": cfg.key(),
        "label": cfg.label,
        "status": "error",
        "reason": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(),
    }


def execute(
    cfg: RunConfig,
    results_dir: str,
    data_dir: str | None = None,
    experiments: tuple[str, ...] = (),
    profile: str = "",
    threads: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run one config and write its record, unless a record with its key exists. Returns a short summary.

    Runs that diverge are recorded as such; any other exception is reported in the summary (``status: error``,
    with the traceback) and nothing is written, so that a later sweep retries the run.
    """
    return execute_group([cfg], results_dir, data_dir, experiments, profile, threads, progress)[0]


def execute_group(
    cfgs: list[RunConfig],
    results_dir: str,
    data_dir: str | None = None,
    experiments: tuple[str, ...] = (),
    profile: str = "",
    threads: int = 1,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run configs of one :func:`~ctdnn_bench.training.ensemble.group_signature` stacked (or one config alone),
    writing one record per run; runs whose record exists are skipped. Returns one summary per config.

    Each member's record is written as soon as the group finishes; the group's wall time is shared equally.
    """
    import torch

    from ctdnn_bench.training.ensemble import train_ensemble

    torch.set_num_threads(threads)  # reproducible numbers, and no oversubscription in a pool
    store = ResultsStore(results_dir)
    todo = [c for c in cfgs if not store.has(c.key())]
    summaries = {c.key(): {"key": c.key(), "label": c.label, "status": "skipped"} for c in cfgs if c not in todo}
    if todo:
        started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
        try:
            for c in todo:
                c.check_device()
            data = load_data(todo[0].dataset, data_dir, todo[0].seed_split)
            results = train_ensemble(todo, data, progress) if len(todo) > 1 else [train(todo[0], data, progress)]
        except Exception as exc:  # a bug or bad input, not a divergence: report, write nothing
            return [summaries.get(c.key()) or _error(c, exc) for c in cfgs]
        wall = (time.perf_counter() - t0) / len(todo)
        for c, result in zip(todo, results, strict=True):
            record = record_for(
                c, result, data, experiments=experiments, profile=profile, started=started, wall_time=wall
            )
            store.write(record)
            summaries[c.key()] = _summary(c, record)
    return [summaries[c.key()] for c in cfgs]
