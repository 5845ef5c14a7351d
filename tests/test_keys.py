"""Run keys name the records in every existing results store: they must never change for a valid config.

The pinned values were computed before the validation gateway was added (issue 11); if one of these tests fails,
existing results would silently be recomputed (or, worse, a different run would be found under an old key).
"""

from __future__ import annotations

import hashlib

import pytest

from ctdnn_bench.experiments import experiment_configs
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig


def _pinned_configs() -> list[tuple[RunConfig, str]]:
    return [
        (RunConfig(), "d579eb3eecb8f095"),
        (
            RunConfig(
                dataset="cdr",
                model=ModelConfig(
                    architecture="hamiltonian", basis="monomial", degree=2, final_time=5.0, n_steps=4, domain="raw"
                ),
                train=TrainConfig(epochs=2, grad_clip=1.0, alpha1=1e-5, loss_tol=0.01),
            ),
            "17bcd648ad6ad2d2",
        ),
        (
            RunConfig(
                dataset="spiral",
                model=ModelConfig(
                    architecture="node", width=2, hidden=(50,), cube_input=True, final_time=25.0, init_std=0.1
                ),
                train=TrainConfig(optimizer="rmsprop", iterations=5, epochs=0, loss="l1"),
            ),
            "d1e37d1c68669213",
        ),
    ]


@pytest.mark.parametrize("index", range(3))
def test_single_keys_are_pinned(index: int) -> None:
    cfg, key = _pinned_configs()[index]
    assert cfg.key() == key
    assert RunConfig.from_dict(cfg.to_dict()).key() == key


@pytest.mark.parametrize(
    ("profile", "protocol", "count", "digest"),
    [
        ("quick", "revised", 138, "adff2e6e424dd061"),
        ("quick", "v1", 138, "f6251fe4cb5fc284"),
        ("paper", "revised", 864, "7fe84169e8e52dbe"),
        ("paper", "v1", 864, "d6c7b30e136da4a8"),
    ],
)
def test_experiment_keys_are_pinned(profile: str, protocol: str, count: int, digest: str) -> None:
    keys = sorted(
        c.key() for n in ("table2", "table3", "node") for c in experiment_configs(n, profile, protocol=protocol)
    )
    assert len(keys) == count
    assert hashlib.sha256(" ".join(keys).encode()).hexdigest()[:16] == digest
