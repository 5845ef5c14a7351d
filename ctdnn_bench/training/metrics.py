"""Error metrics. Two relative errors, kept apart because the authors' codes use both."""

from __future__ import annotations

import torch
from torch import Tensor


def relative_errors(pred: Tensor, target: Tensor) -> Tensor:
    """Per-sample relative L2 errors ``||pred_i - c_i|| / ||c_i||``, shape ``(n,)`` (rows are samples).

    The paper's MATLAB metric is their mean (``rel_err``). Samples whose target is zero are left out (their
    relative error is undefined; ELM has 2.3% such rows in all but one column).
    """
    num = torch.linalg.vector_norm(pred - target, dim=1)
    den = torch.linalg.vector_norm(target, dim=1)
    keep = den > 0
    return num[keep] / den[keep]


def relative_error_global(pred: Tensor, target: Tensor) -> float:
    """Whole-split relative error ``||P - C||_F / ||C||_F`` (the authors' Python metric, ``rel_err_global``)."""
    return float(torch.linalg.norm(pred - target) / torch.linalg.norm(target))


def loss_value(pred: Tensor, target: Tensor, kind: str) -> Tensor:
    """``half_mse``: ``0.5 mean_i ||pred_i - c_i||^2``; ``l1``: mean absolute error over all entries."""
    if kind == "l1":
        return (pred - target).abs().mean()
    return 0.5 * (pred - target).pow(2).sum(dim=-1).mean()
