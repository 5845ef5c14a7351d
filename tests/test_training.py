"""Training loops: determinism, that training trains, divergence handling, warm start, metrics, stall detection."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from ctdnn_bench.data import SurrogateDataset, load_dataset, load_spiral
from ctdnn_bench.models import ModelConfig, build_model
from ctdnn_bench.training import (
    RunConfig,
    TrainConfig,
    relative_error_global,
    relative_errors,
    ridge_warm_start,
    stalled,
    train_spiral,
    train_surrogate,
)
from ctdnn_bench.training.surrogate import regularization

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_files = pytest.mark.skipif(not (SHARED_DATA / "NNERDS.mat").is_file(), reason=f"no data in {SHARED_DATA}")


@pytest.fixture(scope="module")
def elm() -> SurrogateDataset:
    if not (SHARED_DATA / "NNERDS.mat").is_file():
        pytest.skip(f"no data in {SHARED_DATA}")
    return load_dataset("elm", data_dir=SHARED_DATA)


def toy_data(n: int = 96, seed: int = 0) -> SurrogateDataset:
    """A smooth 3 -> 2 regression problem, split 64/16/16."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3))
    y = np.stack([np.sin(x[:, 0]) + x[:, 1] ** 2, np.cos(x[:, 2]) + 0.5 * x[:, 0]], axis=1)
    idx = (np.arange(64), np.arange(64, 80), np.arange(80, 96))
    return SurrogateDataset.from_indices("toy", x, y, idx, description="toy", provenance="test")


def cfg(**train: object) -> RunConfig:
    model = ModelConfig(architecture="resnet", basis="legendre", degree=2, width=6, n_steps=4)
    return RunConfig(dataset="toy", model=model, train=TrainConfig(**{"epochs": 5, "batch_size": 16, **train}))


def test_same_config_same_numbers() -> None:
    data = toy_data()
    a, b = train_surrogate(cfg(), data), train_surrogate(cfg(), data)
    for key in ("train_loss", "val_rel_err", "grad_norm", "cum_nfe_forward"):
        assert a["history"][key] == b["history"][key]
    assert a["final"]["test_rel_err"] == b["final"]["test_rel_err"]
    c = train_surrogate(dataclasses.replace(cfg(), seed_batch=1), data)
    assert c["history"]["train_loss"] != a["history"]["train_loss"]  # the batch seed matters


def test_training_reduces_loss_and_counts_nfe() -> None:
    res = train_surrogate(cfg(epochs=30, lr=1e-2), toy_data())
    h = res["history"]
    assert res["status"] == "ok"
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    # forward Euler: one evaluation per step and minibatch, 4 minibatches of 16 per epoch, 4 steps
    assert h["nfe_forward"] == [4 * 4] * len(h["epoch"])
    assert h["cum_nfe_forward"][-1] == 30 * 16 and res["final"]["nfe_backward_train"] == 0


@needs_files
def test_elm_epoch_improves_on_mean_predictor(elm: SurrogateDataset) -> None:
    run = RunConfig(
        dataset="elm",
        model=ModelConfig(degree=3),
        train=TrainConfig(epochs=3, alpha1=1e-5, alpha2=1e-3, decoder_warm_start=True),
    )
    res = train_surrogate(run, elm)
    assert res["final"]["theta"] == 1200 and res["final"]["decoder"] == 160
    assert res["final"]["test_rel_err"] < 0.6  # the training-mean predictor scores 0.779 (paper.md 3.1)


def test_divergence_is_recorded_not_raised() -> None:
    # in float32 a step of 1e30 on the decoder overflows the loss to inf within a few steps
    res = train_surrogate(dataclasses.replace(cfg(lr=1e30, epochs=20), dtype="float32"), toy_data())
    assert res["status"] == "diverged"
    assert res["diverged_at"] >= 1 and "non-finite" in res["reason"]
    assert "test_rel_err" not in res["final"]


def test_solver_budget_is_recorded_as_divergence() -> None:
    model = ModelConfig(architecture="node", basis="legendre", degree=1, width=4, max_nfe=5)
    run = RunConfig(dataset="toy", model=model, train=TrainConfig(epochs=2, batch_size=32))
    res = train_surrogate(run, toy_data())
    assert res["status"] == "diverged" and "budget of 5" in res["reason"]


def test_early_stop_at_loss_tolerance() -> None:
    res = train_surrogate(cfg(loss_tol=1e9, epochs=50), toy_data())
    assert res["final"]["stopped_early"] and res["final"]["epochs_run"] == 1


def test_ridge_warm_start_solves_the_normal_equations(float64: torch.dtype) -> None:
    data = toy_data()
    model = build_model(ModelConfig(width=6, n_steps=4), 3, 2, seed=0)
    x, y = torch.as_tensor(data.x_train), torch.as_tensor(data.y_train)
    alpha = 1e-3
    ridge_warm_start(model, x, y, alpha)
    tc = TrainConfig(alpha2=alpha)
    obj = 0.5 * (model(x) - y).pow(2).sum(1).mean() + regularization(model, tc)
    grads = torch.autograd.grad(obj, [model.decoder.weight, model.decoder.bias])
    assert max(float(g.abs().max()) for g in grads) < 1e-10


def test_regularization_matches_hand_computation(float64: torch.dtype) -> None:
    model = build_model(ModelConfig(width=3, n_steps=2, degree=1), 2, 2, seed=1)
    tc = TrainConfig(alpha1=0.3, alpha2=0.7)
    theta = sum(float(p.detach().pow(2).sum()) for m in (model.encoder, model.dynamics) for p in m.parameters())
    w = sum(float(p.detach().pow(2).sum()) for p in model.decoder.parameters())
    reg = regularization(model, tc)
    assert isinstance(reg, torch.Tensor)
    assert float(reg.detach()) == pytest.approx(0.15 * theta + 0.35 * w, rel=1e-12)


def test_relative_errors() -> None:
    pred = torch.tensor([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]])
    target = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # the zero row is left out
    assert relative_errors(pred, target).tolist() == [0.5, 1.0]
    assert relative_error_global(pred, target) == pytest.approx(math.sqrt(1 + 1 + 50) / math.sqrt(5))


def test_stall_rule() -> None:
    assert stalled({"train_loss": [1.0, 0.99, 0.95]}, 0.9)
    assert not stalled({"train_loss": [1.0, 0.5]}, 0.9)
    assert not stalled({"train_loss": [1.0]}, 0.9)


def test_spiral_training_runs_and_counts() -> None:
    model = ModelConfig(
        architecture="node",
        width=2,
        hidden=(8,),
        cube_input=True,
        basis="legendre",
        degree=1,
        final_time=25.0,
        init_std=0.1,
        rtol=1e-5,
        atol=1e-7,
    )
    run = RunConfig(
        dataset="spiral",
        model=model,
        train=TrainConfig(optimizer="rmsprop", iterations=4, eval_every=2, loss="l1", epochs=0),
    )
    data = load_spiral(200)
    a, b = train_spiral(run, data), train_spiral(run, data)
    assert a["status"] == "ok" and a["history"]["iteration"] == [1, 2, 4]
    assert a["history"]["cum_nfe_backward"][-1] > 0  # adjoint: the backward pass solves the adjoint ODE
    assert np.all(np.diff(a["history"]["cum_nfe_forward"]) > 0)
    assert a["final"]["dynamics"] == 2 * (2 * 8 + 8 + 8 * 2 + 2)
    assert a["history"]["train_loss"] == b["history"]["train_loss"]


def test_iteration_capped_training_evaluates_by_iteration() -> None:
    res = train_surrogate(cfg(epochs=100, iterations=10, eval_every=3), toy_data())  # 4 minibatches per epoch
    assert res["history_unit"] == "iteration"
    assert res["history"]["iteration"] == [1, 3, 6, 9, 10]
    assert res["final"]["iterations"] == 10 and res["final"]["epochs_run"] == 3
    # forward Euler, 4 steps: every iteration's evaluations land in exactly one row
    assert res["history"]["cum_nfe_forward"][-1] == 10 * 4


def test_iteration_cap_beyond_the_epochs_still_records_the_last_iteration() -> None:
    res = train_surrogate(cfg(epochs=2, iterations=100, eval_every=3), toy_data())  # 2 epochs x 4 minibatches
    assert res["history"]["iteration"] == [1, 3, 6, 8]
    assert res["final"]["nfe_forward_train"] == 8 * 4  # no training evaluations left out of the totals
