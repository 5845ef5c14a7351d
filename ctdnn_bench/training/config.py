"""Configuration of one training run: data set, model, optimizer and protocol, as frozen dataclasses.

A run is a pure function of its :class:`RunConfig`; :meth:`RunConfig.key` hashes the canonical JSON form, and that
key names the run's record in the results store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import torch

from ctdnn_bench.errors import ConfigError, require_choices
from ctdnn_bench.models import ModelConfig

OPTIMIZERS = ("adam", "adam_meganet", "rmsprop")
LOSSES = ("half_mse", "l1")
DTYPES = ("float32", "float64")
TIME_AXES = ("absolute", "relative")
#: ``coefficients``: ``(alpha1 / 2) ||theta||^2`` on the basis coefficients (the authors' DTO code; its value for one
#: function theta(t) depends on the basis); ``l2_time``: ``(alpha1 / 2) int_0^T ||theta(t)||^2 dt =
#: (alpha1 / 2) sum_de M_de <theta_d, theta_e>`` on the time-dependent layers (M: the basis' Gram matrix on [0, T];
#: paper.md Sec. 2.3), the same for every basis; the encoder, which does not depend on time, keeps its squared norm.
REGULARIZERS = ("coefficients", "l2_time")
#: ``none``: one learning rate for every parameter; ``unit_time``: coefficient k of a polynomial basis on raw time
#: [0, T] gets ``lr * T^-k`` (see :func:`ctdnn_bench.training.lr_scaling.coefficient_lr_scales`).
LR_SCALINGS = ("none", "unit_time")

#: Fields added after run records were first written, as ``"model.<name>"`` / ``"train.<name>"``. Where such a field
#: has its default value, :meth:`RunConfig.key` leaves it out of the hash, so every run configured before the field
#: existed keeps its key (and its record). Append here whenever a field is added to ModelConfig or TrainConfig.
LATE_FIELDS: tuple[str, ...] = (
    "model.adjoint_norm",
    "train.lr_step",
    "train.lr_decay",
    "train.patience",
    "train.restore_best",
    "train.regularizer",
    "train.lr_scaling",
)


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Optimizer and stopping rules.

    Args:
        optimizer: ``adam`` (``torch.optim.Adam``: bias correction by step count), ``adam_meganet`` (the authors'
            MATLAB ADAM: bias correction by epoch, eps inside the square root; see
            :mod:`~ctdnn_bench.training.adam_meganet`) or ``rmsprop`` (spiral task).
        lr: learning rate (paper: 1e-3).
        batch_size: minibatch size (paper: 32).
        epochs: passes over the training set (surrogates; paper 10,000).
        iterations: optimizer steps (spiral task; paper 2000). For surrogates, an optional cap (0 = none); with a
            cap, ``eval_every`` counts iterations (the revised neural-ODE protocol validates every 20).
        loss: ``half_mse`` = ``0.5 mean_i ||W [u_i; 1] - c_i||^2`` (paper DTO) or ``l1`` = mean absolute error.
        alpha1: Tikhonov weight on the encoder and dynamics coefficients, ``(alpha1 / 2) ||theta||^2``.
        alpha2: Tikhonov weight on the decoder, ``(alpha2 / 2) ||W||^2``; also the ridge of the warm start.
        decoder_warm_start: solve the ridge problem for the decoder at the initial features (revised protocol).
        loss_tol: stop once the full training loss is below it (v1 protocol: 0.01); None = never.
        grad_clip: clip the total gradient norm to this value; None = no clipping.
        eval_every: evaluate train/val metrics every this many epochs (iterations for the spiral task and for
            iteration-capped surrogate training); the first and last are always evaluated.
        stall_ratio: a run "stalls" if its final training loss exceeds ``stall_ratio`` x its first recorded one.
        batch_time, n_windows, time_axis: spiral task windows (paper: 10 points; 20 windows on a relative time
            axis in torchdiffeq's demo and v1, one window on absolute time in the revision).
        lr_step, lr_decay: multiply the learning rate by ``lr_decay`` every ``lr_step`` optimizer steps (torch's
            ``StepLR``; the revised neural-ODE protocol: 500, 0.5); ``lr_step = 0`` keeps it constant.
        patience: stop after this many evaluations in a row without a new best validation error (revised
            neural-ODE protocol: 5); 0 = never.
        restore_best: evaluate (and record final metrics of) the parameters of the evaluation with the best
            validation error instead of the last ones (revised neural-ODE protocol).
        regularizer: what ``alpha1`` penalizes, one of :data:`REGULARIZERS`.
        lr_scaling: per-coefficient learning rates, one of :data:`LR_SCALINGS` (``unit_time`` needs ``adam``).
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 32
    epochs: int = 100
    iterations: int = 0
    loss: str = "half_mse"
    alpha1: float = 0.0
    alpha2: float = 0.0
    decoder_warm_start: bool = False
    loss_tol: float | None = None
    grad_clip: float | None = None
    eval_every: int = 1
    stall_ratio: float = 0.9
    batch_time: int = 10
    n_windows: int = 1
    time_axis: str = "absolute"
    lr_step: int = 0
    lr_decay: float = 0.5
    patience: int = 0
    restore_best: bool = False
    regularizer: str = "coefficients"
    lr_scaling: str = "none"

    def __post_init__(self) -> None:
        require_choices(
            ("optimizer", self.optimizer, OPTIMIZERS),
            ("regularizer", self.regularizer, REGULARIZERS),
            ("lr scaling", self.lr_scaling, LR_SCALINGS),
            ("loss", self.loss, LOSSES),
            ("time axis", self.time_axis, TIME_AXES),
        )
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"learning rate must be a finite number > 0, got {self.lr}")
        if self.batch_size < 1 or self.epochs < 0 or self.iterations < 0 or self.eval_every < 1:
            raise ConfigError(
                f"need batch_size >= 1, epochs >= 0, iterations >= 0, eval_every >= 1; got "
                f"{self.batch_size}, {self.epochs}, {self.iterations}, {self.eval_every}"
            )
        if self.alpha1 < 0 or self.alpha2 < 0:
            raise ConfigError(f"regularization weights must be >= 0, got alpha1={self.alpha1}, alpha2={self.alpha2}")
        if self.lr_step < 0 or self.patience < 0 or not 0 < self.lr_decay <= 1:
            raise ConfigError(
                f"need lr_step >= 0, patience >= 0 and 0 < lr_decay <= 1; got {self.lr_step}, {self.patience}, "
                f"{self.lr_decay}"
            )
        if self.lr_scaling != "none" and self.optimizer != "adam":
            raise ConfigError(f"lr_scaling {self.lr_scaling!r} is implemented for optimizer 'adam' only")
        if self.batch_time < 2 or self.n_windows < 1:
            raise ConfigError(f"need batch_time >= 2 and n_windows >= 1, got {self.batch_time}, {self.n_windows}")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """One training run.

    Args:
        dataset: a registered data set (``elm``, ``cdr``, ``dcr``, ``spiral``) or a path to a ``.mat``/``.npz`` file.
        model: the architecture (:class:`~ctdnn_bench.models.ModelConfig`).
        train: the optimizer and stopping rules (:class:`TrainConfig`).
        seed_split: seed of the data split (paper: 42).
        seed_init: seed of the parameter initialization (paper: 20).
        seed_batch: seed of the minibatch order / training windows.
        dtype: ``float64`` (default; the MATLAB reference is double precision) or ``float32``.
        device: torch device string (``cpu``; ``cuda`` where available).
        label: a human-readable name of the variant (e.g. ``none``, ``legendre d=3``); not part of the key.
    """

    dataset: str = "elm"
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed_split: int = 42
    seed_init: int = 20
    seed_batch: int = 0
    dtype: str = "float64"
    device: str = "cpu"
    label: str = ""

    def __post_init__(self) -> None:
        require_choices(("dtype", self.dtype, DTYPES))
        try:
            torch.device(self.device)
        except RuntimeError:
            raise ConfigError(f"unknown device {self.device!r}; use cpu, cuda or cuda:N") from None
        if self.dataset == "spiral" and (self.model.architecture != "node" or self.model.width != 2):
            raise ConfigError(
                "the spiral task needs architecture 'node' with width 2 (the state is 2-d); use "
                "ModelConfig(architecture='node', width=2, hidden=(50,), final_time=25.0)"
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready nested dict (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ConfigError naming them."""
        d = dict(d)
        model = _build(ModelConfig, d.pop("model", {}))
        train = _build(TrainConfig, d.pop("train", {}))
        return _build(cls, {**d, "model": model, "train": train})

    def check_device(self) -> None:
        """Raise ConfigError if this machine cannot run on ``device`` (checked where the run executes)."""
        dev = torch.device(self.device)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"device {self.device!r} requested, but torch sees no CUDA device here; use --device cpu")

    def key(self) -> str:
        """16 hex digits of the sha256 of the canonical JSON config, without ``label`` (it does not change results)
        and without the :data:`LATE_FIELDS` that have their default value."""
        d = self.to_dict()
        d.pop("label")
        sections = {"model": ModelConfig, "train": TrainConfig}
        for dotted in LATE_FIELDS:
            section, name = dotted.split(".")
            if d[section][name] == _json_default(sections[section], name):
                del d[section][name]
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def _json_default(cls: Any, name: str) -> Any:
    """The default of field ``name`` of dataclass ``cls`` as it appears in :meth:`RunConfig.to_dict`."""
    (f,) = (f for f in dataclasses.fields(cls) if f.name == name)
    return json.loads(json.dumps(f.default))


def _build(cls: Any, d: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s) {unknown}; valid fields: {sorted(names)}")
    if cls is ModelConfig and "hidden" in d:
        d = {**d, "hidden": tuple(d["hidden"])}
    return cls(**d)
