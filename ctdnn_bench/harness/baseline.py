"""The CI regression gate: the deterministic metrics against the committed baseline, and :func:`regress`.

Timing on shared machines is noisy (1.0-1.7x between processes), so the gate uses only the exactly reproducible
quantities of :mod:`ctdnn_bench.harness.metrics`. :func:`regress` (``ctdnn-bench regress``) compares them with
``results/baselines/metrics.json``, counts exactly and floats to :func:`tolerance`; with ``update=True``
(``ctdnn-bench regress --update``) it regenerates that file, the documented way to accept a deliberate change.
Importing this module does not import torch.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctdnn_bench.errors import ConfigError, ResultsError
from ctdnn_bench.harness import metrics as _metrics
from ctdnn_bench.harness.metrics import Metrics

DEFAULT_BASELINE = Path("results/baselines/metrics.json")
SCHEMA = 1
FLOAT_RTOL = 1e-6
REGENERATE = "ctdnn-bench regress --update"


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


@dataclass(frozen=True)
class Regression:
    """What :func:`regress` found: the metrics computed, those that moved, and the file written (``update``)."""

    metrics: Metrics
    moved: list[Moved] = field(default_factory=list)
    written: Path | None = None

    @property
    def ok(self) -> bool:
        """True if nothing moved (or the baseline was rewritten)."""
        return not self.moved


def regress(
    baseline: str | Path = DEFAULT_BASELINE,
    data_dir: str | Path | None = None,
    *,
    training: bool = True,
    update: bool = False,
) -> Regression:
    """Compute every metric (:func:`~ctdnn_bench.harness.metrics.compute_metrics`) and compare it with ``baseline``,
    or, with ``update``, write them to ``baseline``. ``training=False`` skips the runs that need the ELM data (and
    then does not report the baseline's training metrics as missing).

    Raises:
        ConfigError: ``update`` without ``training`` (the baseline is always written whole).
        ResultsError: the baseline is missing or malformed (checked before anything is computed).
    """
    if update and not training:
        raise ConfigError("--update writes the whole baseline; drop --no-training")
    old = None if update else load_baseline(baseline)  # a bad baseline fails first
    metrics = _metrics.compute_metrics(data_dir, training=training)
    if old is None:
        return Regression(metrics, written=write_baseline(metrics, baseline))
    return Regression(metrics, compare(old, metrics, partial=not training))
