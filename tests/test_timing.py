"""The harness' timers: one thread inside and the old setting after, and ``torch.cuda.synchronize()`` around every
timed call on a CUDA device (counted with a stand-in, so that this runs on machines without a GPU)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from ctdnn_bench.harness import passes, timing
from ctdnn_bench.harness.cases import BY_NAME, BenchCase


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ``torch.cuda.synchronize`` call's device; the real one is never reached."""
    calls: list[Any] = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(device))
    return calls


def test_single_thread_restores_the_previous_setting() -> None:
    before = torch.get_num_threads()
    with timing.single_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("device", [None, "cpu", torch.device("cpu")])
def test_cpu_timing_never_synchronizes(device: Any, syncs: list[Any]) -> None:
    times = timing.timed_rounds(lambda _: sum(range(50)), 3, device=device)
    ratio = timing.paired_ratio(lambda: sum(range(50)), lambda: sum(range(50)), rounds=3, device=device)
    assert len(times) == 3 and all(t >= 0 for t in times) and math.isfinite(ratio) and ratio > 0
    assert timing.synchronized(len, device) is len
    assert syncs == []


def test_cuda_timing_synchronizes_before_and_after_every_timed_call(syncs: list[Any]) -> None:
    events: list[str] = []

    def call(_: object) -> None:
        events.append(f"call after {len(syncs)} syncs")

    times = timing.timed_rounds(call, 2, device="cuda")
    assert len(times) == 2
    # warm-up + 2 rounds, each: synchronize, call, synchronize (the queued kernels finish inside the clock)
    assert events == ["call after 1 syncs", "call after 3 syncs", "call after 5 syncs"]
    assert len(syncs) == 6 and all(torch.device(d).type == "cuda" for d in syncs)


def test_paired_ratio_and_wrapped_calls_synchronize_on_cuda(syncs: list[Any]) -> None:
    timing.paired_ratio(lambda: None, lambda: None, rounds=3, device="cuda:0")
    assert len(syncs) == 2 + 3 * 4  # the calibration timing, then two timings per round, each fenced twice
    syncs.clear()
    wrapped = timing.synchronized(lambda x: x + 1, "cuda")
    assert wrapped(1) == 2 and len(syncs) == 1


def test_the_stored_harness_synchronizes_a_cuda_case(monkeypatch: pytest.MonkeyPatch, syncs: list[Any]) -> None:
    # a CUDA case whose block is built on the CPU: the wiring from case.device to the timer is what is tested
    cpu = BY_NAME["resnet-legendre-d3"]
    fake = BenchCase(name="resnet-legendre-d3-cuda", model=cpu.model, device="cuda")
    block_and_input = cpu.build()
    monkeypatch.setattr(BenchCase, "build", lambda self: block_and_input)
    monkeypatch.setattr(passes, "ROUNDS", {"node": 1, "fixed": 2})
    entries = passes.measure_case(fake)
    assert [e["extra_info"]["phase"] for e in entries] == ["forward", "backward"]
    assert len(syncs) == 2 * 3 * 2  # forward and backward: (1 warm-up + 2 rounds) x before and after
