"""Meganet's ADAM, the optimizer of the authors' MATLAB runs (paper.md Sec. 2.8; Meganet ``sgd.m`` with ``ADAM``).

It differs from Kingma & Ba's Adam (``torch.optim.Adam``) in two places::

    m <- b1 m + (1 - b1) g,     v <- b2 v + (1 - b2) g^2
    x <- x - lr (m / (1 - b1^e)) / sqrt(v / (1 - b2^e) + eps)

- the bias correction uses the **epoch** index ``e`` (1, 2, ...; the same for every minibatch of an epoch), not the
  step count ``n``;
- ``eps`` is added **inside** the square root.

Under a constant gradient the ratio of its step to Adam's is ``((1 - b1^n) / (1 - b1^e)) / sqrt((1 - b2^n) /
(1 - b2^e))``: with 55 minibatches per epoch (ELM, batch 32) 1.36 at the end of epoch 1, 0.24 at epoch 10, 0.31 at
epoch 100. The moments start at zero and are never reset between epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor

from ctdnn_bench.errors import ConfigError


def adam_meganet_update(
    param: Tensor,
    grad: Tensor,
    m: Tensor,
    v: Tensor,
    *,
    lr: float | Tensor,
    beta1: float,
    beta2: float,
    eps: float,
    epoch: int,
) -> tuple[Tensor, Tensor, Tensor]:
    """One Meganet ADAM step, elementwise and pure (nothing is modified in place).

    Args:
        param, grad, m, v: the parameter, its gradient and the first and second moments, all of one shape (e.g.
            ``(M, ...)`` for ``M`` stacked models).
        lr: learning rate, a float or a tensor broadcastable to ``param`` (per model or per coefficient).
        beta1, beta2: moment decay rates (Meganet: 0.9, the ``momentum`` default, and 0.999).
        eps: added to the bias-corrected second moment inside the square root (Meganet: 1e-8).
        epoch: the 1-based epoch index that the bias correction uses.

    Returns:
        ``(param, m, v)`` after the step.
    """
    if epoch < 1:
        raise ConfigError(f"Meganet ADAM's epoch index starts at 1, got {epoch}")
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    step = lr * (m / (1 - beta1**epoch)) / torch.sqrt(v / (1 - beta2**epoch) + eps)
    return param - step, m, v


class MeganetAdam(torch.optim.Optimizer):
    """:func:`adam_meganet_update` as a torch optimizer.

    The training loop tells it the epoch: ``group["epoch"]`` (default 1) is read at every step; set it with
    :func:`set_epoch` at the start of each epoch.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (Meganet runs of the paper: 1e-3).
        betas: ``(beta1, beta2)``.
        eps: added inside the square root.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if not (lr > 0 and eps >= 0 and 0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ConfigError(f"need lr > 0, eps >= 0 and betas in [0, 1); got lr={lr}, eps={eps}, betas={betas}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "epoch": 1})

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Update every parameter that has a gradient; returns ``closure()``'s loss if a closure is given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["m"], state["v"] = torch.zeros_like(p), torch.zeros_like(p)
                new, state["m"], state["v"] = adam_meganet_update(
                    p,
                    p.grad,
                    state["m"],
                    state["v"],
                    lr=group["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    eps=group["eps"],
                    epoch=group["epoch"],
                )
                p.copy_(new)
        return loss


def set_epoch(optimizer: torch.optim.Optimizer, epoch: int) -> None:
    """Tell an optimizer that counts epochs (:class:`MeganetAdam`) which epoch starts; others are left alone."""
    if isinstance(optimizer, MeganetAdam):
        for group in optimizer.param_groups:
            group["epoch"] = epoch
