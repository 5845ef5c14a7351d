"""A truncated Fourier series in time."""

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import Tensor

from ctdnn_bench.bases._base import AbstractBasis


@dataclass(frozen=True, kw_only=True)
class Fourier(AbstractBasis):
    """``1, cos(2 pi u), sin(2 pi u), cos(4 pi u), sin(4 pi u), ...``, the first ``degree + 1`` of them.

    ``u = (t - t0) / (t1 - t0)`` in ``[0, 1]``, so the period is the whole interval; ``domain`` has no effect.
    The functions are orthogonal on ``[t0, t1]`` (norms ``t1 - t0`` for the constant, ``(t1 - t0) / 2`` otherwise).
    """

    name: ClassVar[str] = "fourier"

    def to_reference(self, t: Tensor) -> Tensor:
        return (t - self.t0) / (self.t1 - self.t0)

    def _evaluate(self, s: Tensor) -> Tensor:
        values = [torch.ones_like(s)]
        for k in range(1, self.n_functions):
            freq = 2 * math.pi * ((k + 1) // 2)
            values.append(torch.cos(freq * s) if k % 2 else torch.sin(freq * s))
        return torch.stack(values, dim=-1)
