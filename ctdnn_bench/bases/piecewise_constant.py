"""One weight set per time step: the paper's unconstrained ("none") parameterization."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ctdnn_bench.bases._base import AbstractBasis


@dataclass(frozen=True, kw_only=True)
class PiecewiseConstant(AbstractBasis):
    """Indicator functions of ``degree + 1`` equal cells of ``[t0, t1]``.

    Cell ``k`` is ``[t0 + k w, t0 + (k + 1) w)`` with ``w = (t1 - t0) / (degree + 1)``; the last cell also holds
    ``t1``. With ``degree + 1 = n_t`` the ResNet gets one independent weight set per step, the paper's
    unconstrained baseline (Meganet ``A = I``). ``domain`` has no effect. Derivatives in ``t`` are zero.
    """

    name: ClassVar[str] = "piecewise_constant"

    def to_reference(self, t: Tensor) -> Tensor:
        return (t - self.t0) / (self.t1 - self.t0)

    def _evaluate(self, s: Tensor) -> Tensor:
        n = self.n_functions
        # The relative 1e-9 keeps grid points that sit on a cell edge (t_k = k h) in the cell they start.
        index = torch.clamp(torch.floor(s * n + 1e-9), 0, n - 1).long()
        return torch.nn.functional.one_hot(index, n).to(s.dtype)

    def breakpoints(self) -> np.ndarray:
        return np.linspace(self.t0, self.t1, self.n_functions + 1)
