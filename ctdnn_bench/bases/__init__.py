"""Bases of functions of time for time-dependent weights, ``theta(t) = sum_k p_k(t) theta_k``.

``BASES`` maps each registry name to its class; every class takes ``degree`` (``degree + 1`` functions),
``t0``, ``t1`` and ``domain`` (see :data:`DOMAINS`).
"""

from ctdnn_bench.bases._base import DOMAINS, AbstractBasis
from ctdnn_bench.bases._recurrence import AbstractRecurrenceBasis
from ctdnn_bench.bases.chebyshev import Chebyshev
from ctdnn_bench.bases.fourier import Fourier
from ctdnn_bench.bases.legendre import Legendre
from ctdnn_bench.bases.monomial import Monomial
from ctdnn_bench.bases.piecewise_constant import PiecewiseConstant
from ctdnn_bench.bases.piecewise_linear import PiecewiseLinear
from ctdnn_bench.bases.static import Static
from ctdnn_bench.errors import lookup

BASES: dict[str, type[AbstractBasis]] = {
    "monomial": Monomial,
    "legendre": Legendre,
    "chebyshev": Chebyshev,
    "fourier": Fourier,
    "piecewise_constant": PiecewiseConstant,
    "piecewise_linear": PiecewiseLinear,
    "static": Static,
}


def make_basis(name: str, degree: int, t0: float = 0.0, t1: float = 1.0, domain: str | None = None) -> AbstractBasis:
    """Build the basis ``BASES[name]``; unknown names raise a :class:`~ctdnn_bench.errors.ConfigError`."""
    return lookup(BASES, "basis", name)(degree=degree, t0=t0, t1=t1, domain=domain)


__all__ = [
    "BASES",
    "DOMAINS",
    "AbstractBasis",
    "AbstractRecurrenceBasis",
    "Chebyshev",
    "Fourier",
    "Legendre",
    "Monomial",
    "PiecewiseConstant",
    "PiecewiseLinear",
    "Static",
    "make_basis",
]
