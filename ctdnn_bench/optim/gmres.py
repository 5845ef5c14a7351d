"""GMRES without restarts that keeps its Krylov basis, so that steps in the subspace can be recomputed for free.

Saad, *Iterative Methods for Sparse Linear Systems* (2003), Alg. 6.9; the form follows Meganet's ``GMRES.m``
(Newman et al. 2021), which the trust-region loop (:mod:`ctdnn_bench.optim.trust_region`) reuses after a rejected
step: with ``A V_k = V_{k+1} Hbar`` any step ``s = V_k z`` has ``||A s - b|| = ||Hbar z - beta e_1||``, so a new
trust radius only needs a new ``z``, not new operator products.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ctdnn_bench.errors import ConfigError

Operator = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class KrylovSolution:
    """The result of :func:`gmres` for ``A x = b`` from ``x0 = 0``.

    Attributes:
        basis: ``V``, orthonormal columns, shape ``(n, k + 1)``; ``V[:, 0] = b / beta``.
        hessenberg: ``Hbar``, float64 numpy array of shape ``(k + 1, k)`` with ``A V[:, :k] = V Hbar``.
        beta: ``||b||``.
        coefficients: ``z`` of the GMRES iterate ``x = V[:, :k] z`` (minimizes ``||Hbar z - beta e_1||``), ``(k,)``.
        iterations: ``k``, the number of Arnoldi steps (operator products).
        residual: relative residual ``||b - A x|| / ||b||`` of the GMRES iterate.
    """

    basis: Tensor
    hessenberg: np.ndarray
    beta: float
    coefficients: np.ndarray
    iterations: int
    residual: float

    def step(self, z: np.ndarray) -> Tensor:
        """``V[:, :k] z`` for coefficients ``z`` of shape ``(k,)``, in the dtype of the basis."""
        k = self.iterations
        return self.basis[:, :k] @ torch.as_tensor(z, dtype=self.basis.dtype, device=self.basis.device)

    @property
    def solution(self) -> Tensor:
        """The GMRES iterate ``x``, shape ``(n,)``."""
        return self.step(self.coefficients)


def _least_squares(hbar: np.ndarray, beta: float) -> tuple[np.ndarray, float]:
    """``z = argmin ||hbar z - beta e_1||`` and the minimum (small dense problem, at most 21 x 20)."""
    rhs = np.zeros(hbar.shape[0])
    rhs[0] = beta
    z = np.linalg.lstsq(hbar, rhs, rcond=None)[0]
    return z, float(np.linalg.norm(hbar @ z - rhs))


def gmres(op: Operator, b: Tensor, *, max_iter: int = 20, tol: float = 1e-2) -> KrylovSolution:
    """Solve ``A x = b`` approximately in the Krylov space ``span{b, A b, ..., A^(k-1) b}``, ``x0 = 0``.

    Args:
        op: ``v -> A v`` for ``v`` of shape ``(n,)`` (matrix-free; called once per Arnoldi step).
        b: right-hand side, shape ``(n,)``, nonzero.
        max_iter: at most this many Arnoldi steps (paper: m = 20); capped at ``n``.
        tol: stop once the relative residual ``||b - A x|| / ||b||`` is at most ``tol`` (paper: 1e-2).

    Starting from ``x0 = 0`` the initial residual is ``b`` itself, so no product is spent on it (Meganet's
    ``GMRES.m`` spends one on ``b - A x0``). Gram-Schmidt is repeated once per step ("twice is enough"), which
    keeps ``V`` orthonormal to round-off at a cost that is negligible next to one operator product.
    """
    if max_iter < 1 or not tol >= 0:
        raise ConfigError(f"gmres needs max_iter >= 1 and tol >= 0, got {max_iter}, {tol}")
    beta = float(torch.linalg.vector_norm(b))
    if not (beta > 0 and np.isfinite(beta)):
        raise ConfigError(f"gmres needs a finite, nonzero right-hand side, got ||b|| = {beta}")
    n, m = b.numel(), min(max_iter, b.numel())
    basis = torch.zeros(n, m + 1, dtype=b.dtype, device=b.device)
    basis[:, 0] = b / beta
    hbar = np.zeros((m + 1, m))
    z, residual, k = np.zeros(0), 1.0, 0
    for k in range(1, m + 1):
        w = op(basis[:, k - 1])
        for _ in range(2):
            h = basis[:, :k].T @ w
            w = w - basis[:, :k] @ h
            hbar[:k, k - 1] += h.double().cpu().numpy()
        hbar[k, k - 1] = float(torch.linalg.vector_norm(w))
        z, res = _least_squares(hbar[: k + 1, :k], beta)
        residual = res / beta
        # a zero subdiagonal ("happy breakdown"): the Krylov space is invariant and x is exact
        if hbar[k, k - 1] <= 1e-14 * np.abs(hbar[: k + 1, :k]).max() or residual <= tol:
            if hbar[k, k - 1] > 0:
                basis[:, k] = w / hbar[k, k - 1]
            break
        basis[:, k] = w / hbar[k, k - 1]
    return KrylovSolution(basis[:, : k + 1], hbar[: k + 1, :k].copy(), beta, z, k, residual)
