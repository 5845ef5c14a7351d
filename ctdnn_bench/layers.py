"""A linear layer whose weight and bias are expanded in a time basis."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ctdnn_bench.bases import AbstractBasis
from ctdnn_bench.errors import ConfigError

#: How the coefficients start: ``constant`` puts one random draw on the constant function (weights constant in time,
#: the paper's Sec. 7 / Meganet ``initTheta``); ``random`` draws every coefficient independently.
TIME_INITS = ("constant", "random")


class TimeDependentLinear(nn.Module):
    """``y = W(t) x + b(t)`` with ``W(t) = sum_k p_k(t) W_k`` and ``b(t) = sum_k p_k(t) b_k``.

    Coefficients are stored with a leading basis axis: ``weight_coef`` has shape ``(n, out, in)`` and ``bias_coef``
    ``(n, out)``, ``n = basis.n_functions``. Weights at many times come from one matrix product
    (:meth:`weights_at`); at one time (adaptive solvers) from one small product (:meth:`forward`).

    Args:
        in_features: input width.
        out_features: output width.
        basis: the time basis (its interval is the layer's time interval).
        bias: whether there is a time-dependent bias.
        init_std: standard deviation of the weight draw; default ``sqrt(2 / in_features)`` (He, as the paper).
        time_init: one of :data:`TIME_INITS`.
        device, dtype: as for torch modules.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        basis: AbstractBasis,
        *,
        bias: bool = True,
        init_std: float | None = None,
        time_init: str = "constant",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ConfigError(f"layer widths must be >= 1, got in={in_features}, out={out_features}")
        if time_init not in TIME_INITS:
            raise ConfigError(f"unknown time_init {time_init!r}; choose one of: {', '.join(TIME_INITS)}")
        self.basis = basis
        self.in_features, self.out_features = in_features, out_features
        n = basis.n_functions
        std = math.sqrt(2.0 / in_features) if init_std is None else init_std
        kw: dict[str, Any] = {"device": device, "dtype": dtype or torch.get_default_dtype()}
        if time_init == "constant":
            shape = torch.as_tensor(basis.constant_coefficients(), **kw)
            w = shape[:, None, None] * (std * torch.randn(out_features, in_features, **kw))
        else:
            w = std * torch.randn(n, out_features, in_features, **kw)
        self.weight_coef = nn.Parameter(w)
        self.bias_coef = nn.Parameter(torch.zeros(n, out_features, **kw)) if bias else None

    def weights_at(self, p: Tensor) -> tuple[Tensor, Tensor | None]:
        """Weights and biases for basis values ``p``.

        Args:
            p: ``(n,)`` for one time or ``(m, n)`` for ``m`` times (rows of the basis matrix).

        Returns:
            ``W`` of shape ``(out, in)`` or ``(m, out, in)``, and ``b`` of shape ``(out,)`` or ``(m, out)`` (or None).
        """
        w = torch.tensordot(p, self.weight_coef, dims=1)
        b = None if self.bias_coef is None else torch.tensordot(p, self.bias_coef, dims=1)
        return w, b

    def forward(self, t: Tensor | float, x: Tensor) -> Tensor:
        """Apply the layer at time ``t`` (scalar) to ``x`` of shape ``(batch, in)`` -> ``(batch, out)``."""
        p = self.basis(torch.as_tensor(t, dtype=x.dtype, device=x.device))
        w, b = self.weights_at(p)
        return nn.functional.linear(x, w, b)

    def extra_repr(self) -> str:
        return f"in={self.in_features}, out={self.out_features}, basis={self.basis}"
