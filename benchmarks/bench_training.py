"""Training: errors of short seeded runs, the time of one epoch on real data, the peak memory of a training step."""

import torch

from ctdnn_bench.harness.cases import forward_backward
from ctdnn_bench.harness.metrics import metric_key, training_metrics
from ctdnn_bench.harness.timing import single_thread
from ctdnn_bench.harness.trainings import EPOCH_DATASETS, TRAININGS
from ctdnn_bench.models import build_model
from ctdnn_bench.training.metrics import loss_value
from ctdnn_bench.training.surrogate import make_optimizer

from . import common


class ShortTraining:
    """Errors after 2 seeded epochs on ELM (float64, one thread): exactly reproducible, as in the regression check."""

    params = (tuple(TRAININGS),)
    param_names = ("run",)
    version = common.VERSION
    unit = "relative error"
    timeout = 120

    def setup_cache(self):
        if not all(common.data_available(cfg.dataset) for cfg in TRAININGS.values()):
            return {}  # not None: asv passes a None cache on to setup as no argument at all
        with single_thread():
            return training_metrics()

    def setup(self, metrics, run):
        if not metrics:
            raise NotImplementedError("the ELM data file is not in $CTDNN_DATA_DIR")

    def track_test_rel_err(self, metrics, run):
        return metrics[metric_key("training", run, "test_rel_err")]

    def track_train_rel_err(self, metrics, run):
        return metrics[metric_key("training", run, "train_rel_err")]


class Epoch:
    """One training epoch (Adam, minibatches of 32, half-MSE) of the ResNet with Legendre d=3 weights."""

    params = (EPOCH_DATASETS,)
    param_names = ("dataset",)
    version = common.VERSION
    number = 1  # an epoch is long enough to time alone
    repeat = (1, 5, 10.0)

    def setup(self, dataset):
        common.set_one_thread()
        data = common.load(dataset)
        cfg = TRAININGS["elm-resnet-legendre-d3"]
        self.x = torch.as_tensor(data.x_train)
        self.y = torch.as_tensor(data.y_train)
        self.model = build_model(cfg.model, data.n_in, data.n_out, seed=cfg.seed_init, dtype=torch.float64)
        self.opt = make_optimizer(cfg.train, list(self.model.parameters()))
        self.batch_size, self.gen = cfg.train.batch_size, torch.Generator().manual_seed(0)

    def time_epoch(self, dataset):
        for idx in torch.randperm(len(self.x), generator=self.gen).split(self.batch_size):
            self.opt.zero_grad(set_to_none=True)
            loss_value(self.model(self.x[idx]), self.y[idx], "half_mse").backward()
            self.opt.step()


class TrainStepMemory:
    """Peak memory (of the whole process, torch included) of one forward+backward+Adam step; the adjoint (otd)
    stores no graph of the solver, so its peak should stay below backprop's (dto)."""

    params = (
        ("resnet-legendre-d3", "hamiltonian-legendre-d3", "node-legendre-d3-dopri5-otd", "node-legendre-d3-dopri5-dto"),
    )
    param_names = ("case",)
    version = common.VERSION

    def setup(self, name):
        common.set_one_thread()
        _, self.block, self.u0 = common.build(name)
        self.opt = torch.optim.Adam(self.block.parameters(), lr=1e-3)

    def peakmem_train_step(self, name):
        forward_backward(self.block, self.u0)
        self.opt.step()
