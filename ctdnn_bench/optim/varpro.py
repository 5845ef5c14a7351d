"""The variable-projection (VarPro) residual of a surrogate model: the decoder is eliminated by a ridge solve.

Newman, Ruthotto, Hart, van Bloemen Waanders, "Train Like a (Var)Pro", SIMODS 2021 (Meganet
``dnnVarProRegressionObjFctn``). With features ``Z = net(theta; Y)`` (the state ``u(T)``), ``n`` samples as rows,
``Zh = n^(-1/2) [Z, 1]`` of shape ``(n, width + 1)`` and ``Ch = n^(-1/2) C`` of shape ``(n, n_out)``, the decoder
(here acting on rows, ``pred = [z, 1] W``, the transpose of the paper's ``W [z; 1]``) is

    W(theta) = argmin_W 1/2 ||Zh W - Ch||_F^2 + alpha2/2 ||W||_F^2 = (Zh^T Zh + alpha2 I)^(-1) Zh^T Ch,

and the reduced residual is ``r(theta) = [vec(Zh W - Ch); sqrt(alpha1) theta; sqrt(alpha2) vec(W)]``, so that
``1/2 ||r||^2 = half_mse loss + alpha1/2 ||theta||^2 + alpha2/2 ||W||^2``: the objective of the ADAM runs with
W optimal. Differentiating through the solve gives the exact Jacobian, including ``dW/dtheta``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.func import functional_call

from ctdnn_bench.errors import ConfigError, ShapeError
from ctdnn_bench.models import SurrogateModel


class _Features(nn.Module):
    """``x -> dynamics(tanh(encoder(x)))``: the part of the model that theta parameterizes."""

    def __init__(self, model: SurrogateModel) -> None:
        super().__init__()
        self.encoder, self.dynamics = model.encoder, model.dynamics

    def forward(self, x: Tensor) -> Tensor:
        return self.dynamics(torch.tanh(self.encoder(x)))


class VarProObjective:
    """``theta -> r(theta)`` for a surrogate model on one (full) batch; theta = encoder + dynamics parameters.

    Args:
        model: the surrogate model; its encoder and dynamics define the features, its decoder is only written by
            :meth:`load`.
        x: inputs, shape ``(n, n_in)``.
        y: targets, shape ``(n, n_out)``.
        alpha1: Tikhonov weight on theta (paper: 1e-5).
        alpha2: ridge weight on the decoder (paper: 1e-3; must be > 0 unless ``[Z, 1]`` has full column rank).
    """

    def __init__(self, model: SurrogateModel, x: Tensor, y: Tensor, *, alpha1: float, alpha2: float) -> None:
        if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
            raise ShapeError(
                f"need x (n, n_in) and y (n, n_out) with the same n, got {tuple(x.shape)}, {tuple(y.shape)}"
            )
        if alpha1 < 0 or alpha2 < 0:
            raise ConfigError(f"regularization weights must be >= 0, got alpha1={alpha1}, alpha2={alpha2}")
        self.model, self.net = model, _Features(model)
        self.x, self.alpha1, self.alpha2 = x, alpha1, alpha2
        self.n = x.shape[0]
        self.ch = y / math.sqrt(self.n)
        params = dict(self.net.named_parameters())
        self.names = list(params)
        self.shapes = [p.shape for p in params.values()]
        self.sizes = [p.numel() for p in params.values()]

    @property
    def n_theta(self) -> int:
        """The number of optimized parameters (the paper's nParams)."""
        return sum(self.sizes)

    def theta(self) -> Tensor:
        """The model's current encoder and dynamics parameters as one flat vector, shape ``(n_theta,)``."""
        return torch.cat([p.detach().reshape(-1) for p in self.net.parameters()])

    def features(self, theta: Tensor) -> Tensor:
        """``Zh = n^(-1/2) [Z, 1]``, shape ``(n, width + 1)``."""
        params = {k: t.view(s) for k, t, s in zip(self.names, theta.split(self.sizes), self.shapes, strict=True)}
        z = functional_call(self.net, params, (self.x,))
        return torch.cat([z, torch.ones_like(z[:, :1])], dim=1) / math.sqrt(self.n)

    def decoder(self, zh: Tensor) -> Tensor:
        """The ridge solution ``W = (Zh^T Zh + alpha2 I)^(-1) Zh^T Ch``, shape ``(width + 1, n_out)``."""
        gram = zh.T @ zh + self.alpha2 * torch.eye(zh.shape[1], dtype=zh.dtype, device=zh.device)
        return torch.linalg.solve(gram, zh.T @ self.ch)

    def full_residual(self, theta: Tensor, w: Tensor) -> Tensor:
        """The residual with the decoder ``w`` (``(width + 1, n_out)``) as a free variable, shape ``(m,)``."""
        return self._stack(self.features(theta), theta, w)

    def residual(self, theta: Tensor) -> Tensor:
        """The reduced residual ``r(theta)``, shape ``(n n_out + n_theta + (width + 1) n_out,)``."""
        zh = self.features(theta)
        return self._stack(zh, theta, self.decoder(zh))

    def _stack(self, zh: Tensor, theta: Tensor, w: Tensor) -> Tensor:
        parts = [(zh @ w - self.ch).reshape(-1), math.sqrt(self.alpha1) * theta, math.sqrt(self.alpha2) * w.reshape(-1)]
        return torch.cat(parts)

    def data_residual(self, residual: Tensor) -> Tensor:
        """The data part of a residual as ``pred - y``, shape ``(n, n_out)`` (undoes the ``n^(-1/2)`` scaling)."""
        return residual[: self.ch.numel()].view_as(self.ch) * math.sqrt(self.n)

    def load(self, theta: Tensor) -> None:
        """Write theta into the encoder and dynamics and ``W(theta)`` into the decoder."""
        with torch.no_grad():
            for p, t in zip(self.net.parameters(), theta.split(self.sizes), strict=True):
                p.copy_(t.view_as(p))
            w = self.decoder(self.features(theta))
            self.model.decoder.weight.copy_(w[:-1].T)
            self.model.decoder.bias.copy_(w[-1])
