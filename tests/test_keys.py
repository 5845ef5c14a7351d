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
    ("profile", "count", "digest", "spiral_count", "spiral_digest"),
    [
        ("quick", 131, "3b13b298fcb676e2", 4, "b761e157ce02f909"),
        ("paper", 786, "65c4d71566d40670", 24, "190271fd92db4687"),
    ],
)
def test_experiment_keys_are_pinned(
    profile: str, count: int, digest: str, spiral_count: int, spiral_digest: str
) -> None:
    """The runs that existed at 1b8d181 (revised-protocol ADAM ResNet/Hamiltonian runs of table2 and table3, and the
    spiral runs) keep their keys. Later issues added runs (Leapfrog, GNvpro, Table 4) and deliberately changed two
    protocols (v1 now trains with Meganet's ADAM; the surrogate neural ODEs got the revised StepLR/patience/best
    checkpoint), so those configs have new keys by design."""
    keys = sorted(
        c.key()
        for n in ("table2", "table3")
        for c in experiment_configs(n, profile)
        if c.train.optimizer == "adam" and c.model.architecture != "leapfrog"
    )
    assert len(keys) == count
    assert hashlib.sha256(" ".join(keys).encode()).hexdigest()[:16] == digest
    spiral = sorted(c.key() for c in experiment_configs("node", profile) if c.dataset == "spiral")
    assert len(spiral) == spiral_count
    assert hashlib.sha256(" ".join(spiral).encode()).hexdigest()[:16] == spiral_digest
