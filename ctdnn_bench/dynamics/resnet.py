"""Residual network as forward Euler on du/dt = tanh(K(t) u + b(t)) (discretize-then-optimize)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import linear

from ctdnn_bench._checks import check_features
from ctdnn_bench.dynamics._fixed_grid import AbstractFixedGridBlock


class ResNetBlock(AbstractFixedGridBlock):
    """``u_{k+1} = u_k + h tanh(K(t_k) u_k + b(t_k))``, ``k = 0 .. n_steps - 1``, ``h = T / n_steps``.

    Paper Sec. 2.4 (Meganet ``ResNN``): forward Euler with 12 steps; gradients by backpropagation through the
    steps (discretize-then-optimize). Input and output have shape ``(batch, width)``. Arguments as
    :class:`~ctdnn_bench.dynamics._fixed_grid.AbstractFixedGridBlock`.
    """

    def forward(self, u: Tensor) -> Tensor:
        check_features(u, self.width, "ResNetBlock input")
        weights, biases = self.step_weights()
        for w_k, b_k in zip(weights, biases, strict=True):
            u = u + self.h * torch.tanh(linear(u, w_k, b_k))
        self._record_fixed(nfe=self.n_steps, steps=self.n_steps)
        return u
