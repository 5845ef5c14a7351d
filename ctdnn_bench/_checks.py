"""Input checks shared by the blocks and models (one gateway, so the numerics can assume clean input)."""

from __future__ import annotations

import torch
from torch import Tensor

from ctdnn_bench.errors import ShapeError


def check_features(x: Tensor, width: int, what: str) -> None:
    """Raise :class:`ShapeError` unless ``x`` is a finite floating tensor of shape ``(batch, width)``."""
    if not isinstance(x, Tensor):
        raise ShapeError(f"{what}: expected a torch.Tensor of shape (batch, {width}), got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != width:
        raise ShapeError(
            f"{what}: expected shape (batch, {width}), got {tuple(x.shape)}; "
            "pass one row per sample (use x.reshape(-1, width) for a single sample)"
        )
    if not x.is_floating_point():
        raise ShapeError(f"{what}: expected a floating-point tensor, got {x.dtype}; convert with x.float()")
    if not torch.isfinite(x).all():
        raise ShapeError(
            f"{what}: input has {int((~torch.isfinite(x)).sum())} non-finite entries (nan/inf); "
            "clean or normalize the data first"
        )
