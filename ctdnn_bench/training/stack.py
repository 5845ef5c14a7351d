"""M surrogate models of one shape as stacked tensors with a leading model axis, and Adam over them per model.

The networks of the paper are tiny (width 15), so one training step costs Python and dispatch overhead rather than
arithmetic. Stacking M runs that share every shape turns M small matrix products into one batched product, while
each model keeps its own numbers: its own basis matrix on its own step grid (basis family, time domain and T may
differ), its own regularization weights, learning rate, clipping threshold and Adam state. Nothing couples two
models: every operation is batched along the model axis, and reductions never cross it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ctdnn_bench.dynamics import AbstractFixedGridBlock
from ctdnn_bench.dynamics._fixed_grid import affine
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import SurrogateModel
from ctdnn_bench.training.time_scaling import coefficient_lr_scales, gram

#: Stacked parameters in the order of ``SurrogateModel.parameters()`` (clipping and Adam see the same order).
PARAMS = ("enc_w", "enc_b", "coef_w", "coef_b", "dec_w", "dec_b")
THETA = ("enc_w", "enc_b", "coef_w", "coef_b")  # regularized with alpha1; the decoder with alpha2


def _members_tensor(values: list[float], like: Tensor, dims: int) -> Tensor:
    """A per-model number as a tensor ``(M, 1, ..., 1)`` with ``dims`` trailing unit axes."""
    return torch.tensor(values, dtype=like.dtype, device=like.device).view(-1, *([1] * dims))


def _fixed_grid_block(model: SurrogateModel) -> AbstractFixedGridBlock:
    if not isinstance(model.dynamics, AbstractFixedGridBlock):
        raise ConfigError("only fixed-grid blocks (resnet, hamiltonian, leapfrog) can train stacked")
    return model.dynamics


def _pad(t: Tensor, name: str, n: int) -> Tensor:
    """Coefficients (and basis matrix columns, transposed) padded with zeros to ``n`` basis functions.

    A zero column of the basis matrix gives its coefficient a zero data gradient, and a zero coefficient a zero
    Tikhonov gradient, so Adam never moves it (its step is 0 / (0 + eps)): models with fewer basis functions train
    in a stack with more, computing the same numbers.
    """
    if name in ("enc_w", "enc_b", "dec_w", "dec_b") or t.shape[0] == n:
        return t
    return torch.cat([t, t.new_zeros(n - t.shape[0], *t.shape[1:])])


def _parts(model: SurrogateModel) -> tuple[Tensor, ...]:
    """A model's parameters in the order of :data:`PARAMS`."""
    layer = _fixed_grid_block(model).layer
    assert layer.bias_coef is not None
    enc, dec = model.encoder, model.decoder
    return enc.weight, enc.bias, layer.weight_coef, layer.bias_coef, dec.weight, dec.bias


class StackedSurrogate:
    """``M`` surrogate models with a fixed-grid block, stacked along a leading model axis.

    Args:
        models: models of one shape (same architecture, widths and number of steps; models with fewer basis
            functions are padded with zero coefficients, see :func:`_pad`); their
            current parameters are copied, so ``build_model`` and the ridge warm start stay the single source of
            initial values.

    Attributes:
        params: stacked leaf tensors by name (:data:`PARAMS`): ``enc_w`` ``(M, width, n_in)``, ``enc_b``
            ``(M, width)``, ``coef_w`` ``(M, n, width, width)``, ``coef_b`` ``(M, n, width)`` (``n``: the most
            basis functions of a member), ``dec_w`` ``(M, n_out, width)``, ``dec_b`` ``(M, n_out)``.
        nfe_per_pass: layer evaluations of one forward pass of one model (``NFE_PER_STEP x n_steps``).
        gram: per-model L2 Gram matrices of the layer's basis on ``[0, T]``, ``(M, n, n)``, zero-padded.
        lr_scales: per-model learning-rate factors of the ``unit_time`` treatment by parameter name, broadcastable
            to the stacked parameter (ones for the encoder and decoder, and where padded).
    """

    def __init__(self, models: list[SurrogateModel]) -> None:
        blocks = [_fixed_grid_block(m) for m in models]
        kinds = {type(b) for b in blocks}
        if len(kinds) != 1:
            raise ConfigError(f"a stack needs one architecture, got {sorted(k.__name__ for k in kinds)}")
        block_type = kinds.pop()
        self.steps = block_type.steps
        self.nfe_per_pass = block_type.NFE_PER_STEP * blocks[0].n_steps
        self.n_functions = [b.basis_values.shape[1] for b in blocks]
        try:
            self.params = {
                k: torch.stack([_pad(p.detach(), k, max(self.n_functions)) for p in v]).clone().requires_grad_()
                for k, v in zip(PARAMS, zip(*(_parts(m) for m in models), strict=True), strict=True)
            }
            self.basis_values = torch.stack([_pad(b.basis_values.T, "", max(self.n_functions)).T for b in blocks])
        except RuntimeError as exc:  # stack() refuses different shapes
            raise ConfigError(f"models of different shapes cannot be stacked: {exc}") from None
        like = self.params["enc_w"]
        n = max(self.n_functions)
        self.gram = torch.stack(
            [
                torch.nn.functional.pad(gram(b.layer.basis, like), (0, n - k, 0, n - k))
                for b, k in zip(blocks, self.n_functions, strict=True)
            ]
        )
        scales = torch.stack(
            [
                torch.nn.functional.pad(
                    torch.as_tensor(coefficient_lr_scales(b.layer.basis), dtype=like.dtype, device=like.device),
                    (0, n - k),
                    value=1.0,
                )
                for b, k in zip(blocks, self.n_functions, strict=True)
            ]
        )
        self.lr_scales = {
            k: scales.view(len(models), n, *([1] * (self.params[k].dim() - 2)))
            if k.startswith("coef")
            else torch.ones((), dtype=like.dtype, device=like.device)
            for k in PARAMS
        }
        self.h = _members_tensor([b.h for b in blocks], like, 2)
        self.size = len(models)
        self._grid: tuple[Tensor, Tensor] | None = None

    def forward(self, x: Tensor) -> Tensor:
        """Predictions ``(M, batch, n_out)`` for inputs ``(M, batch, n_in)`` (each model its own batch) or
        ``(batch, n_in)`` (one batch for all)."""
        p = self.params
        if x.dim() == 2:
            x = x.expand(self.size, *x.shape)
        u = torch.tanh(affine(x, p["enc_w"], p["enc_b"]))
        w = torch.einsum("msf,mfoi->msoi", self.basis_values, p["coef_w"])  # (M, n_steps, width, width)
        b = torch.einsum("msf,mfo->mso", self.basis_values, p["coef_b"])  # (M, n_steps, width)
        if torch.is_grad_enabled():
            w.retain_grad()
            b.retain_grad()
            self._grid = (w, b)
        return affine(self.steps(u, w, b, self.h), p["dec_w"], p["dec_b"])

    def regularization(self, alpha1: Tensor, alpha2: Tensor, l2_time: Tensor | None = None) -> Tensor:
        """``(alpha1 / 2) ||theta_m||^2 + (alpha2 / 2) ||W_m||^2`` per model, ``(M,)``; alphas are ``(M,)``.

        Members where ``l2_time`` (``(M,)`` bool) is true penalize the dynamics coefficients by the L2-in-time
        norm ``sum_de G_de <theta_d, theta_e>`` instead (``G``: :attr:`gram`; the encoder keeps its squared norm).
        """

        def sq(names: tuple[str, ...]) -> Tensor:
            return torch.stack([self.params[k].pow(2).flatten(1).sum(1) for k in names]).sum(0)

        theta = sq(THETA)
        if l2_time is not None and bool(l2_time.any()):
            in_time = sq(("enc_w", "enc_b"))
            for k in ("coef_w", "coef_b"):
                c = self.params[k].flatten(2)  # (M, n, F)
                in_time = in_time + (c * (self.gram @ c)).flatten(1).sum(1)
            theta = torch.where(l2_time, in_time, theta)
        return 0.5 * alpha1 * theta + 0.5 * alpha2 * sq(("dec_w", "dec_b"))

    def grad_norms(self) -> tuple[Tensor, Tensor]:
        """After a backward pass: per-model norms ``(M,)`` of the coefficient gradient and of the function-space
        gradient (encoder, decoder and the step weights ``K(t_k), b(t_k)``; see ``function_space_grad_norm``)."""
        g = {k: self.params[k].grad for k in PARAMS}
        per = {k: torch.linalg.vector_norm(v.flatten(1), dim=1) for k, v in g.items() if v is not None}
        coef = torch.linalg.vector_norm(torch.stack([per[k] for k in PARAMS]), dim=0)
        assert self._grid is not None and self._grid[0].grad is not None and self._grid[1].grad is not None
        outer = torch.stack([per[k] ** 2 for k in ("enc_w", "enc_b", "dec_w", "dec_b")]).sum(0)
        grid = torch.stack([t.grad.pow(2).flatten(1).sum(1) for t in self._grid if t.grad is not None]).sum(0)
        return coef, torch.sqrt(grid + outer)

    def clip_(self, norms: Tensor, clip: Tensor) -> None:
        """Scale each model's gradient by ``min(1, clip_m / (norm_m + 1e-6))``, as ``clip_grad_norm_`` does."""
        if bool(torch.isinf(clip).all()):  # no clipping anywhere: the factor is exactly 1
            return
        coef = torch.clamp(clip / (norms + 1e-6), max=1.0)
        for k in PARAMS:
            grad = self.params[k].grad
            assert grad is not None
            grad.mul_(coef.view(-1, *([1] * (grad.dim() - 1))))

    def load_into(self, models: list[SurrogateModel]) -> None:
        """Copy each model's slice of the stacked parameters back into ``models`` (for the final evaluation)."""
        with torch.no_grad():
            for i, m in enumerate(models):
                for t, k in zip(_parts(m), PARAMS, strict=True):
                    t.copy_(self.params[k][i][: self.n_functions[i]] if k.startswith("coef") else self.params[k][i])


class StackedAdam:
    """Adam over stacked parameters with a learning rate per model and a mask of models that still train.

    Adam acts elementwise, so on stacked tensors it is exactly per-model Adam; the arithmetic follows
    ``torch.optim.Adam`` (betas 0.9/0.999, eps 1e-8, bias correction by step count), so a stacked model takes the
    steps a single run takes. Models outside ``active`` keep their parameters and moments.

    Args:
        params: the stacked leaf tensors.
        lr: learning rate per model, ``(M,)``.
        scales: per-parameter learning-rate factors broadcastable to the stacked tensor (the ``unit_time``
            treatment, :attr:`StackedSurrogate.lr_scales`); None = 1 everywhere.
    """

    def __init__(
        self,
        params: dict[str, Tensor],
        lr: Tensor,
        betas: tuple[float, float] = (0.9, 0.999),
        scales: dict[str, Tensor] | None = None,
    ) -> None:
        self.params, self.lr, self.betas, self.eps = params, lr, betas, 1e-8
        self.scales = scales or {}
        self.m = {k: torch.zeros_like(p) for k, p in params.items()}
        self.v = {k: torch.zeros_like(p) for k, p in params.items()}
        self.t = 0
        # one learning rate for all and no per-coefficient factors: the in-place fast path of torch's Adam applies
        self._uniform_lr = float(lr[0]) if bool((lr == lr[0]).all()) and not self.scales else None

    @torch.no_grad()
    def step(self, active: Tensor) -> None:
        """One Adam step for the models where ``active`` (``(M,)`` bool) is true."""
        self.t += 1
        beta1, beta2 = self.betas
        bias1, bias2_sqrt = 1 - beta1**self.t, math.sqrt(1 - beta2**self.t)
        if self._uniform_lr is not None and bool(active.all()):
            self._step_all(self._uniform_lr / bias1, bias2_sqrt)
            return
        for k, p in self.params.items():
            grad = p.grad
            assert grad is not None
            shape = (-1, *([1] * (p.dim() - 1)))
            mask = active.view(shape)
            m = torch.where(mask, self.m[k].lerp(grad, 1 - beta1), self.m[k])
            v = torch.where(mask, self.v[k] * beta2 + (1 - beta2) * grad * grad, self.v[k])
            denom = (v.sqrt() / bias2_sqrt).add_(self.eps)
            scale = self.scales.get(k)
            lr = self.lr.view(shape) if scale is None else self.lr.view(shape) * scale
            step_size = lr / bias1
            p.copy_(torch.where(mask, p - step_size * m / denom, p))
            self.m[k], self.v[k] = m, v

    def _step_all(self, step_size: float, bias2_sqrt: float) -> None:
        """Every model active, one learning rate: torch's in-place single-tensor Adam, on the whole stack at once
        (a third of the memory traffic of the masked path; on DCR's 882 outputs the decoder dominates a step)."""
        beta1, beta2 = self.betas
        for k, p in self.params.items():
            grad = p.grad
            assert grad is not None
            self.m[k].lerp_(grad, 1 - beta1)
            self.v[k].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (self.v[k].sqrt() / bias2_sqrt).add_(self.eps)
            p.addcdiv_(self.m[k], denom, value=-step_size)
