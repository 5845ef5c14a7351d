"""Training: run configuration, the surrogate (ADAM and GNvpro) and spiral training loops, metrics and one-run
execution."""

from ctdnn_bench.training.adam_meganet import MeganetAdam, adam_meganet_update, set_epoch
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.training.gnvpro import train_gnvpro
from ctdnn_bench.training.metrics import loss_value, relative_error_global, relative_errors
from ctdnn_bench.training.run import execute, load_data, stalled, train
from ctdnn_bench.training.spiral import train_spiral
from ctdnn_bench.training.surrogate import evaluate, ridge_warm_start, train_surrogate

__all__ = [
    "MeganetAdam",
    "RunConfig",
    "TrainConfig",
    "adam_meganet_update",
    "evaluate",
    "execute",
    "load_data",
    "loss_value",
    "relative_error_global",
    "relative_errors",
    "ridge_warm_start",
    "set_epoch",
    "stalled",
    "train",
    "train_gnvpro",
    "train_spiral",
    "train_surrogate",
]
