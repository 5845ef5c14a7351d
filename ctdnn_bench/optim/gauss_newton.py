"""The Gauss-Newton model of a least-squares objective ``f(theta) = 1/2 ||r(theta)||^2``, matrix-free.

Products with the Jacobian ``J = dr/dtheta`` come from ``torch.func``: ``J v`` from forward mode
(:func:`torch.func.jvp`) and ``J^T w`` from reverse mode (:func:`torch.func.vjp`, whose pullback is kept and
reused), so ``g = J^T r`` and the Gauss-Newton product ``H v = J^T (J v)`` are exact up to round-off, never finite
differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import jvp, vjp

Residual = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class Linearization:
    """``r``, ``f`` and ``g`` at one point, and products with ``J`` there.

    Attributes:
        theta: the point, shape ``(p,)``.
        residual: ``r(theta)``, shape ``(m,)``.
        objective: ``f = 1/2 ||r||^2``.
        gradient: ``g = J^T r``, shape ``(p,)``.
    """

    theta: Tensor
    residual: Tensor
    objective: float
    gradient: Tensor
    _fn: Residual
    _pullback: Callable[[Tensor], tuple[Tensor, ...]]

    def jvp(self, v: Tensor) -> Tensor:
        """``J v`` for ``v`` of shape ``(p,)`` -> ``(m,)`` (one forward-mode pass through ``r``)."""
        return jvp(self._fn, (self.theta,), (v,))[1].detach()

    def vjp(self, w: Tensor) -> Tensor:
        """``J^T w`` for ``w`` of shape ``(m,)`` -> ``(p,)`` (one reverse sweep of the kept graph)."""
        return self._pullback(w)[0].detach()

    def gn_product(self, v: Tensor) -> Tensor:
        """The Gauss-Newton product ``J^T J v``, shape ``(p,)``."""
        return self.vjp(self.jvp(v))


def linearize(fn: Residual, theta: Tensor) -> Linearization:
    """Evaluate ``r = fn(theta)`` with its pullback, and the gradient ``J^T r``.

    Args:
        fn: the residual, ``(p,) -> (m,)``; it must be written with torch operations (``torch.func`` traces it).
        theta: the point, shape ``(p,)``.
    """
    theta = theta.detach()
    out = vjp(fn, theta)  # (r, pullback)
    r, pullback = out[0].detach(), out[1]
    return Linearization(theta, r, 0.5 * float(r.square().sum()), pullback(r)[0].detach(), fn, pullback)


def objective(fn: Residual, theta: Tensor) -> float:
    """``1/2 ||fn(theta)||^2`` without recording a graph (a trial evaluation)."""
    with torch.no_grad():
        return 0.5 * float(fn(theta.detach()).square().sum())
