"""Re-express a model's time-dependent weights in another polynomial basis without changing the function."""

from __future__ import annotations

import copy
from typing import TypeVar

import torch
from torch import nn

from ctdnn_bench.bases import make_basis
from ctdnn_bench.conditioning import change_of_basis
from ctdnn_bench.dynamics import AbstractFixedGridBlock, step_times
from ctdnn_bench.layers import TimeDependentLinear

M = TypeVar("M", bound=nn.Module)


def convert_basis(model: M, basis: str, domain: str | None = None) -> M:
    """A copy of ``model`` whose time-dependent layers use ``basis`` (same degree and interval).

    Coefficients are mapped with the exact change-of-basis matrix (:func:`~ctdnn_bench.conditioning.change_of_basis`),
    so ``theta(t)`` and hence the model's outputs are unchanged up to round-off. Polynomial bases only
    (monomial, legendre, chebyshev, in any domain). The original model is not modified.
    """
    new = copy.deepcopy(model)
    for module in new.modules():
        if isinstance(module, TimeDependentLinear):
            old = module.basis
            target = make_basis(basis, old.degree, old.t0, old.t1, domain)
            m = torch.as_tensor(
                change_of_basis(old, target), dtype=module.weight_coef.dtype, device=module.weight_coef.device
            )
            with torch.no_grad():
                module.weight_coef.copy_(torch.tensordot(m, module.weight_coef, dims=1))
                if module.bias_coef is not None:
                    module.bias_coef.copy_(torch.tensordot(m, module.bias_coef, dims=1))
            module.basis = target
    for module in new.modules():  # fixed-grid blocks cache the basis on their step times
        if isinstance(module, AbstractFixedGridBlock):
            b = module.basis
            times = torch.as_tensor(step_times(b.t0, b.t1, module.n_steps, module.time_grid))
            module.basis_values = b(times).to(module.layer.weight_coef)
    return new
