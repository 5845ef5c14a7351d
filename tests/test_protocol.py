"""The revised neural-ODE protocol: early stopping on validation, the best checkpoint, StepLR, the adjoint probe."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ctdnn_bench.data import SurrogateDataset
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training import RunConfig, TrainConfig, train_surrogate
from ctdnn_bench.training.checkpoint import BestCheckpoint
from ctdnn_bench.training.loop import make_scheduler
from ctdnn_bench.training.probe import PROBE_KEYS


def toy_data() -> SurrogateDataset:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (48, 3))
    y = np.stack([np.sin(2 * x[:, 0]) * x[:, 1], np.cos(x[:, 2])], axis=1)
    idx = (np.arange(32), np.arange(32, 40), np.arange(40, 48))
    return SurrogateDataset.from_indices("toy", x, y, idx, description="toy", provenance="test")


def test_patience_counts_evaluations_without_a_new_best() -> None:
    stopper = BestCheckpoint(torch.nn.Linear(1, 1), patience=2)
    decisions = [stopper.update(at, err) for at, err in enumerate([3.0, 2.0, 2.5, 1.5, 1.6, float("nan")], 1)]
    assert decisions == [False, False, False, False, False, True]  # nan is no improvement
    assert (stopper.best, stopper.best_at) == (1.5, 4)
    assert not BestCheckpoint(torch.nn.Linear(1, 1)).update(1, float("nan"))  # patience 0 never stops


def test_best_checkpoint_restores_the_parameters_of_the_best_evaluation() -> None:
    module = torch.nn.Linear(2, 1)
    keeper = BestCheckpoint(module, keep=True)
    with torch.no_grad():
        module.weight.fill_(1.0)
        keeper.update(1, 0.5)
        module.weight.fill_(2.0)  # a worse evaluation is not kept
        keeper.update(2, 0.7)
    assert keeper.restore() and torch.equal(module.weight, torch.ones(1, 2))
    assert not BestCheckpoint(module).restore()  # nothing kept, nothing changed


def test_step_lr_halves_every_lr_step_optimizer_steps() -> None:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=1e-2)
    scheduler = make_scheduler(TrainConfig(lr_step=3, lr_decay=0.5), opt)
    assert scheduler is not None and make_scheduler(TrainConfig(), opt) is None
    lrs = []
    for _ in range(7):
        opt.step()
        scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([1e-2, 1e-2, 5e-3, 5e-3, 5e-3, 2.5e-3, 2.5e-3])


def test_revised_node_run_stops_on_patience_and_reports_its_best_checkpoint_and_the_adjoint_probe() -> None:
    model = ModelConfig(architecture="node", width=3, hidden=(4,), degree=1, rtol=1e-4, atol=1e-6)
    train = TrainConfig(
        lr=0.2,
        batch_size=8,
        epochs=100,
        iterations=10,
        eval_every=2,
        loss="l1",
        lr_step=4,
        patience=3,
        restore_best=True,
    )
    result = train_surrogate(RunConfig(dataset="toy", model=model, train=train, seed_init=3), toy_data())
    hist, final = result["history"], result["final"]
    assert result["status"] == "ok" and final["restored_best"]
    # validation errors at iterations 1, 2, 4, 6, 8: best at 2, then three evaluations without a new best
    assert hist["iteration"] == [1, 2, 4, 6, 8] and final["stopped_early"] and final["best_at"] == 2
    # the final validation error is that of the restored checkpoint, the history's best, not the last
    assert final["val_rel_err"] == pytest.approx(min(hist["val_rel_err"]), rel=1e-12)
    assert final["val_rel_err"] < hist["val_rel_err"][-1]
    assert set(PROBE_KEYS) <= set(final)
    # both norms give positive counts; which is smaller depends on the run (the step sequences differ)
    assert final["probe_nfe_backward_seminorm"] > 0 and final["probe_nfe_backward_default"] > 0
    # the probe's solves are not training: the cumulative training NFE is the history's
    assert final["nfe_backward_train"] == hist["cum_nfe_backward"][-1]
