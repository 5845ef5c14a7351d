"""What the factorial experiment varies besides the basis: the L2-in-time regularizer and per-coefficient learning
rates.

**Regularizer.** ``TrainConfig(regularizer="l2_time")`` penalizes ``(alpha1 / 2) int_0^T ||theta(t)||^2 dt =
(alpha1 / 2) sum_de M_de <theta_d, theta_e>`` on every time-dependent layer, with ``M`` the layer basis' Gram matrix
on ``[0, T]`` (:func:`~ctdnn_bench.conditioning.gram_matrix`; paper.md Sec. 2.3). It depends on the function
``theta(t)`` only, not on the basis that represents it; the default ``coefficients`` penalizes the squared norm of
the coefficients, which for one function differs by ``T^(2k)`` between monomials on ``[0, T]`` and on ``[0, 1]``.

**Learning rate.** Of the two treatments the issue offers, this module builds per-coefficient learning rates
(``TrainConfig(lr_scaling="unit_time")``) rather than a learning-rate sweep, because:

- it isolates exactly the mechanism in question: Adam is invariant to a diagonal rescaling of the parameters except
  through ``eps`` and the learning rate, and coefficient ``k`` of a monomial on ``[0, T]`` is ``T^-k`` times that
  of the monomial on ``[0, 1]`` representing the same function, so ``lr_k = lr * T^-k`` makes Adam on raw-time
  monomials take the steps Adam takes on unit-time monomials (in function space, ``eps`` aside: tested); the
  remaining raw-vs-unit difference is then the initialization and the regularizer, which the other factors cover;
- a sweep would triple the grid (and the time) and confound "a better learning rate exists" with "the scaling is
  the problem"; one matched arm answers the second question at no extra cost.

For Legendre and Chebyshev polynomials evaluated on raw time ``[0, T]`` (``domain="raw"``) the change to ``[0, 1]``
is not diagonal, so ``T^-k`` matches only the leading term ``t^k`` of ``p_k`` (the columns' growth); for bases on
``unit`` or ``symmetric`` domains the treatment is the identity (their coefficients already live on a fixed
interval), and for non-polynomial bases too.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np
import torch
from torch import Tensor, nn

from ctdnn_bench.bases import AbstractBasis
from ctdnn_bench.conditioning import gram_matrix
from ctdnn_bench.layers import TimeDependentLinear

#: Bases whose coefficient k scales like ``T^k`` on raw time (polynomials of degree k).
POLYNOMIAL_BASES = ("monomial", "legendre", "chebyshev")


@functools.lru_cache(maxsize=256)
def _gram(basis: AbstractBasis) -> np.ndarray:
    return gram_matrix(basis)


def gram(basis: AbstractBasis, like: Tensor) -> Tensor:
    """The L2 Gram matrix of ``basis`` on its interval ``[t0, t1]`` as a tensor of ``like``'s dtype and device."""
    return torch.as_tensor(_gram(basis), dtype=like.dtype, device=like.device)


def gram_penalty(coef: Tensor, m: Tensor) -> Tensor:
    """``sum_de M_de <c_d, c_e>`` for coefficients ``c`` with a leading basis axis (``(n, ...)``)."""
    c = coef.flatten(1)
    return (c * (m @ c)).sum()


def l2_time_penalty(module: nn.Module) -> Tensor | float:
    """``int ||theta(t)||^2 dt`` of every time-dependent layer in ``module`` plus the squared norm of its other
    parameters (which do not depend on time)."""
    total: Tensor | float = 0.0
    seen: set[int] = set()
    for layer in module.modules():
        if isinstance(layer, TimeDependentLinear):
            m = gram(layer.basis, layer.weight_coef)
            for coef in (layer.weight_coef, layer.bias_coef):
                if coef is not None:
                    total = total + gram_penalty(coef, m)
                    seen.add(id(coef))
    for p in module.parameters():
        if id(p) not in seen:
            total = total + p.pow(2).sum()
    return total


def coefficient_lr_scales(basis: AbstractBasis) -> np.ndarray:
    """Learning-rate factors ``(n,)`` of the ``unit_time`` treatment: ``T^-k`` for a polynomial basis on raw time
    ``[t0, t0 + T]``, ones otherwise."""
    n = basis.n_functions
    if basis.name not in POLYNOMIAL_BASES or basis.domain != "raw":
        return np.ones(n)
    big_t = basis.t1 - basis.t0
    return np.array([big_t ** (-k) for k in range(n)])


def parameter_lr_scales(model: nn.Module, params: Iterable[Tensor]) -> list[Tensor | None]:
    """Per-parameter factors for :class:`ScaledAdam` (broadcastable to the parameter), None where it is 1."""
    by_id: dict[int, Tensor] = {}
    for layer in model.modules():
        if isinstance(layer, TimeDependentLinear):
            s = coefficient_lr_scales(layer.basis)
            for coef in (layer.weight_coef, layer.bias_coef):
                if coef is not None:
                    shape = (-1, *([1] * (coef.dim() - 1)))
                    by_id[id(coef)] = torch.as_tensor(s, dtype=coef.dtype, device=coef.device).view(shape)
    return [by_id.get(id(p)) for p in params]


class ScaledAdam(torch.optim.Optimizer):
    """Adam (torch's defaults: bias correction by step count, eps outside the square root) with a learning-rate
    factor per element; its arithmetic is that of :class:`~ctdnn_bench.training.stack.StackedAdam`, so a stacked
    member takes the same steps.

    Args:
        params: the parameters.
        scales: one factor tensor per parameter (broadcastable to it), or None for 1.
        lr, betas, eps: as ``torch.optim.Adam``.
    """

    def __init__(
        self,
        params: list[nn.Parameter],
        scales: list[Tensor | None],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})
        for p, s in zip(params, scales, strict=True):
            self.state[p]["scale"] = torch.ones((), dtype=p.dtype, device=p.device) if s is None else s
        self._step = 0

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        self._step += 1
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            bias1, bias2_sqrt = 1 - beta1**self._step, math.sqrt(1 - beta2**self._step)
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, grad = self.state[p], p.grad
                if "m" not in state:
                    state["m"], state["v"] = torch.zeros_like(p), torch.zeros_like(p)
                m = state["m"].lerp(grad, 1 - beta1)
                v = state["v"] * beta2 + (1 - beta2) * grad * grad
                denom = (v.sqrt() / bias2_sqrt).add_(group["eps"])
                step_size = (group["lr"] * state["scale"]) / bias1
                p.copy_(p - step_size * m / denom)
                state["m"], state["v"] = m, v
