"""The linear least-squares baseline of a surrogate data set: the absolute reference of "did training work"."""

from __future__ import annotations

from typing import Any

import numpy as np


def _mean_relative_error(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean per-sample relative L2 error, zero-target rows left out (as ``metrics.relative_errors``)."""
    den = np.linalg.norm(target, axis=1)
    keep = den > 0
    return float(np.mean(np.linalg.norm(pred - target, axis=1)[keep] / den[keep]))


def linear_baseline(data: Any) -> dict[str, float]:
    """Relative errors of the affine map ``[x, 1] W`` fitted by least squares on the training split.

    Args:
        data: a :class:`~ctdnn_bench.data.SurrogateDataset` (``x_train`` ``(n, n_in)``, ``y_train`` ``(n, n_out)``...).

    Returns:
        ``linear_{train,val,test}_rel_err`` (the paper's ELM value of the test error: 0.375).
    """

    def design(x: np.ndarray) -> np.ndarray:
        return np.hstack([np.asarray(x, dtype=np.float64), np.ones((len(x), 1))])

    w, *_ = np.linalg.lstsq(design(data.x_train), np.asarray(data.y_train, dtype=np.float64), rcond=None)
    return {
        f"linear_{s}_rel_err": _mean_relative_error(design(getattr(data, f"x_{s}")) @ w, getattr(data, f"y_{s}"))
        for s in ("train", "val", "test")
    }
