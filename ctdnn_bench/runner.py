"""Execute a sweep of runs: in-process, on a local process pool, or on an existing Dask distributed cluster.

A run whose record exists is skipped, so an interrupted sweep resumes where it stopped. Records are written by
the workers themselves (atomically), so a finished run survives whatever happens to the sweep afterwards.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import signal
import sys
import threading
import uuid
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ctdnn_bench import validate
from ctdnn_bench.data.identity import data_identity
from ctdnn_bench.errors import ClusterError, ConfigError, CTDNNError
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
    if isinstance(address, str) and address.startswith("inproc://"):  # a scheduler inside this process
        return address
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
    group_size: int = GROUP_SIZE,
) -> list[dict[str, Any]]:
    """Run every config that has no record yet; return one summary per config (``skipped`` for existing ones).

    Discretize-then-optimize runs of one shape train stacked in groups (:func:`~ctdnn_bench.grouping.make_groups`);
    a group is formed only from runs without a reusable record, so an interrupted sweep resumes with what is missing.

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

    todo = check_sweep_args(configs, workers, scheduler)
    validate.integer("group_size", group_size, 1, 100_000)
    # absolute paths: Dask workers (and pool workers started elsewhere) resolve relative ones against their own cwd
    results_dir, data_dir = Path(results_dir).resolve(), None if data_dir is None else Path(data_dir).resolve()
    store = ResultsStore(results_dir)
    store.check_writable()
    prepare_data(todo, data_dir)
    summaries, pending = triage(store, todo, data_dir)
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
        yield from _dispatch_here(args)
        return
    yield from _dispatch_pool(args, n)


class _Interrupts:
    """Ctrl-C during a sweep: the first lets the runs in progress finish and save, the second stops at once."""

    def __init__(self) -> None:
        self.requested = False

    def handler(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(
            "\ninterrupted: finishing the runs in progress and saving their records; press Ctrl-C again to stop at "
            "once (those runs are then redone next time)",
            file=sys.stderr,
        )


@contextmanager
def _deferred_interrupts() -> Iterator[_Interrupts]:
    """Route SIGINT to an :class:`_Interrupts` for the ``with`` block (only the main thread can handle signals)."""
    state = _Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = signal.signal(signal.SIGINT, state.handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def _dispatch_here(args: list[tuple[Any, ...]]) -> Generator[list[dict[str, Any]], None, None]:
    """One task after the other in this process; a first Ctrl-C stops after the current task is saved."""
    with _deferred_interrupts() as interrupts:
        for a in args:
            yield execute_group(*a)
            if interrupts.requested:
                raise KeyboardInterrupt


def _init_worker() -> None:
    """Pool workers: a terminal's Ctrl-C reaches the whole process group, but only the main process decides when to
    stop, so workers ignore it and finish their run; the SIGTERM of a second Ctrl-C exits through finally blocks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _execute_in_worker(*args: Any) -> list[dict[str, Any]]:
    try:
        return execute_group(*args)
    except SystemExit:  # terminated: the claim is released and no temporary file is left by now
        os._exit(143)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now (their runs are lost and redone next time; no partial record is written)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _dispatch_pool(args: list[tuple[Any, ...]], n: int) -> Generator[list[dict[str, Any]], None, None]:
    """At most ``n`` tasks in flight, so an interrupt leaves only those to finish (and save) before exiting."""
    todo = iter(args)
    # forkserver: workers start clean (no forked torch threads) and pay the torch import once each
    context = multiprocessing.get_context("forkserver")
    with (
        _deferred_interrupts() as interrupts,
        ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_worker) as pool,
    ):
        running = {pool.submit(_execute_in_worker, *a) for a in itertools.islice(todo, n)}
        try:
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
                    if not interrupts.requested:
                        running |= {pool.submit(_execute_in_worker, *a) for a in itertools.islice(todo, 1)}
            if interrupts.requested:
                raise KeyboardInterrupt
        except (KeyboardInterrupt, GeneratorExit):  # a second Ctrl-C, here or in the consumer (which closes us)
            if running:
                _terminate(pool)
            raise


#: How long to wait for the Dask scheduler to answer, and for at least one worker to be alive.
DASK_TIMEOUT_S = 30.0


def _dispatch_dask(args: list[tuple[Any, ...]], scheduler: Any) -> Generator[list[dict[str, Any]], None, None]:
    from distributed import as_completed as dask_completed

    client, owned = _connect_dask(scheduler)
    try:
        _check_dask_workers(client, args[0][1])
        # pure=False: a run is deterministic, but we never want Dask to deduplicate or cache its side effect
        futures = [client.submit(execute_group, *a, pure=False) for a in args]
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        if owned:
            client.close()


def _connect_dask(scheduler: Any) -> tuple[Any, bool]:
    """A client of ``scheduler`` (an address or a Client) and whether we opened it; ClusterError if unreachable."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=DASK_TIMEOUT_S), True
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler} within {DASK_TIMEOUT_S:g} s ({exc}); is it running, "
            "and is the address right?"
        ) from exc


def _check_dask_workers(client: Any, results_dir: str) -> None:
    """At least one worker is alive, and every worker sees ``results_dir`` as this process does and can write there
    (a worker that cannot would compute runs whose records nobody finds)."""
    try:
        client.wait_for_workers(1, timeout=DASK_TIMEOUT_S)
    except TimeoutError as exc:
        raise ClusterError(
            f"no Dask worker is alive at {client.scheduler.address} after {DASK_TIMEOUT_S:g} s; start some with "
            f"`dask worker {client.scheduler.address} --nthreads 1`"
        ) from exc
    token = Path(results_dir) / "runs" / f".probe-{uuid.uuid4().hex}"
    token.write_text("")  # the workers must see this very file: the directory is shared, not merely named alike
    try:
        answers = client.run(_probe_results_dir, results_dir, token.name)
    finally:
        token.unlink(missing_ok=True)
    failed = {worker: problem for worker, problem in answers.items() if problem}
    if failed:
        worker, problem = next(iter(failed.items()))
        raise ClusterError(
            f"{len(failed)} of {len(answers)} Dask workers cannot use the results directory {results_dir} "
            f"(worker {worker}: {problem}); --results-dir must be on a file system every worker shares"
        )


def _probe_results_dir(results_dir: str, token: str) -> str | None:
    """Run on each Dask worker: None if it sees the client's token file in ``results_dir`` and can write there."""
    store = ResultsStore(results_dir)
    if not (store.runs / token).is_file():
        return f"it does not see {store.runs} as the client does"
    try:
        store.check_writable()
    except CTDNNError as exc:
        return str(exc)
    return None
