"""How the harness times code: one single-thread context, a rounds timer, the paired-ratio timer, CUDA barriers.

CUDA kernels run asynchronously, so a clock read after a call on a CUDA device measures only the launch. Every timer
here takes the device the timed code runs on and calls :func:`synchronize` before starting and before stopping the
clock; on the CPU that is a no-op, so the same code runs on machines without a GPU. torch is imported inside the
functions: importing this module stays cheap.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import torch

T = TypeVar("T")


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread (reproducible reductions, steadier times), restoring the previous setting afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def is_cuda(device: torch.device | str | None) -> bool:
    """True if ``device`` (a torch device, a string such as ``"cuda:0"``, or None for the CPU) is a CUDA device."""
    import torch

    return device is not None and torch.device(device).type == "cuda"


def synchronize(device: torch.device | str | None) -> None:
    """Wait until every queued kernel on ``device`` has finished (``torch.cuda.synchronize``); no-op off CUDA."""
    import torch

    if is_cuda(device):
        torch.cuda.synchronize(device)


def synchronized(fn: Callable[..., T], device: torch.device | str | None) -> Callable[..., T]:
    """``fn`` followed by :func:`synchronize` (for timers that call a function themselves: pytest-benchmark)."""
    if not is_cuda(device):
        return fn

    def call(*args: Any, **kwargs: Any) -> T:
        out = fn(*args, **kwargs)
        synchronize(device)
        return out

    return call


def seconds(fn: Callable[[], object], number: int = 1, device: torch.device | str | None = None) -> float:
    """Wall seconds of ``number`` calls of ``fn``, with the device synchronized before and after."""
    synchronize(device)
    start = time.perf_counter()
    for _ in range(number):
        fn()
    synchronize(device)
    return time.perf_counter() - start


def timed_rounds(
    call: Callable[[Any], object],
    rounds: int,
    setup: Callable[[], Any] = lambda: None,
    device: torch.device | str | None = None,
) -> list[float]:
    """Seconds per call of ``call(setup())`` (setup untimed), ``rounds`` rounds after one warm-up round."""
    times = []
    for i in range(rounds + 1):  # round 0 warms up
        arg = setup()
        elapsed = seconds(functools.partial(call, arg), 1, device)
        if i:
            times.append(elapsed)
    return times


def paired_ratio(
    candidate: Callable[[], object],
    reference: Callable[[], object],
    *,
    rounds: int = 41,
    device: torch.device | str | None = None,
) -> float:
    """Median over ``rounds`` of (time of ``candidate`` / time of ``reference``), the two timed alternately.

    Interleaving makes both see the same machine load, so the ratio is steady where absolute times are not.
    Each timing calls the function enough times for about 10 ms; ``device`` is synchronized around each timing.
    """
    candidate(), reference()  # warm-up (allocator, first-call initialization)
    number = max(1, round(0.01 / max(seconds(reference, 3, device) / 3, 1e-7)))
    ratios = [seconds(candidate, number, device) / seconds(reference, number, device) for _ in range(rounds)]
    return statistics.median(ratios)
