"""A short in-process run of the benchmark cases, stored in pytest-benchmark's JSON shape.

``ctdnn-bench run harness`` (and ``reproduce``) time one forward and one backward pass (the adjoint solve for
optimize-then-discretize cases) of every case in :data:`ctdnn_bench.cases.CASES` on one thread, with one warm-up
call and a few rounds, and record the NFE of each pass. It is the same measurement as ``tests/test_benchmarks.py``
with fewer rounds (seconds in total), so that a fresh clone's report has a harness section; the full suites are
pytest-benchmark and asv.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from ctdnn_bench.regression import single_thread

#: Timed rounds per pass (neural ODEs are slower per call, so fewer).
ROUNDS = {"node": 3, "fixed": 10}


def _stats(times: list[float]) -> dict[str, float | int]:
    return {
        "min": min(times),
        "max": max(times),
        "mean": statistics.fmean(times),
        "median": statistics.median(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
        "rounds": len(times),
    }


def _timed(call: Callable[[Any], Any], rounds: int, setup: Callable[[], Any] = lambda: None) -> list[float]:
    """Seconds per call of ``call(setup())`` (setup untimed), ``rounds`` rounds after one warm-up round."""
    times = []
    for i in range(rounds + 1):  # round 0 warms up
        arg = setup()
        start = time.perf_counter()
        call(arg)
        if i:
            times.append(time.perf_counter() - start)
    return times


def _entry(case: Any, test: str, phase: str, times: list[float], stats: dict[str, int]) -> dict[str, Any]:
    what = "forward" if phase == "forward" else f"{'adjoint' if case.adjoint else 'backprop'}-backward"
    return {
        "name": f"{test}[{case.name}]",
        "fullname": f"ctdnn_bench.harness::{test}[{case.name}]",
        "group": f"{case.architecture}-{what}",  # as tests/test_benchmarks.py
        "params": {"basis": case.basis, "degree": case.degree},
        "param": case.name,
        "extra_info": {"case": case.name, "paradigm": case.paradigm, "phase": phase, **stats},
        "stats": _stats(times),
    }


def measure_case(case: Any) -> list[dict[str, Any]]:
    """The forward and backward entries of one :class:`~ctdnn_bench.cases.BenchCase`."""
    import torch

    from ctdnn_bench.cases import loss

    block, u0 = case.build()
    rounds = ROUNDS["node" if case.architecture == "node" else "fixed"]
    with torch.no_grad():
        forward = _timed(lambda _: block(u0), rounds)
    out = [_entry(case, "test_forward", "forward", forward, block.last.as_dict())]

    def setup() -> Any:
        block.zero_grad(set_to_none=True)
        return loss(block(u0))

    backward = _timed(lambda y: y.backward(), rounds, setup)
    phase = "adjoint" if case.adjoint else "backward"
    return [*out, _entry(case, "test_backward", phase, backward, block.last.as_dict())]


def measure_cases(cases: tuple[Any, ...] | None = None) -> dict[str, Any]:
    """Every available case (default :data:`~ctdnn_bench.cases.CASES`), as a pytest-benchmark JSON document."""
    from ctdnn_bench.cases import CASES
    from ctdnn_bench.environment import environment

    entries: list[dict[str, Any]] = []
    with single_thread():
        for case in cases or CASES:
            if case.unavailable() is None:
                entries += measure_case(case)
    env = environment()
    return {
        "machine_info": {"node": env.get("platform", ""), "cpu_count": env.get("cpu_count")},
        "commit_info": {"id": env.get("git_commit") or ""},
        "datetime": dt.datetime.now(dt.UTC).isoformat(),
        "version": "ctdnn_bench.harness",
        "benchmarks": entries,
    }
