"""Chebyshev polynomials of the first kind."""

from dataclasses import dataclass
from typing import ClassVar

from ctdnn_bench.bases._recurrence import AbstractRecurrenceBasis


@dataclass(frozen=True, kw_only=True)
class Chebyshev(AbstractRecurrenceBasis):
    """Chebyshev polynomials ``T_0 .. T_d``: ``T_{n+1} = 2 x T_n - T_{n-1}``, ``T_1 = x``.

    Orthogonal on ``[-1, 1]`` with weight ``1 / sqrt(1 - x^2)`` (not in plain L2). Default domain ``symmetric``.
    """

    default_domain: ClassVar[str] = "symmetric"
    name: ClassVar[str] = "chebyshev"

    def recurrence(self, n: int) -> tuple[float, float, float]:
        return (1.0 if n == 0 else 2.0, 0.0, 0.0 if n == 0 else 1.0)
