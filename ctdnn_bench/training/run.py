"""One run, end to end: config -> data -> training -> record written to the store. Safe to call in a worker."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from pathlib import Path
from typing import Any

from ctdnn_bench.data.identity import data_identity
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
    """Train ``cfg`` on ``data`` (dispatching on the data set) and return the result part of a record."""
    from ctdnn_bench.training.spiral import train_spiral
    from ctdnn_bench.training.surrogate import train_surrogate

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
    """Run one config and write its record, unless a reusable record with its key exists. Returns a short summary.

    A record is reusable if it was trained on the data the run would use now (see
    :meth:`~ctdnn_bench.store.ResultsStore.reuse_status`); a stale one is replaced once the new one is written. The
    run is claimed for its duration, so that concurrent sweeps on one results directory compute it once
    (``status: claimed`` when another process holds it). Runs that diverge are recorded as such; any other exception
    is reported in the summary (``status: error``, with the traceback) and nothing is written, so that a later sweep
    retries the run.
    """
    import torch

    # one thread everywhere (train, run, pools, Dask): reductions, hence results, depend on the thread count
    torch.set_num_threads(threads)
    cfg = RunConfig.from_dict(cfg_dict)
    store, key = ResultsStore(results_dir), cfg.key()
    try:
        identity = data_identity(cfg.dataset, data_dir)
    except Exception as exc:
        return _error_summary(key, cfg.label, exc)
    status, reason = store.reuse_status(key, identity)
    if status == "reusable":
        return {"key": key, "label": cfg.label, "status": "skipped"}
    if status == "refused":
        return {"key": key, "label": cfg.label, "status": "error", "reason": reason, "traceback": reason}
    with store.claimed(key) as mine:
        if not mine:
            return {"key": key, "label": cfg.label, "status": "claimed"}
        if store.reusable(key, identity):  # finished by another process between our look and our claim
            return {"key": key, "label": cfg.label, "status": "skipped"}
        return _train_and_record(cfg, store, identity, data_dir, experiments, profile, progress)


def _error_summary(key: str, label: str, exc: BaseException) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "status": "error",
        "reason": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(),
    }


def _train_and_record(
    cfg: RunConfig,
    store: ResultsStore,
    identity: dict[str, Any],
    data_dir: str | None,
    experiments: tuple[str, ...],
    profile: str,
    progress: Progress | None,
) -> dict[str, Any]:
    """Train ``cfg`` and write (or replace) its record; see :func:`execute`."""
    key = cfg.key()
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    try:
        cfg.check_device()
        data = load_data(cfg.dataset, data_dir, cfg.seed_split)
        result = train(cfg, data, progress)
    except Exception as exc:  # a bug or bad input, not a divergence: report, write nothing
        return _error_summary(key, cfg.label, exc)
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
        "data_identity": identity,
        "environment": environment(),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_time": time.perf_counter() - t0,
    }
    store.write(record, replace=True)  # a stale record stays readable until this rename replaces it
    final = result["final"]
    return {
        "key": key,
        "label": cfg.label,
        "status": result["status"],
        "test_rel_err": final.get("test_rel_err"),
        "wall_time": record["wall_time"],
    }
