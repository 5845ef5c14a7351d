"""One run, end to end: config -> data -> training -> record written to the store. Safe to call in a worker."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from pathlib import Path
from typing import Any

from ctdnn_bench.environment import environment
from ctdnn_bench.store import SCHEMA, ResultsStore
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


def execute(
    cfg_dict: dict[str, Any],
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
    import torch

    torch.set_num_threads(threads)  # reproducible numbers, and no oversubscription in a pool
    cfg = RunConfig.from_dict(cfg_dict)
    store, key = ResultsStore(results_dir), cfg.key()
    if store.has(key):
        return {"key": key, "label": cfg.label, "status": "skipped"}
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    try:
        cfg.check_device()
        data = load_data(cfg.dataset, data_dir, cfg.seed_split)
        result = train(cfg, data, progress)
    except Exception as exc:  # a bug or bad input, not a divergence: report, write nothing
        return {
            "key": key,
            "label": cfg.label,
            "status": "error",
            "reason": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    is_stalled = stalled(result["history"], cfg.train.stall_ratio)
    record = {
        "schema": SCHEMA,
        "key": key,
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
        "environment": environment(),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_time": time.perf_counter() - t0,
    }
    store.write(record)
    final = result["final"]
    return {
        "key": key,
        "label": cfg.label,
        "status": result["status"],
        "test_rel_err": final.get("test_rel_err"),
        "wall_time": record["wall_time"],
    }
