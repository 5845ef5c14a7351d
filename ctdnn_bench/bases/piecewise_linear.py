"""Piecewise-linear hat functions (linear finite elements in time)."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ctdnn_bench.bases._base import AbstractBasis


@dataclass(frozen=True, kw_only=True)
class PiecewiseLinear(AbstractBasis):
    """Hat functions on ``degree + 1`` equispaced nodes of ``[t0, t1]`` (``degree`` equal elements).

    ``phi_k(u) = max(0, 1 - |d u - k|)`` with ``u = (t - t0) / (t1 - t0)``; they sum to one (partition of unity),
    so weights interpolate linearly between node values. ``degree = 0`` is the constant. ``domain`` has no effect.
    """

    name: ClassVar[str] = "piecewise_linear"

    def to_reference(self, t: Tensor) -> Tensor:
        return (t - self.t0) / (self.t1 - self.t0)

    def _evaluate(self, s: Tensor) -> Tensor:
        if self.degree == 0:
            return torch.ones_like(s).unsqueeze(-1)
        nodes = torch.arange(self.n_functions, dtype=s.dtype, device=s.device)
        return torch.clamp(1.0 - torch.abs(self.degree * s.unsqueeze(-1) - nodes), min=0.0)

    def breakpoints(self) -> np.ndarray:
        return np.linspace(self.t0, self.t1, max(self.n_functions, 2))
