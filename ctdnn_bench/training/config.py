"""Configuration of one training run: data set, model, optimizer and protocol, as frozen dataclasses.

A run is a pure function of its :class:`RunConfig`; :meth:`RunConfig.key` hashes the canonical JSON form, and that
key names the run's record in the results store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import torch

from ctdnn_bench import validate as v
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig

OPTIMIZERS = ("adam", "rmsprop")
LOSSES = ("half_mse", "l1")
DTYPES = ("float32", "float64")
TIME_AXES = ("absolute", "relative")


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Optimizer and stopping rules.

    Args:
        optimizer: ``adam`` (paper DTO) or ``rmsprop`` (spiral task).
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

    def __post_init__(self) -> None:
        v.normalize(self, _train_fields(self))


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
        if not isinstance(self.model, ModelConfig) or not isinstance(self.train, TrainConfig):
            raise ConfigError(
                f"RunConfig needs model=ModelConfig(...) and train=TrainConfig(...), got model={self.model!r}, "
                f"train={self.train!r}; RunConfig.from_dict accepts plain dicts"
            )
        v.normalize(self, _run_fields(self))
        try:
            torch.device(self.device)
        except RuntimeError:
            raise ConfigError(f"unknown device {self.device!r}; use cpu, cuda or cuda:N") from None
        if self.dataset == "spiral" and (self.model.architecture != "node" or self.model.width != 2):
            raise ConfigError(
                "the spiral task needs architecture 'node' with width 2 (the state is 2-d), got architecture "
                f"{self.model.architecture!r} with width {self.model.width}; use "
                "ModelConfig(architecture='node', width=2, hidden=(50,), final_time=25.0)"
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready nested dict (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ConfigError naming them."""
        if not isinstance(d, dict):
            raise ConfigError(f"a run config must be a table (a dict) with dataset, model and train, got {d!r}")
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
        """16 hex digits of the sha256 of the canonical JSON config, without ``label`` (it does not change results)."""
        d = self.to_dict()
        d.pop("label")
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def _build(cls: Any, d: object) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    if not isinstance(d, dict):
        raise ConfigError(f"{cls.__name__} settings must be a table (a dict) of {sorted(names)}, got {d!r}")
    unknown = sorted(set(d) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} field(s) {unknown}; valid fields: {sorted(names)}")
    return cls(**d)


def _train_fields(tc: TrainConfig) -> dict[str, object]:
    """Every field of ``tc``, type- and range-checked and normalized (see :mod:`ctdnn_bench.validate`)."""
    return {
        "optimizer": v.choice("optimizer", tc.optimizer, OPTIMIZERS),
        "lr": v.number("learning rate lr", tc.lr, low=0, strict=True),
        "batch_size": v.integer("batch_size", tc.batch_size, 1),
        "epochs": v.integer("epochs", tc.epochs, 0),
        "iterations": v.integer("iterations", tc.iterations, 0),
        "loss": v.choice("loss", tc.loss, LOSSES),
        "alpha1": v.number("alpha1", tc.alpha1, low=0),
        "alpha2": v.number("alpha2", tc.alpha2, low=0),
        "decoder_warm_start": v.flag("decoder_warm_start", tc.decoder_warm_start),
        "loss_tol": v.optional_number("loss_tol", tc.loss_tol, low=0, strict=True),
        # a negative clip norm flips the gradient (the loss rises and the run still looks "ok")
        "grad_clip": v.optional_number("grad_clip", tc.grad_clip, low=0, strict=True),
        "eval_every": v.integer("eval_every", tc.eval_every, 1),
        "stall_ratio": v.number("stall_ratio", tc.stall_ratio, low=0, strict=True),
        "batch_time": v.integer("batch_time", tc.batch_time, 2, v.MAX_STEPS),
        "n_windows": v.integer("n_windows", tc.n_windows, 1, v.MAX_STEPS),
        "time_axis": v.choice("time axis", tc.time_axis, TIME_AXES),
    }


def _run_fields(rc: RunConfig) -> dict[str, object]:
    """The scalar fields of ``rc``, type- and range-checked."""
    return {
        "dataset": v.text("dataset", rc.dataset, empty=False),
        "seed_split": v.seed("seed_split", rc.seed_split),
        "seed_init": v.seed("seed_init", rc.seed_init),
        "seed_batch": v.seed("seed_batch", rc.seed_batch),
        "dtype": v.choice("dtype", rc.dtype, DTYPES),
        "device": v.text("device", rc.device, empty=False),
        "label": v.text("label", rc.label),
    }
