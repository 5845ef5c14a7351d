"""Leapfrog network (Haber & Ruthotto 2017): a second-order, time-reversible discretization of ``y'' = F(t, y)``."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from ctdnn_bench._checks import check_features
from ctdnn_bench.dynamics._fixed_grid import AbstractFixedGridBlock


def leapfrog_recurrence(
    y: Tensor, y_prev: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor
) -> tuple[Tensor, Tensor]:
    """Run ``y_{k+1} = 2 y_k - y_{k-1} + h^2 (-K_k^T tanh(K_k y_k) + c_k)`` over the steps of ``weights``.

    Args:
        y: ``y_0``, shape ``(..., batch, width)`` (rows are samples, so ``K y`` is ``y @ K^T``).
        y_prev: ``y_{-1}``, same shape.
        weights: ``K_k``, shape ``(..., n_steps, width, width)``; leading dimensions broadcast against ``y``'s.
        biases: ``c_k`` (outside the nonlinearity), shape ``(..., n_steps, width)``.
        h: step size.

    Returns:
        ``(y_N, y_{N-1})``. Run on the time-reversed weights from ``(y_{N-1}, y_N)``, the same recurrence returns
        ``(y_{-1}, y_0)``: the scheme is its own inverse (Haber & Ruthotto 2017).
    """
    h2 = h * h
    # unbind, not indexing: the backward of unbind is one stack, that of each index a full-size zero tensor
    for k_mat, c_k in zip(weights.unbind(-3), biases.unbind(-2), strict=True):
        c = c_k.unsqueeze(-2)
        force = c - torch.matmul(torch.tanh(torch.matmul(y, k_mat.transpose(-1, -2))), k_mat)
        y, y_prev = 2 * y - y_prev + h2 * force, y
    return y, y_prev


def leapfrog_steps(u: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor) -> Tensor:
    """The Leapfrog block's output ``y_N`` from ``y_0 = y_{-1} = u`` (zero initial velocity, as Meganet).

    Pure and broadcasting, so that one model (``weights (n_steps, w, w)``, ``u (batch, w)``) and ``M`` stacked
    models (``weights (M, n_steps, w, w)``, ``biases (M, n_steps, w)``, ``u (M, batch, w)``) share the arithmetic.
    Shapes as :func:`leapfrog_recurrence`; returns ``(..., batch, width)``.
    """
    y, _ = leapfrog_recurrence(u, u, weights, biases, h)
    return y


class LeapfrogBlock(AbstractFixedGridBlock):
    """``y_{k+1} = 2 y_k - y_{k-1} + h^2 (-K_k^T tanh(K_k y_k) + c_k)``, ``k = 0 .. n_steps - 1``, output ``y_N``.

    Paper Sec. 2.6 (Meganet ``LeapFrogNN`` with a ``doubleSymLayer``: no bias inside the nonlinearity, an outer
    bias ``c_k``); Haber & Ruthotto, "Stable architectures for deep neural networks", Inverse Problems 34 (2018)
    014004, arXiv 1705.03341 (2017). It discretizes ``y'' = -K(t)^T tanh(K(t) y) + c(t)``, whose force is minus
    the gradient of ``sum log cosh(K y) - c^T y`` for frozen weights: a conservative, non-dissipative system.

    Start value: ``y_{-1} = y_0 = u`` (zero initial velocity), as Meganet's ``forwardProp`` (``Yold = Y``).
    ``K_k, c_k`` are the layer's weights and biases at the step times (``layer.bias_coef`` holds ``c``), so the
    parameter count equals the ResNet's. Gradients by backpropagation through the steps (discretize-then-optimize).
    Input and output ``(batch, width)``; one layer evaluation per step. Arguments as
    :class:`~ctdnn_bench.dynamics._fixed_grid.AbstractFixedGridBlock`.
    """

    NFE_PER_STEP: ClassVar[int] = 1
    steps = staticmethod(leapfrog_steps)

    def forward(self, u: Tensor) -> Tensor:
        check_features(u, self.width, "LeapfrogBlock input")
        weights, biases = self.grid_weights()
        self._record_fixed(nfe=self.NFE_PER_STEP * self.n_steps, steps=self.n_steps)
        return leapfrog_steps(u, weights, biases, self.h)

    def stacked_weights(self) -> tuple[Tensor, Tensor]:
        """``K_k`` as one tensor ``(n_steps, width, width)`` and ``c_k`` as ``(n_steps, width)``."""
        w, b = self.layer.weights_at(self.basis_values)
        assert b is not None
        return w, b

    def integrate(self, y: Tensor, y_prev: Tensor) -> tuple[Tensor, Tensor]:
        """All steps from ``(y_0, y_{-1})``, each ``(batch, width)``; returns ``(y_N, y_{N-1})``."""
        weights, biases = self.stacked_weights()
        return leapfrog_recurrence(y, y_prev, weights, biases, self.h)

    def inverse(self, y_last: Tensor, y_before: Tensor) -> tuple[Tensor, Tensor]:
        """Undo :meth:`integrate`: from ``(y_N, y_{N-1})`` back to ``(y_0, y_{-1})`` by the same recurrence, run on
        the reversed weights from ``(y_{N-1}, y_N)``."""
        weights, biases = self.stacked_weights()
        y_minus1, y0 = leapfrog_recurrence(y_before, y_last, weights.flip(-3), biases.flip(-2), self.h)
        return y0, y_minus1
