"""Hamiltonian-inspired reversible network (Chang et al., AAAI 2018), symplectic-Euler / Verlet split."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from ctdnn_bench._checks import check_features
from ctdnn_bench.dynamics._fixed_grid import AbstractFixedGridBlock, affine


def hamiltonian_steps(
    y: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor, z: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Verlet steps ``z <- z - h tanh(K_k^T y + b_k)``, ``y <- y + h tanh(K_k z + b_k)`` for every ``k``.

    Args:
        y: ``(..., batch, width)``.
        weights: ``(..., n_steps, width, width)``; leading dims broadcast with ``y``'s (a stack of models).
        biases: ``(..., n_steps, width)``.
        h: the step, a float or a tensor broadcastable to ``y``.
        z: the momentum at the start (default zeros), shaped as ``y``.

    Returns:
        The final ``(y, z)``.
    """
    z = torch.zeros_like(y) if z is None else z
    for w_k, b_k in zip(weights.unbind(-3), biases.unbind(-2), strict=True):  # unbind: see resnet_steps
        z = z - h * torch.tanh(affine(y, w_k.transpose(-1, -2), b_k))
        y = y + h * torch.tanh(affine(z, w_k, b_k))
    return y, z


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

    @staticmethod
    def steps(u: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor) -> Tensor:
        """The block's map on ``u`` (momentum starting at zero); shapes as :func:`hamiltonian_steps`."""
        return hamiltonian_steps(u, weights, biases, h)[0]

    def forward(self, u: Tensor) -> Tensor:
        check_features(u, self.width, "HamiltonianBlock input")
        y, _ = self.integrate(u, torch.zeros_like(u))
        return y

    def integrate(self, y: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """Run all steps from state ``(y, z)``, each ``(batch, width)``; returns the final ``(y, z)``."""
        weights, biases = self.grid_weights()
        y, z = hamiltonian_steps(y, weights, biases, self.h, z)
        self._record_fixed(nfe=2 * self.n_steps, steps=self.n_steps)
        return y, z

    def inverse(self, y: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """Undo :meth:`integrate`: the steps in reverse order, each half step inverted."""
        weights, biases = self.step_weights()
        for w_k, b_k in zip(reversed(weights), reversed(biases), strict=True):
            y = y - self.h * torch.tanh(affine(z, w_k, b_k))
            z = z + self.h * torch.tanh(affine(y, w_k.T, b_k))
        return y, z
