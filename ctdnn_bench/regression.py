"""CI regression check: deterministic metrics against a committed baseline, and timing ratios for information.

Timing on shared machines is noisy (1.0-1.7x between processes), so the gate uses only quantities that are exactly
reproducible given seeds, fixed inputs, float64 and ``torch.set_num_threads(1)``: NFE and steps per benchmark case,
parameter counts, condition numbers, the GMRES iterations and residual of one GNvpro iteration, and the errors of
short seeded training runs. ``ctdnn-bench regress`` compares
them with ``results/baselines/metrics.json``; ``ctdnn-bench regress --update`` regenerates that file, which is the
documented way to accept a deliberate change. Speed is reported as ratios measured side by side in one process.
"""

from __future__ import annotations

import json
import math
import statistics
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctdnn_bench.errors import ResultsError

DEFAULT_BASELINE = Path("results/baselines/metrics.json")
SCHEMA = 1
FLOAT_RTOL = 1e-6
REGENERATE = "ctdnn-bench regress --update"

Metrics = dict[str, float | int]


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread (reproducible reductions), restoring the previous setting afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def case_metrics() -> Metrics:
    """Forward/backward NFE, steps and parameter counts of every CPU benchmark case after one forward+backward."""
    from ctdnn_bench.cases import CASES, forward_backward

    out: Metrics = {}
    for case in CASES:
        if case.device != "cpu":  # the baseline must not depend on the machine having a GPU
            continue
        block, u0 = case.build()
        forward_backward(block, u0)
        stats = block.last
        for key in ("nfe_forward", "nfe_backward", "steps_accepted", "steps_rejected"):
            out[f"case/{case.name}/{key}"] = getattr(stats, key)
        for key, value in case.parameter_counts().items():
            out[f"case/{case.name}/params_{key}"] = value
    return out


def conditioning_metrics() -> Metrics:
    """Condition numbers of the basis and Gram matrices per basis, degree and final time."""
    from ctdnn_bench.cases import CONDITIONING_BASES, CONDITIONING_DEGREES, CONDITIONING_TIMES, conditioning

    out: Metrics = {}
    for key in CONDITIONING_BASES:
        for degree in CONDITIONING_DEGREES:
            for big_t in CONDITIONING_TIMES:
                for name, value in conditioning(key, degree, big_t).items():
                    out[f"conditioning/{key}/d{degree}/T{big_t:g}/{name}"] = value
    return out


def gnvpro_metrics() -> Metrics:
    """GMRES iterations and relative residual, work units, forward NFE and objective of the first trust-region
    iteration of every :data:`~ctdnn_bench.cases.GNVPRO_CASES` entry (seeded synthetic data: no files needed)."""
    from ctdnn_bench.cases import GNVPRO_CASES

    return {f"gnvpro/{case.name}/{k}": v for case in GNVPRO_CASES for k, v in case.one_iteration().items()}


def training_metrics(data_dir: str | Path | None = None) -> Metrics:
    """Errors, loss and training NFE of the short seeded runs in :data:`~ctdnn_bench.cases.TRAININGS`."""
    from ctdnn_bench.cases import TRAININGS
    from ctdnn_bench.training import load_data, train_surrogate

    out: Metrics = {}
    for name, cfg in TRAININGS.items():
        result = train_surrogate(cfg, load_data(cfg.dataset, data_dir, cfg.seed_split))
        final = result["final"]
        for key in ("train_loss", "train_rel_err", "test_rel_err", "nfe_forward_train"):
            out[f"training/{name}/{key}"] = final[key]
    return out


def compute_metrics(data_dir: str | Path | None = None, *, training: bool = True) -> Metrics:
    """All regression metrics, computed on one thread. ``training=False`` leaves out the runs that need data."""
    with single_thread():
        metrics = {**case_metrics(), **conditioning_metrics(), **gnvpro_metrics()}
        if training:
            metrics.update(training_metrics(data_dir))
    return metrics


def tolerance(name: str, value: float | int) -> float:
    """Relative tolerance of a metric: 0 for integer counts, 1e-6 for floats.

    A condition number kappa computed in float64 is only accurate to about ``n eps kappa`` relative (the smallest
    singular value has an absolute error of about ``eps sigma_max``), so for ill-conditioned matrices the tolerance
    grows to ``1e-15 kappa``.
    """
    if isinstance(value, int):
        return 0.0
    if name.endswith(("cond_matrix", "cond_gram")):
        return max(FLOAT_RTOL, 1e-15 * abs(value))
    return FLOAT_RTOL


@dataclass(frozen=True)
class Moved:
    """A metric that differs from the baseline beyond its tolerance (``None`` = absent on that side)."""

    name: str
    old: float | int | None
    new: float | int | None
    rtol: float

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.name}: new metric {self.new!r}, not in the baseline"
        if self.new is None:
            return f"{self.name}: in the baseline ({self.old!r}) but no longer computed"
        return f"{self.name}: {self.old!r} -> {self.new!r} (tolerance {'exact' if not self.rtol else self.rtol})"


def compare(baseline: Metrics, current: Metrics, *, partial: bool = False) -> list[Moved]:
    """Every metric of ``current`` that moved from ``baseline`` beyond :func:`tolerance`, and every metric on one side
    only (with ``partial=True``, baseline metrics that were not computed are not reported)."""
    moved = []
    for name in sorted(baseline.keys() | current.keys()):
        old, new = baseline.get(name), current.get(name)
        if new is None and partial:
            continue
        if old is None or new is None:
            moved.append(Moved(name, old, new, 0.0))
            continue
        rtol = tolerance(name, old)
        same = old == new if not rtol else math.isclose(old, new, rel_tol=rtol) or (math.isnan(old) and math.isnan(new))
        if not same:
            moved.append(Moved(name, old, new, rtol))
    return moved


def load_baseline(path: str | Path = DEFAULT_BASELINE) -> Metrics:
    """Read a baseline written by :func:`write_baseline`.

    Raises:
        ResultsError: the file is missing or malformed; the message says how to regenerate it.
    """
    path = Path(path)
    how = f"regenerate it with `{REGENERATE} --baseline {path}`"
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"no regression baseline at {path}; {how}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"cannot read the regression baseline {path} ({exc}); {how}") from exc
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(metrics, dict):
        raise ResultsError(f"{path} is not a schema-{SCHEMA} regression baseline (no 'metrics' table); {how}")
    bad = [k for k, v in metrics.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if bad:
        raise ResultsError(f"{path}: metrics {bad[:5]} are not numbers; {how}")
    return metrics


def write_baseline(metrics: Metrics, path: str | Path = DEFAULT_BASELINE) -> Path:
    """Write ``metrics`` (sorted, one per line) with the versions that produced them."""
    from ctdnn_bench.environment import environment

    env = environment()
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "regenerate": REGENERATE,
        "environment": {k: env.get(k) for k in ("python", "torch", "torchdiffeq", "numpy", "scipy")},
        "metrics": dict(sorted(metrics.items())),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


# ------------------------------------------------------------------------------------------ timing ratios


def paired_ratio(candidate: Callable[[], object], reference: Callable[[], object], *, rounds: int = 41) -> float:
    """Median over ``rounds`` of (time of ``candidate`` / time of ``reference``), the two timed alternately.

    Interleaving makes both see the same machine load, so the ratio is steady where absolute times are not.
    Each timing calls the function enough times for about 10 ms.
    """
    candidate(), reference()  # warm-up (allocator, first-call initialization)
    number = max(1, round(0.01 / max(timeit.timeit(reference, number=3) / 3, 1e-7)))
    ratios = []
    for _ in range(rounds):
        a = timeit.timeit(candidate, number=number)
        b = timeit.timeit(reference, number=number)
        ratios.append(a / b)
    return statistics.median(ratios)


def throughput_ratio(data: object, size: int, dtype: str = "float64", rounds: int = 3) -> tuple[float, float, float]:
    """Stacked vs single-run training throughput on ``data``, measured alternately in this process.

    Returns the median single-run and stacked model-epochs per second and the median of the per-round ratios
    (see :func:`~ctdnn_bench.cases.model_epochs_per_second`).
    """
    from ctdnn_bench.cases import model_epochs_per_second

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
    from ctdnn_bench.cases import BY_NAME, PlainResNet, forward_backward

    def pass_of(name: str) -> Callable[[], object]:
        block, u0 = BY_NAME[name].build()
        return lambda: forward_backward(block, u0)

    legendre = pass_of("resnet-legendre-d3")
    plain, u0 = PlainResNet.like(BY_NAME["resnet-static-d0"])
    with single_thread():
        return {
            "legendre_vs_static_block": paired_ratio(legendre, pass_of("resnet-static-d0"), rounds=rounds),
            "legendre_vs_plain_linear": paired_ratio(legendre, lambda: forward_backward(plain, u0), rounds=rounds),
            "adjoint_vs_backprop": paired_ratio(
                pass_of("node-legendre-d3-dopri5-otd"),
                pass_of("node-legendre-d3-dopri5-dto"),
                rounds=max(5, rounds // 6),
            ),
        }
