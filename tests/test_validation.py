"""One validation gateway per config: types, ranges and normalization of every field (issue 11, group 3).

The table of bad inputs through every entry point is in test_bad_inputs.py; this module checks what the gateway
does with good input: numbers are normalized so that keys do not depend on how they were written, and nothing
that is valid is refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from ctdnn_bench import validate
from ctdnn_bench.cli import build_parser, train_config_from_args
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig

FLOAT_FIELDS = {
    ModelConfig: ("final_time", "rtol", "atol", "init_std"),
    TrainConfig: ("lr", "alpha1", "alpha2", "loss_tol", "grad_clip", "stall_ratio"),
}


@pytest.mark.parametrize("cls", [ModelConfig, TrainConfig])
def test_integers_where_floats_belong_give_the_same_key(cls: type) -> None:
    for name in FLOAT_FIELDS[cls]:
        as_int, as_float = cls(**{name: 2}), cls(**{name: 2.0})
        assert type(getattr(as_int, name)) is float, name
        assert as_int == as_float
        part = "model" if cls is ModelConfig else "train"
        assert RunConfig(**{part: as_int}).key() == RunConfig(**{part: as_float}).key(), name


def test_numpy_scalars_are_normalized() -> None:
    cfg = ModelConfig(degree=np.int64(4), final_time=np.float32(2.0), adjoint=np.bool_(False), hidden=())
    assert (type(cfg.degree), type(cfg.final_time), type(cfg.adjoint)) == (int, float, bool)
    assert cfg == ModelConfig(degree=4, final_time=2.0, adjoint=False)


def test_hidden_list_becomes_a_tuple() -> None:
    cfg = ModelConfig(architecture="node", hidden=[50, 20])  # type: ignore[arg-type]
    assert cfg.hidden == (50, 20)
    hash(cfg)  # a list would make the frozen config unhashable


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["train", *argv])


def test_toml_integer_and_flag_give_the_same_key(tmp_path: Path) -> None:
    """TOML ``final_time = 5`` (an integer) and ``-T 5`` (argparse float) name the same run."""
    toml = tmp_path / "run.toml"
    toml.write_text('dataset = "cdr"\n[model]\nfinal_time = 5\n[train]\nlr = 1\nalpha1 = 0\n')
    from_toml = train_config_from_args(_parse(["--config", str(toml)]))
    from_flags = train_config_from_args(_parse(["--dataset", "cdr", "-T", "5", "--lr", "1", "--alpha1", "0"]))
    assert from_toml.key() == from_flags.key()
    assert from_toml.model.final_time == 5.0 and type(from_toml.train.lr) is float


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('adjoint = "no"', "adjoint must be true or false (a boolean), got 'no' (a str)"),
        ("degree = 3.0", "degree must be an integer in [0, 1000], got 3.0"),
        ('final_time = "5"', "final_time T must be a finite number > 0, got '5' (a str)"),
        ("hidden = 50", "hidden must be a list of at most 64 integers in [1, 10000], e.g. [50], got 50"),
        ("rtol = nan", "rtol must be a finite number > 0, got nan"),
    ],
)
def test_toml_values_of_the_wrong_type_are_refused(tmp_path: Path, line: str, message: str) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text(f'[model]\narchitecture = "node"\n{line}\n')
    with pytest.raises(ConfigError) as info:
        train_config_from_args(_parse(["--config", str(toml)]))
    assert message in str(info.value)


def test_every_field_is_checked() -> None:
    """Each field of the three configs refuses a value of the wrong type: none is left to the numerics."""
    for cls in (ModelConfig, TrainConfig):
        for f in dataclasses.fields(cls):
            with pytest.raises(ConfigError, match=f.name.split("_")[0]):
                cls(**{f.name: object()})
    for name in ("dataset", "seed_split", "seed_init", "seed_batch", "dtype", "device", "label"):
        with pytest.raises(ConfigError, match=name):
            RunConfig(**{name: object()})
    for name in ("model", "train"):
        with pytest.raises(ConfigError, match=f"{name}="):
            RunConfig(**{name: {}})


@pytest.mark.parametrize(
    ("kwargs", "accepted"),
    [
        ({"grad_clip": -1.0}, "grad_clip must be a finite number > 0 or unset (None), got -1.0"),
        ({"grad_clip": 0.0}, "grad_clip must be a finite number > 0 or unset (None), got 0.0"),
        ({"alpha1": math.nan}, "alpha1 must be a finite number >= 0, got nan"),
        ({"alpha2": math.inf}, "alpha2 must be a finite number >= 0, got inf"),
        ({"loss_tol": -0.01}, "loss_tol must be a finite number > 0 or unset (None), got -0.01"),
        ({"decoder_warm_start": 1}, "decoder_warm_start must be true or false (a boolean), got 1"),
        ({"epochs": 1.5}, "epochs must be an integer in [0, 1000000000], got 1.5"),
    ],
)
def test_train_config_messages_name_field_value_and_range(kwargs: dict[str, object], accepted: str) -> None:
    with pytest.raises(ConfigError) as info:
        TrainConfig(**kwargs)  # type: ignore[arg-type]
    assert str(info.value) == accepted


def test_size_limits_stop_what_memory_could_not_hold() -> None:
    ModelConfig(degree=validate.MAX_DEGREE, width=10)  # the limits themselves are accepted
    with pytest.raises(ConfigError, match="degree must be an integer in \\[0, 1000\\], got 1001"):
        ModelConfig(degree=validate.MAX_DEGREE + 1)
    with pytest.raises(ConfigError, match="501 x 2000 x 2000 time-dependent weights"):
        ModelConfig(degree=500, width=2000)


def test_valid_edge_values_are_accepted() -> None:
    """Nothing valid is refused: zero regularization, zero epochs (evaluate only), init_std 0, seed 0."""
    TrainConfig(alpha1=0, alpha2=0, epochs=0, iterations=0)
    ModelConfig(init_std=0.0, degree=0, basis="static", n_steps=1, width=1)
    RunConfig(seed_split=0, seed_init=0, seed_batch=validate.MAX_SEED)
