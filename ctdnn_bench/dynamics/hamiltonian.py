"""Hamiltonian-inspired reversible network (Chang et al., AAAI 2018), symplectic-Euler / Verlet split."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor
from torch.nn.functional import linear

from ctdnn_bench._checks import check_features
from ctdnn_bench.dynamics._fixed_grid import AbstractFixedGridBlock


class HamiltonianBlock(AbstractFixedGridBlock):
    """Discretizes ``y' = tanh(K(t) z + b(t))``, ``z' = -tanh(K(t)^T y + b(t))`` with ``y(0) = u``, ``z(0) = 0``.

    Paper Sec. 2.5 (Meganet ``HamiltonianNN``), for ``k = 0 .. n_steps - 1``::

        z <- z - h tanh(K_k^T y + b_k)
        y <- y + h tanh(K_k z + b_k)      (uses the updated z)

    One ``K_k, b_k`` serves both half steps. Each half step is a shear with unit-triangular Jacobian, so the map
    ``(y, z) -> (y', z')`` preserves volume and is exactly invertible (:meth:`inverse`). Output: ``y``, shape
    ``(batch, width)``. Counts two vector-field evaluations per step.
    """

    NFE_PER_STEP: ClassVar[int] = 2

    def forward(self, u: Tensor) -> Tensor:
        check_features(u, self.width, "HamiltonianBlock input")
        y, _ = self.integrate(u, torch.zeros_like(u))
        return y

    def integrate(self, y: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """Run all steps from state ``(y, z)``, each ``(batch, width)``; returns the final ``(y, z)``."""
        weights, biases = self.step_weights()
        for w_k, b_k in zip(weights, biases, strict=True):
            z = z - self.h * torch.tanh(linear(y, w_k.T, b_k))
            y = y + self.h * torch.tanh(linear(z, w_k, b_k))
        self._record_fixed(nfe=self.NFE_PER_STEP * self.n_steps, steps=self.n_steps)
        return y, z

    def inverse(self, y: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """Undo :meth:`integrate`: the steps in reverse order, each half step inverted."""
        weights, biases = self.step_weights()
        for w_k, b_k in zip(reversed(weights), reversed(biases), strict=True):
            y = y - self.h * torch.tanh(linear(z, w_k, b_k))
            z = z + self.h * torch.tanh(linear(y, w_k.T, b_k))
        return y, z
