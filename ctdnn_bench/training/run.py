"""One run, end to end: config -> data -> training -> record written to the store. Safe to call in a worker."""

from __future__ import annotations

import datetime as dt
import time
import traceback
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ctdnn_bench.data.identity import data_identity
from ctdnn_bench.environment import environment
from ctdnn_bench.record import RunRecord
from ctdnn_bench.store import ResultsStore
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
    """Train ``cfg`` on ``data`` (dispatching on the data set and optimizer) and return the result part of a record."""
    from ctdnn_bench.training.gnvpro import train_gnvpro
    from ctdnn_bench.training.spiral import train_spiral
    from ctdnn_bench.training.surrogate import train_surrogate

    if cfg.train.optimizer == "gnvpro":
        return train_gnvpro(cfg, data, progress)
    fn = train_spiral if cfg.trajectory else train_surrogate
    return fn(cfg, data, progress)


def execute(
    cfg: RunConfig,
    results_dir: str,
    data_dir: str | None = None,
    experiments: tuple[str, ...] = (),
    profile: str = "",
    threads: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run one config and write its record, unless a reusable record with its key exists. Returns a short summary
    (see :func:`execute_group`)."""
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
    """Run configs of one :func:`~ctdnn_bench.training.ensemble.group_signature` stacked (or one config alone) and
    write one record per run. Returns one summary per config, in order.

    A record is reusable if it was trained on the data the run would use now (see
    :meth:`~ctdnn_bench.store.ResultsStore.reuse_status`); a stale one is replaced once the new one is written. Each
    run is claimed for the group's duration, so that concurrent sweeps on one results directory compute it once
    (``status: claimed`` when another process holds it). Runs that diverge are recorded as such; any other exception
    is reported in the summary (``status: error``, with the traceback) and nothing is written, so that a later sweep
    retries the run.
    """
    import torch

    # one thread everywhere (train, run, pools, Dask): reductions, hence results, depend on the thread count
    torch.set_num_threads(threads)
    store = ResultsStore(results_dir)
    summaries: dict[str, dict[str, Any]] = {}
    try:
        identity = data_identity(cfgs[0].dataset, data_dir)
    except Exception as exc:
        return [_error_summary(c.key(), c.label, exc) for c in cfgs]
    todo = []
    for c in cfgs:
        status, reason = store.reuse_status(c.key(), identity)
        if status == "reusable":
            summaries[c.key()] = {"key": c.key(), "label": c.label, "status": "skipped"}
        elif status == "refused":
            summaries[c.key()] = {"key": c.key(), "label": c.label, "status": "error", "reason": reason}
        else:
            todo.append(c)
    with ExitStack() as claims:
        mine = []
        for c in todo:
            if not claims.enter_context(store.claimed(c.key())):
                summaries[c.key()] = {"key": c.key(), "label": c.label, "status": "claimed"}
            elif store.reusable(c.key(), identity):  # finished by another process between our look and our claim
                summaries[c.key()] = {"key": c.key(), "label": c.label, "status": "skipped"}
            else:
                mine.append(c)
        if mine:
            summaries.update(_train_and_record(mine, store, identity, data_dir, experiments, profile, progress))
    return [summaries[c.key()] for c in cfgs]


def _error_summary(key: str, label: str, exc: BaseException) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "status": "error",
        "reason": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(),
    }


def _train_and_record(
    cfgs: list[RunConfig],
    store: ResultsStore,
    identity: dict[str, Any],
    data_dir: str | None,
    experiments: tuple[str, ...],
    profile: str,
    progress: Progress | None,
) -> dict[str, dict[str, Any]]:
    """Train ``cfgs`` (stacked if more than one) and write (or replace) their records; summaries by key."""
    from ctdnn_bench.training.ensemble import train_ensemble

    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    try:
        for c in cfgs:
            c.check_device()
        data = load_data(cfgs[0].dataset, data_dir, cfgs[0].seed_split)
        results = train_ensemble(cfgs, data, progress) if len(cfgs) > 1 else [train(cfgs[0], data, progress)]
    except Exception as exc:  # a bug or bad input, not a divergence: report, write nothing
        return {c.key(): _error_summary(c.key(), c.label, exc) for c in cfgs}
    wall = (time.perf_counter() - t0) / len(cfgs)  # a group's wall time, shared equally
    baseline = None if cfgs[0].trajectory else linear_baseline(data)
    summaries = {}
    for cfg, result in zip(cfgs, results, strict=True):
        is_stalled = stalled(result["history"], cfg.train.stall_ratio)
        record = RunRecord(
            key=cfg.key(),
            experiments=tuple(experiments),
            profile=profile,
            label=cfg.label,
            config=cfg.to_dict(),
            basis_domain=str(cfg.model.make_basis().domain),
            **result,  # status, reason, diverged_at, history, final, history_unit (and group, if stacked)
            stalled=is_stalled,
            converged=result["status"] == "ok" and not is_stalled,
            dataset={
                "name": cfg.dataset,
                "standin": bool(getattr(data, "standin", False)),
                "provenance": str(getattr(data, "provenance", getattr(data, "description", ""))),
            },
            data_identity=identity,
            baseline=baseline,
            environment=environment(),
            started=started.isoformat(timespec="seconds"),
            finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            wall_time=wall,
        )
        store.write(record, replace=True)  # a stale record stays readable until this rename replaces it
        summaries[cfg.key()] = {
            "key": cfg.key(),
            "label": cfg.label,
            "status": result["status"],
            "test_rel_err": result["final"].get("test_rel_err"),
            "wall_time": wall,
        }
    return summaries
