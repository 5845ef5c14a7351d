"""Legendre polynomials via Bonnet's recurrence."""

from dataclasses import dataclass
from typing import ClassVar

from ctdnn_bench.bases._recurrence import AbstractRecurrenceBasis


@dataclass(frozen=True, kw_only=True)
class Legendre(AbstractRecurrenceBasis):
    """Legendre polynomials ``P_0 .. P_d`` (unnormalized, ``P_k(1) = 1``).

    Recurrence (Bonnet): ``(n + 1) P_{n+1}(x) = (2n + 1) x P_n(x) - n P_{n-1}(x)``.
    With the default ``symmetric`` domain, ``x = 2 (t - t0) / (t1 - t0) - 1``: the shifted Legendre polynomials,
    orthogonal on ``[t0, t1]`` with ``int P_j P_k dt = (t1 - t0) / (2k + 1) delta_jk``.
    """

    default_domain: ClassVar[str] = "symmetric"
    name: ClassVar[str] = "legendre"

    def recurrence(self, n: int) -> tuple[float, float, float]:
        return ((2 * n + 1) / (n + 1), 0.0, n / (n + 1))
