"""A short in-process run of the benchmark cases, stored in pytest-benchmark's JSON shape.

``ctdnn-bench run harness`` (and ``reproduce``) time one forward and one backward pass (the adjoint solve for
optimize-then-discretize cases) of every case in :data:`ctdnn_bench.harness.cases.CASES` on one thread, with one
warm-up call and a few rounds (CUDA cases synchronized around every timed call), and record the NFE of each pass.
It is the same measurement as ``tests/test_benchmarks.py`` with fewer rounds (seconds in total), so that a fresh
clone's report has a harness section; the full suites are pytest-benchmark and asv.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import TYPE_CHECKING, Any

from ctdnn_bench.harness.timing import single_thread, timed_rounds

if TYPE_CHECKING:
    from ctdnn_bench.harness.cases import BenchCase

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


def _entry(case: BenchCase, test: str, phase: str, times: list[float], stats: dict[str, int]) -> dict[str, Any]:
    what = "forward" if phase == "forward" else f"{'adjoint' if case.model.adjoint else 'backprop'}-backward"
    return {
        "name": f"{test}[{case.name}]",
        "fullname": f"ctdnn_bench.harness::{test}[{case.name}]",
        "group": f"{case.model.architecture}-{what}",  # as tests/test_benchmarks.py
        "params": {"basis": case.model.basis, "degree": case.model.degree},
        "param": case.name,
        "extra_info": {"case": case.name, "paradigm": case.paradigm, "phase": phase, **stats},
        "stats": _stats(times),
    }


def measure_case(case: BenchCase) -> list[dict[str, Any]]:
    """The forward and backward entries of one :class:`~ctdnn_bench.harness.cases.BenchCase`."""
    import torch

    from ctdnn_bench.harness.cases import last_stats, loss

    block, u0 = case.build()
    rounds = ROUNDS["node" if case.model.architecture == "node" else "fixed"]
    with torch.no_grad():
        forward = timed_rounds(lambda _: block(u0), rounds, device=case.device)
    out = [_entry(case, "test_forward", "forward", forward, last_stats(block).as_dict())]

    def setup() -> Any:
        block.zero_grad(set_to_none=True)
        return loss(block(u0))

    backward = timed_rounds(lambda y: y.backward(), rounds, setup, device=case.device)
    phase = "adjoint" if case.model.adjoint else "backward"
    return [*out, _entry(case, "test_backward", phase, backward, last_stats(block).as_dict())]


def measure_cases(cases: tuple[BenchCase, ...] | None = None) -> dict[str, Any]:
    """Every available case (default :data:`~ctdnn_bench.harness.cases.CASES`) as a pytest-benchmark document."""
    from ctdnn_bench.environment import environment
    from ctdnn_bench.harness.cases import CASES

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
