"""Execute a sweep of runs: in-process, on a local process pool, or on an existing Dask distributed cluster.

A run whose record exists is skipped, so an interrupted sweep resumes where it stopped. Records are written by
the workers themselves (atomically), so a finished run survives whatever happens to the sweep afterwards.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import closing
from pathlib import Path
from typing import Any

from ctdnn_bench.grouping import GROUP_SIZE, make_groups
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training.config import RunConfig
from ctdnn_bench.training.run import execute_group, load_data


def unique(configs: Iterable[RunConfig]) -> list[RunConfig]:
    """Configs without duplicates (same key), in their first order."""
    seen: dict[str, RunConfig] = {}
    for c in configs:
        seen.setdefault(c.key(), c)
    return list(seen.values())


def prepare_data(configs: Iterable[RunConfig], data_dir: str | Path | None) -> None:
    """Load every data set the sweep needs once, before any work starts: a missing or malformed file fails here,
    and downloads or stand-in generation happen once rather than in every worker."""
    for dataset, seed in sorted({(c.dataset, c.seed_split) for c in configs}):
        load_data(dataset, data_dir, seed)


def run_sweep(
    configs: Iterable[RunConfig],
    results_dir: str | Path = "results",
    *,
    data_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    experiments: tuple[str, ...] = (),
    profile: str = "",
    progress: bool = True,
    group_size: int = GROUP_SIZE,
) -> list[dict[str, Any]]:
    """Run every config that has no record yet; return one summary per config (``skipped`` for existing ones).

    Discretize-then-optimize runs of one shape train stacked in groups (:func:`~ctdnn_bench.grouping.make_groups`);
    a group is formed only from runs without a record, so an interrupted sweep resumes with what is missing.

    Args:
        configs: the runs.
        results_dir: the results store root.
        data_dir: where the data files are (else CTDNN_DATA_DIR, else download).
        workers: local processes (default: the number of CPUs; 1 runs in this process).
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``) or a ``distributed.Client``;
            when given, runs go there instead of the local pool.
        experiments, profile: tags stored in the records.
        progress: show a progress bar.
        group_size: the most runs trained as one stacked model (1: every run alone).
    """
    from tqdm.auto import tqdm

    store = ResultsStore(results_dir)
    store.check_writable()
    todo = unique(configs)
    prepare_data(todo, data_dir)
    finished = {c.key(): store.has(c.key()) for c in todo}
    summaries = [{"key": c.key(), "label": c.label, "status": "skipped"} for c in todo if finished[c.key()]]
    pending = [c for c in todo if not finished[c.key()]]
    n = 1 if scheduler is None and workers == 1 else (workers or os.cpu_count() or 1)
    args = [
        (group, str(results_dir), None if data_dir is None else str(data_dir), experiments, profile)
        for group in make_groups(pending, group_size, n)
    ]
    bar = tqdm(
        total=len(pending),
        desc=f"{'+'.join(experiments) or 'runs'} ({profile or 'custom'})",
        unit="run",
        disable=not progress or not pending,
    )
    try:
        # closing(): on an interrupt in this loop the dispatcher is closed at once, so the pool shuts down cleanly
        # (a dispatcher left open keeps the interpreter waiting for the pool at exit)
        with closing(_dispatch(args, workers, scheduler)) as results:
            for group_summaries in results:
                summaries += group_summaries
                last = group_summaries[-1]
                bar.set_postfix_str(f"{last['label'] or last['key']}: {last['status']}", refresh=False)
                bar.update(len(group_summaries))
    finally:
        bar.close()
    return summaries


def _dispatch(
    args: list[tuple[Any, ...]], workers: int | None, scheduler: Any
) -> Generator[list[dict[str, Any]], None, None]:
    """Run each task (a group of configs) and yield its list of summaries as it finishes."""
    if not args:
        return
    if scheduler is not None:
        yield from _dispatch_dask(args, scheduler)
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        for a in args:
            yield execute_group(*a)
        return
    yield from _dispatch_pool(args, n)


def _dispatch_pool(args: list[tuple[Any, ...]], n: int) -> Generator[list[dict[str, Any]], None, None]:
    """At most ``n`` tasks in flight, so an interrupt leaves only those to finish (and save) before exiting."""
    todo = iter(args)
    # forkserver: workers start clean (no forked torch threads) and pay the torch import once each
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("forkserver")) as pool:
        running = {pool.submit(execute_group, *a) for a in itertools.islice(todo, n)}
        try:
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
                    running |= {pool.submit(execute_group, *a) for a in itertools.islice(todo, 1)}
        except (KeyboardInterrupt, GeneratorExit):  # interrupted here or in the consumer (which closes us)
            print(
                f"\ninterrupted: waiting for the {len(running)} groups of runs in progress to finish and save their "
                "records",
                file=sys.stderr,
            )
            raise


def _dispatch_dask(args: list[tuple[Any, ...]], scheduler: Any) -> Generator[list[dict[str, Any]], None, None]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # pure=False: a run is deterministic, but we never want Dask to deduplicate or cache its side effect
        futures = [client.submit(execute_group, *a, pure=False) for a in args]
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        if client is not scheduler:
            client.close()
