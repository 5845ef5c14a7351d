"""Conditioning of time bases: basis (Vandermonde) matrices, L2 Gram matrices, exact changes of basis.

The basis matrix on a grid ``t_1 .. t_m`` is ``A[j, k] = p_k(t_j)`` (for monomials: the Vandermonde matrix); the Gram
matrix is ``M[j, k] = int_{t0}^{t1} p_j(t) p_k(t) dt`` (monomials on [0, 1]: the Hilbert matrix; shifted Legendre:
``diag(1 / (2k + 1))``). Both enter training: ``A`` maps coefficients to the weights the network sees, ``M`` is the
Hessian of the regularizer ``int ||theta(t)||^2 dt`` (paper Sec. 4.2).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb

import numpy as np

from ctdnn_bench import validate
from ctdnn_bench.bases import DOMAINS, AbstractBasis, AbstractRecurrenceBasis, make_basis
from ctdnn_bench.computed import CONDITIONING_GRID
from ctdnn_bench.errors import ConfigError


def time_grid(t0: float, t1: float, n_points: int = CONDITIONING_GRID.n_points) -> np.ndarray:
    """The paper's DTO grid ``linspace(t0, t1, n_points)`` (authors' code: ``n_points = n_t = 12``)."""
    return np.linspace(t0, t1, n_points)


def basis_matrix(
    basis: AbstractBasis, times: np.ndarray | None = None, n_points: int = CONDITIONING_GRID.n_points
) -> np.ndarray:
    """``A[j, k] = p_k(t_j)``, shape ``(m, n_functions)``, float64; default grid :func:`time_grid`."""
    grid = time_grid(basis.t0, basis.t1, n_points) if times is None else np.asarray(times, dtype=np.float64)
    return basis.matrix(grid)


def condition_number(a: np.ndarray) -> float:
    """2-norm condition number ``sigma_max / sigma_min`` (``inf`` for a rank-deficient matrix)."""
    s = np.linalg.svd(a, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


def equilibrated_condition_number(a: np.ndarray) -> float:
    """:func:`condition_number` of ``a`` with every column scaled to unit 2-norm: what is left after diagonal scaling
    of the coefficients (monomials on [0, T] and on [0, 1] agree for every T)."""
    return condition_number(a / np.linalg.norm(a, axis=0))


def gram_matrix(basis: AbstractBasis, nodes_per_piece: int | None = None) -> np.ndarray:
    """L2 Gram matrix on ``[t0, t1]`` by composite Gauss-Legendre quadrature, shape ``(n, n)``.

    Each smooth piece (between :meth:`~AbstractBasis.breakpoints`) gets ``nodes_per_piece`` nodes, default
    ``2 n_functions + 8``: exact (to round-off) for polynomial pieces, and enough for Fourier, whose products
    oscillate ~``degree`` times over the interval (``n_functions + 8`` left a 2e-2 error at degree 12).
    """
    q = nodes_per_piece or 2 * basis.n_functions + 8
    x, w = np.polynomial.legendre.leggauss(q)
    edges = basis.breakpoints()
    gram = np.zeros((basis.n_functions, basis.n_functions))
    for a, b in itertools.pairwise(edges):
        a_mat = basis.matrix(a + (b - a) * (x + 1) / 2)
        gram += a_mat.T @ (a_mat * (w * (b - a) / 2)[:, None])
    return gram


def _symmetric_power_matrix(basis: AbstractBasis) -> np.ndarray:
    """``C`` with ``p_k(t) = sum_i C[k, i] x^i`` where ``x = 2 (t - t0) / (t1 - t0) - 1`` in ``[-1, 1]``."""
    if not isinstance(basis, AbstractRecurrenceBasis):
        raise ConfigError(
            f"exact change of basis needs polynomial bases (monomial, legendre, chebyshev), not {basis.name!r}"
        )
    target = DOMAINS[str(basis.domain)] or (basis.t0, basis.t1)
    alpha, beta = (target[0] + target[1]) / 2, (target[1] - target[0]) / 2  # s = alpha + beta x
    n = basis.n_functions
    subst = np.array([[comb(j, i) * alpha ** (j - i) * beta**i if i <= j else 0.0 for i in range(n)] for j in range(n)])
    return basis.reference_power_matrix() @ subst


def change_of_basis(source: AbstractBasis, target: AbstractBasis) -> np.ndarray:
    """Matrix ``M`` (``(n, n)``, float64) with ``theta_target = M @ theta_source`` along the basis axis.

    Both bases must be polynomial, on the same interval, with the same degree; then the map is exact: both
    parameterize the same polynomials of degree d, so ``sum_k p^s_k(t) c^s_k == sum_k p^t_k(t) (M c^s)_k`` for all t.
    """
    if (source.t0, source.t1, source.degree) != (target.t0, target.t1, target.degree):
        raise ConfigError(
            "change of basis needs the same interval and degree on both sides, got "
            f"{source.name} d={source.degree} on [{source.t0}, {source.t1}] and "
            f"{target.name} d={target.degree} on [{target.t0}, {target.t1}]"
        )
    c_src, c_tgt = _symmetric_power_matrix(source), _symmetric_power_matrix(target)
    return np.linalg.solve(c_tgt.T, c_src.T)


def check_conditioning_args(degrees: tuple[int, ...], final_times: tuple[float, ...], n_points: int) -> None:
    """ConfigError naming the value unless every degree, final time and the grid size make a meaningful table."""
    if not degrees or not final_times:
        raise ConfigError(f"need at least one degree and one final time, got {degrees!r} and {final_times!r}")
    top = max(validate.integer("degree", d, 0, validate.MAX_DEGREE) for d in degrees)
    for big_t in final_times:
        validate.number("final time T", big_t, low=0, strict=True)
    validate.integer("n_points", n_points, 1, 10**6)
    if n_points < top + 1:  # fewer points than functions: a rank-deficient matrix, its condition number meaningless
        raise ConfigError(
            f"n_points = {n_points} grid points cannot tell apart the {top + 1} functions of degree {top}; "
            f"use n_points >= {top + 1}"
        )


@dataclass(frozen=True)
class ConditioningRow:
    """Conditioning of one basis at one degree and final time ``T`` (interval ``[0, T]``)."""

    basis: str
    domain: str
    degree: int
    T: float
    cond_matrix: float
    cond_gram: float
    max_abs_entry: float


#: The (basis, domain) pairs of the conditioning table: scaling (raw vs unit monomial) and orthogonality.
TABLE_BASES: tuple[tuple[str, str | None], ...] = (
    ("monomial", "raw"),
    ("monomial", "unit"),
    ("legendre", None),
    ("chebyshev", None),
)


def conditioning_table(
    bases: tuple[tuple[str, str | None], ...] = TABLE_BASES,
    degrees: tuple[int, ...] = CONDITIONING_GRID.degrees,
    final_times: tuple[float, ...] = CONDITIONING_GRID.final_times,
    n_points: int = CONDITIONING_GRID.n_points,
) -> list[ConditioningRow]:
    """Condition numbers of the basis matrix on the paper's grid and of the Gram matrix, per (basis, domain, d, T).

    The defaults are :data:`ctdnn_bench.computed.CONDITIONING_GRID`."""
    check_conditioning_args(degrees, final_times, n_points)
    rows = []
    for name, domain in bases:
        for big_t in final_times:
            for d in degrees:
                b = make_basis(name, d, 0.0, big_t, domain)
                a = basis_matrix(b, n_points=n_points)
                rows.append(
                    ConditioningRow(
                        name,
                        str(b.domain),
                        d,
                        big_t,
                        condition_number(a),
                        condition_number(gram_matrix(b)),
                        float(np.abs(a).max()),
                    )
                )
    return rows
