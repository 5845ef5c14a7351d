"""Speed as ratios measured side by side in one process: information beside the gate, never a gate.

Absolute times on a shared machine vary 1.0-1.7x between processes; ratios of two workloads timed alternately in one
process do not. ``ctdnn-bench regress --ratios`` prints these, asv tracks them as ``track_ratio_*``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from ctdnn_bench.harness.timing import paired_ratio, single_thread


def throughput_ratio(data: object, size: int, dtype: str = "float64", rounds: int = 3) -> tuple[float, float, float]:
    """Stacked vs single-run training throughput on ``data``, measured alternately in this process.

    Returns the median single-run and stacked model-epochs per second and the median of the per-round ratios
    (see :func:`~ctdnn_bench.harness.trainings.model_epochs_per_second`; the runs train on the CPU).
    """
    from ctdnn_bench.harness.trainings import model_epochs_per_second

    model_epochs_per_second(data, 2, dtype)  # warm-up
    single, stacked = [], []
    for _ in range(rounds):
        single.append(model_epochs_per_second(data, 1, dtype, epochs=2))
        stacked.append(model_epochs_per_second(data, size, dtype))
    ratios = [b / a for a, b in zip(single, stacked, strict=True)]
    return statistics.median(single), statistics.median(stacked), statistics.median(ratios)


def timing_ratios(rounds: int = 41) -> dict[str, float]:
    """Forward+backward time ratios measured in this process (information, not a gate):

    - ``legendre_vs_static_block``: ResNet block with Legendre degree-3 weights / the same block with the static
      basis, at the paper's sizes (batch 32, width 15, 12 steps);
    - ``legendre_vs_plain_linear``: the same Legendre block / a hand-written ``nn.Linear`` ResNet;
    - ``adjoint_vs_backprop``: neural ODE (Legendre d=3, dopri5) with the adjoint / with backprop through the solver.
    """
    from ctdnn_bench.harness.cases import BY_NAME, PlainResNet, forward_backward

    def pass_of(name: str) -> Callable[[], object]:
        block, u0 = BY_NAME[name].build()
        return lambda: forward_backward(block, u0)

    static = BY_NAME["resnet-static-d0"]
    legendre = pass_of("resnet-legendre-d3")
    plain, u0 = PlainResNet.like(static)
    device = static.device  # every case compared here runs there
    with single_thread():
        return {
            "legendre_vs_static_block": paired_ratio(
                legendre, pass_of("resnet-static-d0"), rounds=rounds, device=device
            ),
            "legendre_vs_plain_linear": paired_ratio(
                legendre, lambda: forward_backward(plain, u0), rounds=rounds, device=device
            ),
            "adjoint_vs_backprop": paired_ratio(
                pass_of("node-legendre-d3-dopri5-otd"),
                pass_of("node-legendre-d3-dopri5-dto"),
                rounds=max(5, rounds // 6),
                device=device,
            ),
        }
