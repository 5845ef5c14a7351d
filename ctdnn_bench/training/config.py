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
from ctdnn_bench.data import DATASETS
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.variants import run_label, task_signature

OPTIMIZERS = ("adam", "adam_meganet", "rmsprop", "gnvpro")
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
    "train.work_units",
    "train.regularizer",
    "train.lr_scaling",
)

#: GNvpro's work-unit budget when ``TrainConfig.work_units`` is 0 (the paper's ``maxWorkUnits``).
GNVPRO_WORK_UNITS = 4000
#: The paper's regularization of GNvpro (alpha1 on theta, alpha2 on the decoder); the CLI applies it by default.
GNVPRO_ALPHAS = {"alpha1": 1e-5, "alpha2": 1e-3}


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Optimizer and stopping rules.

    Args:
        optimizer: ``adam`` (``torch.optim.Adam``: bias correction by step count), ``adam_meganet`` (the authors'
            MATLAB ADAM: bias correction by epoch, eps inside the square root; see
            :mod:`~ctdnn_bench.training.adam_meganet`), ``rmsprop`` (spiral task) or ``gnvpro`` (paper DTO, second
            column of Table 2: variable projection + trust-region Gauss-Newton-Krylov, full batch; see
            :func:`ctdnn_bench.training.gnvpro.train_gnvpro`). gnvpro uses ``alpha1``, ``alpha2``, ``work_units``
            and ``eval_every`` (in outer iterations) and ignores the minibatch settings (lr, batch_size, epochs,
            iterations, decoder_warm_start: its decoder is always the ridge solution).
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
        work_units: gnvpro only: the budget in work units (an evaluation of objective and gradient = 2, a
            Gauss-Newton product = 2, a trial evaluation = 1); 0 = :data:`GNVPRO_WORK_UNITS` (the paper's 4000).
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
    work_units: int = 0
    regularizer: str = "coefficients"
    lr_scaling: str = "none"

    def __post_init__(self) -> None:
        v.normalize(self, _train_fields(self))
        if not 0 < self.lr_decay <= 1:
            raise ConfigError(f"lr_decay must be a number in (0, 1], got {self.lr_decay!r}")
        if self.lr_scaling != "none" and self.optimizer != "adam":
            raise ConfigError(f"lr_scaling {self.lr_scaling!r} is implemented for optimizer 'adam' only")
        self._check_gnvpro()

    def _check_gnvpro(self) -> None:
        if self.optimizer != "gnvpro":
            if self.work_units:
                raise ConfigError(f"work_units applies only to optimizer 'gnvpro', not {self.optimizer!r}")
            return
        if self.loss != "half_mse":
            raise ConfigError(f"gnvpro minimizes a sum of squares: use loss 'half_mse', not {self.loss!r}")
        if self.loss_tol is not None or self.grad_clip is not None:
            raise ConfigError("loss_tol and grad_clip do not apply to gnvpro (it stops on its work-unit budget)")

    @property
    def budget(self) -> int:
        """gnvpro's work-unit budget (``work_units``, or :data:`GNVPRO_WORK_UNITS` if that is 0)."""
        return self.work_units or GNVPRO_WORK_UNITS


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
        label: a human-readable name of the variant (e.g. ``none``, ``legendre d=3``); not part of the key. Empty:
            :func:`ctdnn_bench.variants.run_label` of the config (the report always labels runs that way).
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
        if self.trajectory and (self.model.architecture != "node" or self.model.width != 2):
            raise ConfigError(
                "the spiral task needs architecture 'node' with width 2 (the state is 2-d), got architecture "
                f"{self.model.architecture!r} with width {self.model.width}; use "
                "ModelConfig(architecture='node', width=2, hidden=(50,), final_time=25.0)"
            )
        if self.train.optimizer == "gnvpro" and self.model.architecture not in ("resnet", "hamiltonian"):
            raise ConfigError(
                f"optimizer 'gnvpro' trains the discretize-then-optimize surrogates (resnet, hamiltonian), not "
                f"architecture {self.model.architecture!r} (neural ODEs and the spiral task use adam or rmsprop)"
            )
        if not self.label:  # the one vocabulary's name of the run (see ctdnn_bench.variants)
            object.__setattr__(self, "label", run_label(self))

    @property
    def trajectory(self) -> bool:
        """Is the data set a trajectory-fitting task (the spiral) rather than a surrogate regression? The data set
        registry's task kind (:data:`ctdnn_bench.data.DATASETS`); a name it does not hold (a user's file, data passed
        in memory) is a surrogate task."""
        spec = DATASETS.get(self.dataset)
        return spec is not None and spec.task == "trajectory"

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

    def task(self) -> str:
        """What this run is asked to do apart from its variant and seeds (:func:`ctdnn_bench.variants.task_signature`,
        torch-free, so that the report computes it from a record's config)."""
        return task_signature(self.to_dict())

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
        "lr_step": v.integer("lr_step", tc.lr_step, 0),
        "lr_decay": v.number("lr_decay", tc.lr_decay, low=0, strict=True),
        "patience": v.integer("patience", tc.patience, 0),
        "restore_best": v.flag("restore_best", tc.restore_best),
        "work_units": v.integer("work_units", tc.work_units, 0),
        "regularizer": v.choice("regularizer", tc.regularizer, REGULARIZERS),
        "lr_scaling": v.choice("lr_scaling", tc.lr_scaling, LR_SCALINGS),
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
