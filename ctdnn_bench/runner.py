"""Execute a sweep of runs: in-process, on a local process pool, or on an existing Dask distributed cluster.

A run whose record exists is skipped, so an interrupted sweep resumes where it stopped. Records are written by
the workers themselves (atomically), so a finished run survives whatever happens to the sweep afterwards.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import sys
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import closing
from pathlib import Path
from typing import Any

from ctdnn_bench import validate
from ctdnn_bench.data.identity import data_identity
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training.config import RunConfig
from ctdnn_bench.training.run import execute, load_data


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


def check_sweep_args(configs: Iterable[RunConfig], workers: int | None, scheduler: Any) -> list[RunConfig]:
    """The unique configs, once the sweep's arguments are known to be valid (ConfigError otherwise, before any work)."""
    try:
        todo = list(configs)
    except TypeError:
        raise ConfigError(f"configs must be an iterable of RunConfig, got {configs!r}") from None
    bad = next((c for c in todo if not isinstance(c, RunConfig)), None)
    if bad is not None:
        raise ConfigError(f"configs must be RunConfig objects, got {bad!r} (a {type(bad).__name__})")
    if workers is not None:
        validate.integer("workers", workers, 1, 4096)
    if scheduler is not None and not hasattr(scheduler, "submit"):  # a distributed.Client passes as it is
        check_scheduler_address(scheduler)
    return unique(todo)


def triage(
    store: ResultsStore, todo: list[RunConfig], data_dir: Path | None
) -> tuple[list[dict[str, Any]], list[RunConfig]]:
    """Split ``todo`` into summaries of runs that need no work (``skipped``; ``error`` for a record this version
    refuses) and the runs to do. A record trained on other data is recomputed, and said so in one line."""
    identities = {ds: data_identity(ds, data_dir) for ds in sorted({c.dataset for c in todo})}
    done: list[dict[str, Any]] = []
    pending: list[RunConfig] = []
    for c in todo:
        status, reason = store.reuse_status(c.key(), identities[c.dataset])
        if status == "reusable":
            done.append({"key": c.key(), "label": c.label, "status": "skipped"})
        elif status == "refused":
            done.append({"key": c.key(), "label": c.label, "status": "error", "reason": reason})
        else:
            if status == "stale":
                print(f"note: {reason}; recomputing it", file=sys.stderr)
            pending.append(c)
    return done, pending


def check_scheduler_address(address: object) -> str:
    """A Dask scheduler address ``[scheme://]host:port``; ConfigError naming the value otherwise."""
    m = _ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if m is None or not 1 <= int(m.group("port")) <= 65535:
        raise ConfigError(
            f"scheduler must be a Dask scheduler address like tcp://host:8786 or tls://host:8786, got {address!r}"
        )
    return str(address)


_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?P<host>\[[0-9a-fA-F:]+\]|[\w.-]+):(?P<port>\d{1,5})")


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
) -> list[dict[str, Any]]:
    """Run every config that has no record yet; return one summary per config (``skipped`` for existing ones).

    Args:
        configs: the runs.
        results_dir: the results store root.
        data_dir: where the data files are (else CTDNN_DATA_DIR, else download).
        workers: local processes (default: the number of CPUs; 1 runs in this process).
        scheduler: address of a Dask distributed scheduler (``tcp://host:8786``) or a ``distributed.Client``;
            when given, runs go there instead of the local pool.
        experiments, profile: tags stored in the records.
        progress: show a progress bar.
    """
    from tqdm.auto import tqdm

    todo = check_sweep_args(configs, workers, scheduler)
    # absolute paths: Dask workers (and pool workers started elsewhere) resolve relative ones against their own cwd
    results_dir, data_dir = Path(results_dir).resolve(), None if data_dir is None else Path(data_dir).resolve()
    store = ResultsStore(results_dir)
    store.check_writable()
    prepare_data(todo, data_dir)
    summaries, pending = triage(store, todo, data_dir)
    args = [
        (c.to_dict(), str(results_dir), None if data_dir is None else str(data_dir), experiments, profile)
        for c in pending
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
            for summary in results:
                summaries.append(summary)
                bar.set_postfix_str(f"{summary['label'] or summary['key']}: {summary['status']}", refresh=False)
                bar.update()
    finally:
        bar.close()
    return summaries


def _dispatch(
    args: list[tuple[Any, ...]], workers: int | None, scheduler: Any
) -> Generator[dict[str, Any], None, None]:
    if not args:
        return
    if scheduler is not None:
        yield from _dispatch_dask(args, scheduler)
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        for a in args:
            yield execute(*a)
        return
    yield from _dispatch_pool(args, n)


def _dispatch_pool(args: list[tuple[Any, ...]], n: int) -> Generator[dict[str, Any], None, None]:
    """At most ``n`` runs in flight, so an interrupt leaves only those to finish (and save) before exiting."""
    todo = iter(args)
    # forkserver: workers start clean (no forked torch threads) and pay the torch import once each
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("forkserver")) as pool:
        running = {pool.submit(execute, *a) for a in itertools.islice(todo, n)}
        try:
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
                    running |= {pool.submit(execute, *a) for a in itertools.islice(todo, 1)}
        except (KeyboardInterrupt, GeneratorExit):  # interrupted here or in the consumer (which closes us)
            print(
                f"\ninterrupted: waiting for the {len(running)} runs in progress to finish and save their records",
                file=sys.stderr,
            )
            raise


def _dispatch_dask(args: list[tuple[Any, ...]], scheduler: Any) -> Generator[dict[str, Any], None, None]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # pure=False: a run is deterministic, but we never want Dask to deduplicate or cache its side effect
        futures = [client.submit(execute, *a, pure=False) for a in args]
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        if client is not scheduler:
            client.close()
