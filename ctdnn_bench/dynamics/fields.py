"""Time-dependent vector fields ``f(t, u)`` for the neural-ODE block."""

from __future__ import annotations

import itertools
from typing import cast

import torch
from torch import Tensor, nn

from ctdnn_bench.bases import AbstractBasis
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.layers import TimeDependentLinear


class TanhLayerField(nn.Module):
    """``f(t, u) = tanh(K(t) u + b(t))``: the ResNet right-hand side in continuous time. ``u``: ``(batch, width)``.

    Args:
        width: state width.
        basis: time basis of ``K`` and ``b``.
        init_std, time_init, device, dtype: passed to :class:`TimeDependentLinear`.
    """

    def __init__(
        self,
        width: int,
        basis: AbstractBasis,
        *,
        init_std: float | None = None,
        time_init: str = "constant",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.width = width
        self.layer = TimeDependentLinear(
            width, width, basis, init_std=init_std, time_init=time_init, device=device, dtype=dtype
        )

    @property
    def basis(self) -> AbstractBasis:
        """The time basis of the field's weights."""
        return self.layer.basis

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        return torch.tanh(self.layer(t, u))


class MLPField(nn.Module):
    """``f(t, u) = L_m(t)(tanh(... tanh(L_1(t)(g(u)))))``, all layers time dependent, no activation at the end.

    The paper's surrogate neural ODE uses widths ``(15, 50, 15)`` with ``g(u) = u``; the spiral task uses
    ``(2, 50, 2)`` with ``g(u) = u^3`` (``cube_input=True``) and ``init_std=0.1`` (torchdiffeq's ``ode_demo``).

    Args:
        widths: layer widths, first = last = state width, at least two entries.
        basis: time basis shared by all layers.
        cube_input: apply ``g(u) = u**3`` to the input.
        init_std: weight init std (default He, ``sqrt(2 / fan_in)``).
        time_init, device, dtype: passed to :class:`TimeDependentLinear`.
    """

    def __init__(
        self,
        widths: tuple[int, ...],
        basis: AbstractBasis,
        *,
        cube_input: bool = False,
        init_std: float | None = None,
        time_init: str = "constant",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if len(widths) < 2 or widths[0] != widths[-1]:
            raise ConfigError(
                f"MLPField widths must have >= 2 entries and equal first and last (the state width), got {widths}"
            )
        self.width, self.cube_input = widths[0], cube_input
        self.layers = nn.ModuleList(
            TimeDependentLinear(a, b, basis, init_std=init_std, time_init=time_init, device=device, dtype=dtype)
            for a, b in itertools.pairwise(widths)
        )

    @property
    def basis(self) -> AbstractBasis:
        """The time basis shared by all layers."""
        first = self.layers[0]
        assert isinstance(first, TimeDependentLinear)
        return first.basis

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        x = u**3 if self.cube_input else u
        p = self.basis(torch.as_tensor(t, dtype=u.dtype, device=u.device))  # one basis evaluation for all layers
        for i, layer in enumerate(self.layers):
            if i:
                x = torch.tanh(x)
            w, b = cast(TimeDependentLinear, layer).weights_at(p)
            x = nn.functional.linear(x, w, b)
        return x
