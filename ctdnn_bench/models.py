"""The surrogate model: encoder -> continuous-time dynamics block -> affine decoder, and its configuration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ctdnn_bench import validate as v
from ctdnn_bench._checks import check_features
from ctdnn_bench.bases import BASES, DOMAINS, AbstractBasis, make_basis
from ctdnn_bench.dynamics import (
    ADJOINT_NORMS,
    MODELS,
    TIME_GRIDS,
    AbstractFixedGridBlock,
    MLPField,
    NeuralODEBlock,
    TanhLayerField,
)
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.integrators import INTEGRATORS
from ctdnn_bench.layers import TIME_INITS
from ctdnn_bench.stats import SolveStats
from ctdnn_bench.validate import MAX_COEFFICIENTS

DECODER_INITS = ("default", "randn")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Everything that defines a surrogate model's architecture (not its data or training).

    Args:
        architecture: ``resnet``, ``hamiltonian``, ``leapfrog`` or ``node`` (:data:`~ctdnn_bench.dynamics.MODELS`).
        basis: time basis name (:data:`~ctdnn_bench.bases.BASES`); the paper's unconstrained "none" is
            ``piecewise_constant`` with ``degree = n_steps - 1``.
        degree: basis degree, ``degree + 1`` functions (polynomials: the polynomial degree).
        domain: reference time domain of the basis (``raw``, ``unit``, ``symmetric``; None = basis default).
        final_time: T; the dynamics run on ``[0, T]``.
        n_steps: steps of the fixed-grid blocks (paper: 12); also sets the fixed-step neural-ODE step.
        width: state width (paper: 15).
        time_grid: where fixed-grid blocks evaluate weights (``linspace`` as the paper, or ``left``).
        hidden: neural ODE only: hidden widths of the vector-field MLP (``()`` = one layer ``tanh(K u + b)``;
            the paper's surrogate uses ``(50,)``).
        method, rtol, atol, adjoint, max_nfe: neural ODE solver (paper: dopri5, 1e-7, 1e-9, adjoint).
        init_std: std of the dynamics weight draw (None: He, ``sqrt(2 / fan_in)``).
        time_init: ``constant`` (weights constant in time at start, the paper) or ``random``.
        decoder_init: ``default`` (torch's) or ``randn`` (unit normal, the paper's v1 ADAM runs).
        cube_input: neural ODE with hidden layers only: the field sees ``u**3`` (the spiral task, ``dy/dt = y^3 A``).
        adjoint_norm: neural ODE with ``adjoint=True`` only: the error norm of the adjoint solve, one of
            :data:`~ctdnn_bench.dynamics.ADJOINT_NORMS` (torchdiffeq ``adjoint_options=dict(norm="seminorm")``).
    """

    architecture: str = "resnet"
    basis: str = "legendre"
    degree: int = 3
    domain: str | None = None
    final_time: float = 1.0
    n_steps: int = 12
    width: int = 15
    time_grid: str = "linspace"
    hidden: tuple[int, ...] = ()
    method: str = "dopri5"
    rtol: float = 1e-7
    atol: float = 1e-9
    adjoint: bool = True
    max_nfe: int = 20_000
    init_std: float | None = None
    time_init: str = "constant"
    decoder_init: str = "default"
    cube_input: bool = False
    adjoint_norm: str = "default"

    def __post_init__(self) -> None:
        v.normalize(self, _model_fields(self))
        if (self.degree + 1) * self.width * max((self.width, *self.hidden)) > MAX_COEFFICIENTS:
            raise ConfigError(
                f"(degree + 1) x width x max(width, hidden) = {self.degree + 1} x {self.width} x "
                f"{max((self.width, *self.hidden))} time-dependent weights per layer is more than the "
                f"limit of {MAX_COEFFICIENTS:.0e} (800 MB in float64); lower degree, width or hidden"
            )
        if self.hidden and self.architecture != "node":
            raise ConfigError(
                f"hidden widths {self.hidden} apply only to architecture 'node': the {self.architecture} "
                f"block maps width {self.width} to itself (its state y and momentum z share that width)"
            )
        if self.cube_input and not (self.architecture == "node" and self.hidden):
            raise ConfigError("cube_input applies only to architecture 'node' with hidden widths (an MLP field)")
        if self.adjoint_norm != "default" and not (self.architecture == "node" and self.adjoint):
            raise ConfigError("adjoint_norm applies only to architecture 'node' with adjoint=True")
        if self.basis == "static" and self.degree != 0:
            raise ConfigError(f"the static basis has degree 0; set degree=0 (got degree={self.degree})")

    def make_basis(self) -> AbstractBasis:
        """The configured basis on ``[0, final_time]``."""
        return make_basis(self.basis, self.degree, 0.0, self.final_time, self.domain)


class SurrogateModel(nn.Module):
    """``x -> decoder(dynamics(tanh(encoder(x))))``: paper Sec. 2.1.

    Args:
        encoder: ``Linear(n_in, width)``.
        dynamics: a block mapping ``(batch, width)`` to ``(batch, width)`` with ``stats``/``last``/``reset_stats``.
        decoder: ``Linear(width, n_out)`` (the affine readout ``W [u; 1]``).
    """

    def __init__(self, encoder: nn.Linear, dynamics: nn.Module, decoder: nn.Linear) -> None:
        super().__init__()
        self.encoder, self.dynamics, self.decoder = encoder, dynamics, decoder

    def forward(self, x: Tensor) -> Tensor:
        """``x``: ``(batch, n_in)`` -> ``(batch, n_out)``."""
        check_features(x, self.encoder.in_features, "SurrogateModel input")
        return self.decoder(self.dynamics(torch.tanh(self.encoder(x))))

    def features(self, x: Tensor) -> Tensor:
        """The final state ``u(T)`` before the decoder, ``(batch, width)``."""
        check_features(x, self.encoder.in_features, "SurrogateModel input")
        return self.dynamics(torch.tanh(self.encoder(x)))

    @property
    def stats(self) -> SolveStats:
        """Cumulative solver statistics of the dynamics block."""
        return self.dynamics.stats  # type: ignore[return-value]


def build_dynamics(
    cfg: ModelConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
) -> nn.Module:
    """The dynamics block that ``cfg`` describes (parameters drawn from torch's global generator)."""
    basis = cfg.make_basis()
    kw: dict[str, Any] = {"init_std": cfg.init_std, "time_init": cfg.time_init, "device": device, "dtype": dtype}
    if cfg.architecture == "node":
        field: nn.Module = (
            MLPField((cfg.width, *cfg.hidden, cfg.width), basis, **kw)
            if cfg.hidden
            else TanhLayerField(cfg.width, basis, **kw)
        )
        return NeuralODEBlock(
            field,
            method=cfg.method,
            rtol=cfg.rtol,
            atol=cfg.atol,
            adjoint=cfg.adjoint,
            adjoint_norm=cfg.adjoint_norm,
            step_size=cfg.final_time / cfg.n_steps,
            max_nfe=cfg.max_nfe,
        )
    block = MODELS[cfg.architecture]
    assert issubclass(block, AbstractFixedGridBlock)
    return block(cfg.width, basis, n_steps=cfg.n_steps, time_grid=cfg.time_grid, **kw)


def build_model(
    cfg: ModelConfig,
    n_in: int,
    n_out: int,
    *,
    seed: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> SurrogateModel:
    """Build the surrogate model for ``n_in`` inputs and ``n_out`` outputs.

    Encoder weight ``~ N(0, 2 / n_in)``, bias 0 (paper Sec. 7). With ``seed`` the draw is reproducible (paper: 20)
    and leaves torch's global generator as it was.
    """
    if not isinstance(cfg, ModelConfig):
        raise ConfigError(f"build_model needs a ModelConfig, got {cfg!r} (a {type(cfg).__name__})")
    n_in, n_out = v.integer("n_in", n_in, 1, v.MAX_COUNT), v.integer("n_out", n_out, 1, v.MAX_COUNT)
    seed = None if seed is None else v.seed("seed", seed)
    with torch.random.fork_rng(enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        encoder = nn.Linear(n_in, cfg.width, device=device, dtype=dtype)
        with torch.no_grad():
            encoder.weight.normal_(0.0, math.sqrt(2.0 / n_in))
            encoder.bias.zero_()
        dynamics = build_dynamics(cfg, device=device, dtype=dtype)
        decoder = nn.Linear(cfg.width, n_out, device=device, dtype=dtype)
        if cfg.decoder_init == "randn":
            with torch.no_grad():
                decoder.weight.normal_()
                decoder.bias.normal_()
    return SurrogateModel(encoder, dynamics, decoder)


def _model_fields(cfg: ModelConfig) -> dict[str, object]:
    """Every field of ``cfg``, type- and range-checked and normalized (see :mod:`ctdnn_bench.validate`)."""
    return {
        "architecture": v.choice("architecture", cfg.architecture, MODELS),
        "basis": v.choice("basis", cfg.basis, BASES),
        "degree": v.integer("degree", cfg.degree, 0, v.MAX_DEGREE),
        "domain": None if cfg.domain is None else v.choice("time domain", cfg.domain, DOMAINS),
        "final_time": v.number("final_time T", cfg.final_time, low=0, strict=True),
        "n_steps": v.integer("n_steps", cfg.n_steps, 1, v.MAX_STEPS),
        "width": v.integer("width", cfg.width, 1, v.MAX_WIDTH),
        "time_grid": v.choice("time grid", cfg.time_grid, TIME_GRIDS),
        "hidden": v.widths("hidden", cfg.hidden),
        "method": v.choice("integrator method", cfg.method, INTEGRATORS),
        "rtol": v.number("rtol", cfg.rtol, low=0, strict=True),
        "atol": v.number("atol", cfg.atol, low=0, strict=True),
        "adjoint": v.flag("adjoint", cfg.adjoint),
        "max_nfe": v.integer("max_nfe", cfg.max_nfe, 1),
        "init_std": v.optional_number("init_std", cfg.init_std, low=0),
        "time_init": v.choice("time_init", cfg.time_init, TIME_INITS),
        "decoder_init": v.choice("decoder_init", cfg.decoder_init, DECODER_INITS),
        "cube_input": v.flag("cube_input", cfg.cube_input),
        "adjoint_norm": v.choice("adjoint_norm", cfg.adjoint_norm, ADJOINT_NORMS),
    }


def parameter_counts(model: SurrogateModel) -> dict[str, int]:
    """Trainable parameters by part: ``encoder``, ``dynamics``, ``decoder``, ``theta`` (encoder + dynamics, the
    paper's nParams) and ``total``."""

    def count(m: nn.Module) -> int:
        return sum(p.numel() for p in m.parameters() if p.requires_grad)

    enc, dyn, dec = count(model.encoder), count(model.dynamics), count(model.decoder)
    return {"encoder": enc, "dynamics": dyn, "decoder": dec, "theta": enc + dyn, "total": enc + dyn + dec}
