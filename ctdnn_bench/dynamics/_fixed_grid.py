"""What the fixed-grid (discretize-then-optimize) blocks share: the time grid and the weights on it."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from ctdnn_bench.bases import AbstractBasis
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.layers import TimeDependentLinear
from ctdnn_bench.stats import StatsMixin

#: Where the weights of step k are evaluated: ``linspace`` = ``linspace(t0, t1, n_steps)[k]`` (the authors' code;
#: spacing ``T / (n_steps - 1)`` while the step is ``T / n_steps``), ``left`` = ``t0 + k h`` (consistent Euler).
TIME_GRIDS = ("linspace", "left")


def step_times(t0: float, t1: float, n_steps: int, grid: str) -> np.ndarray:
    """Times ``t_k``, ``k = 0 .. n_steps - 1``, at which step ``k`` evaluates its weights."""
    if grid == "linspace":
        return np.linspace(t0, t1, n_steps)
    if grid == "left":
        return t0 + (t1 - t0) * np.arange(n_steps) / n_steps
    raise ConfigError(f"unknown time grid {grid!r}; choose one of: {', '.join(TIME_GRIDS)}")


def affine(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """``x W^T + b``: one model (``w``: ``(out, in)``), or a stack (``w``: ``(M, out, in)``, ``x``: ``(M, n, in)``)."""
    if w.dim() == 2:
        return nn.functional.linear(x, w, b)
    return torch.baddbmm(b.unsqueeze(-2), x, w.transpose(-1, -2))


class AbstractFixedGridBlock(StatsMixin, nn.Module):
    """A block of ``n_steps`` explicit steps of size ``h = (t1 - t0) / n_steps`` over the basis interval.

    Holds one :class:`TimeDependentLinear` ``layer`` (width x width) and the basis matrix on the step times as a
    buffer, so a forward pass computes all weights with one matrix product.

    Subclasses set ``NFE_PER_STEP`` (layer evaluations per step) and ``steps``, a pure function
    ``(u, weights, biases, h) -> u`` over the grid weights whose leading dimensions broadcast, so that a stack of
    models (:mod:`ctdnn_bench.training.ensemble`) runs the same arithmetic as one model.
    """

    @staticmethod
    def steps(u: Tensor, weights: Tensor, biases: Tensor, h: float | Tensor) -> Tensor:
        """The block's map over grid weights ``(..., n_steps, width, width)``; see the subclasses."""
        raise NotImplementedError

    basis_values: Tensor  # (n_steps, n_functions), the basis on the step times
    #: evaluations of the layer per step (the NFE of one forward pass is ``NFE_PER_STEP * n_steps``)
    NFE_PER_STEP: ClassVar[int] = 1

    def __init__(
        self,
        width: int,
        basis: AbstractBasis,
        *,
        n_steps: int = 12,
        time_grid: str = "linspace",
        init_std: float | None = None,
        time_init: str = "constant",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if n_steps < 1:
            raise ConfigError(f"n_steps must be >= 1, got {n_steps}")
        self.width, self.n_steps, self.time_grid = width, n_steps, time_grid
        self.h = (basis.t1 - basis.t0) / n_steps
        self.layer = TimeDependentLinear(
            width, width, basis, init_std=init_std, time_init=time_init, device=device, dtype=dtype
        )
        times = torch.as_tensor(step_times(basis.t0, basis.t1, n_steps, time_grid), device=device)
        self.register_buffer("basis_values", basis(times).to(dtype or torch.get_default_dtype()), persistent=False)
        self.grid_grad_sq: Tensor | None = None
        self._init_stats()

    @property
    def basis(self) -> AbstractBasis:
        """The time basis of the block's weights."""
        return self.layer.basis

    def grid_weights(self) -> tuple[Tensor, Tensor]:
        """Weights ``(n_steps, width, width)`` and biases ``(n_steps, width)`` on the step times.

        In a pass that records gradients, the backward pass adds the squared norm of the gradient with respect to
        these weights to :attr:`grid_grad_sq` (set it to None before the pass): unlike the coefficient gradient,
        whose scale depends on the basis, the gradient with respect to the weights the network actually uses is the
        same for the same function in any basis, so training reports it beside the coefficient gradient.
        """
        w, b = self.layer.weights_at(self.basis_values)
        assert b is not None
        if torch.is_grad_enabled() and w.requires_grad:
            w.register_hook(self._add_grad_sq)
            b.register_hook(self._add_grad_sq)
        return w, b

    def _add_grad_sq(self, grad: Tensor | None) -> None:
        if grad is None:  # parts of the graph that do not reach the output (gradcheck's probes)
            return
        sq = grad.detach().pow(2).sum()
        self.grid_grad_sq = sq if self.grid_grad_sq is None else self.grid_grad_sq + sq

    def step_weights(self) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        """Per-step weights ``K_k`` (width, width) and biases ``b_k`` (width,), ``k = 0 .. n_steps - 1``."""
        w, b = self.grid_weights()
        return w.unbind(0), b.unbind(0)
