"""Residual network as forward Euler on du/dt = tanh(K(t) u + b(t)) (discretize-then-optimize)."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from ctdnn_bench._checks import check_features
from ctdnn_bench.dynamics._fixed_grid import AbstractFixedGridBlock, affine


def resnet_steps(u: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor) -> Tensor:
    """Forward Euler steps ``u <- u + h tanh(K_k u + b_k)`` for every ``k``.

    Args:
        u: ``(..., batch, width)``.
        weights: ``(..., n_steps, width, width)``; leading dims broadcast with ``u``'s (a stack of models).
        biases: ``(..., n_steps, width)``.
        h: the step, a float or a tensor broadcastable to ``u`` (one step per stacked model).

    Returns:
        ``u`` after the last step, ``(..., batch, width)``.
    """
    # unbind, not indexing: the backward of unbind is one stack, that of each index a full-size zero tensor
    for w_k, b_k in zip(weights.unbind(-3), biases.unbind(-2), strict=True):
        u = u + h * torch.tanh(affine(u, w_k, b_k))
    return u


class ResNetBlock(AbstractFixedGridBlock):
    """``u_{k+1} = u_k + h tanh(K(t_k) u_k + b(t_k))``, ``k = 0 .. n_steps - 1``, ``h = T / n_steps``.

    Paper Sec. 2.4 (Meganet ``ResNN``): forward Euler with 12 steps; gradients by backpropagation through the
    steps (discretize-then-optimize). Input and output have shape ``(batch, width)``. Arguments as
    :class:`~ctdnn_bench.dynamics._fixed_grid.AbstractFixedGridBlock`.
    """

    NFE_PER_STEP: ClassVar[int] = 1
    steps = staticmethod(resnet_steps)

    def forward(self, u: Tensor) -> Tensor:
        check_features(u, self.width, "ResNetBlock input")
        weights, biases = self.grid_weights()
        u = resnet_steps(u, weights, biases, self.h)
        self._record_fixed(nfe=self.n_steps, steps=self.n_steps)
        return u
