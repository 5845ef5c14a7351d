"""Monomials ``p_k(s) = s^k``."""

from dataclasses import dataclass
from typing import ClassVar

from ctdnn_bench.bases._recurrence import AbstractRecurrenceBasis


@dataclass(frozen=True, kw_only=True)
class Monomial(AbstractRecurrenceBasis):
    """Monomials ``1, s, s^2, ..., s^d`` of the reference variable ``s``.

    The domain matters a great deal here: ``raw`` evaluates on ``[t0, t1]`` itself (entries up to ``T^d``, as in the
    authors' MATLAB code), ``unit`` on ``[0, 1]`` (their revised Python code), ``symmetric`` on ``[-1, 1]``.
    Default ``unit``.
    """

    default_domain: ClassVar[str] = "unit"
    name: ClassVar[str] = "monomial"

    def recurrence(self, n: int) -> tuple[float, float, float]:
        return (1.0, 0.0, 0.0)
