"""Run keys: fields added later must not change the key of any run configured before they existed."""

from __future__ import annotations

import dataclasses

import pytest

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import LATE_FIELDS, RunConfig, TrainConfig

SPIRAL = ModelConfig(architecture="node", width=2, hidden=(50,), final_time=25.0)
ELM_NODE = ModelConfig(architecture="node", hidden=(50,), basis="monomial", degree=4)

#: Keys computed before ``adjoint_norm`` and the revised neural-ODE protocol's fields existed (commit 1b8d181).
PINNED = {
    "d579eb3eecb8f095": RunConfig(),
    "893fda8964b8ed0a": RunConfig(
        dataset="elm",
        model=ModelConfig(basis="monomial", degree=3, domain="raw"),
        train=TrainConfig(epochs=15, alpha1=1e-5, alpha2=1e-3, decoder_warm_start=True),
        seed_init=20,
        seed_batch=20,
        label="monomial d=3",
    ),
    "fd5106d3d883503c": RunConfig(
        dataset="spiral",
        model=SPIRAL,
        train=TrainConfig(optimizer="rmsprop", iterations=10, epochs=0, loss="l1"),
    ),
    "5134f3d9d219bb1d": RunConfig(
        dataset="elm",
        model=ELM_NODE,
        train=TrainConfig(optimizer="adam", lr=1e-2, iterations=100, grad_clip=1.0),
    ),
}


@pytest.mark.parametrize("key", PINNED)
def test_keys_of_earlier_configs_are_unchanged(key: str) -> None:
    assert PINNED[key].key() == key


def test_late_fields_exist_and_count_when_not_default() -> None:
    for dotted in LATE_FIELDS:
        section, name = dotted.split(".")
        assert name in {f.name for f in dataclasses.fields(ModelConfig if section == "model" else TrainConfig)}
    base = PINNED["5134f3d9d219bb1d"]
    changed = [
        dataclasses.replace(base, model=dataclasses.replace(ELM_NODE, adjoint_norm="seminorm")),
        dataclasses.replace(base, train=dataclasses.replace(base.train, patience=5)),
        dataclasses.replace(base, train=dataclasses.replace(base.train, lr_step=500)),
        dataclasses.replace(base, train=dataclasses.replace(base.train, restore_best=True)),
        dataclasses.replace(base, train=dataclasses.replace(base.train, regularizer="l2_time")),
        dataclasses.replace(base, train=dataclasses.replace(base.train, lr_scaling="unit_time")),
    ]
    keys = {c.key() for c in changed}
    assert len(keys) == len(changed) and base.key() not in keys
    # the record keeps every field; a record written before the fields existed reads back with their defaults
    d = base.to_dict()
    assert d["model"]["adjoint_norm"] == "default"
    del d["model"]["adjoint_norm"], d["train"]["patience"]
    assert RunConfig.from_dict(d).key() == base.key()


def test_adjoint_norm_needs_an_adjoint_neural_ode() -> None:
    with pytest.raises(ConfigError, match="adjoint_norm"):
        ModelConfig(architecture="resnet", adjoint_norm="seminorm")
    with pytest.raises(ConfigError, match="seminorm"):
        ModelConfig(architecture="node", adjoint_norm="semi")


def test_trajectory_task_comes_from_the_data_set_registry() -> None:
    spiral = RunConfig(dataset="spiral", model=ModelConfig(architecture="node", width=2, hidden=(50,)))
    assert spiral.trajectory
    assert not RunConfig(dataset="elm").trajectory
    assert not RunConfig(dataset="my_data.npz").trajectory  # a user's file: a surrogate task
