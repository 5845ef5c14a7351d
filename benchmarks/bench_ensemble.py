"""Stacked training: ELM model-epochs per second of one group of M runs trained as one model, against M = 1."""

from ctdnn_bench.harness.ratios import throughput_ratio
from ctdnn_bench.harness.timing import single_thread
from ctdnn_bench.harness.trainings import ENSEMBLE_SIZES, model_epochs_per_second

from . import common


class StackedEpoch:
    """One training epoch of ``M`` ELM runs (ResNet, Legendre d=3, T = 5) stacked; M = 1 is the single-run trainer.
    Divide by M for the time per model-epoch."""

    params = (ENSEMBLE_SIZES, ("float64", "float32"))
    param_names = ("M", "dtype")
    version = common.VERSION
    number = 1
    repeat = (1, 3, 30.0)
    timeout = 300

    def setup(self, size, dtype):
        common.set_one_thread()
        self.data = common.load("elm")

    def time_epoch(self, size, dtype):
        model_epochs_per_second(self.data, size, dtype)


class StackedThroughput:
    """Throughput ratio stacked (M = 126) / single (M = 1), measured alternately in one process (timing: not part of
    the deterministic gate, whose pattern excludes ``track_ratio*``). Targets: >= 8 in float64, >= 10 in float32."""

    params = (("float64", "float32"),)
    param_names = ("dtype",)
    version = common.VERSION
    unit = "ratio"
    timeout = 600

    def setup(self, dtype):
        common.set_one_thread()
        self.data = common.load("elm")

    def track_ratio_stacked_vs_single(self, dtype):
        with single_thread():
            return throughput_ratio(self.data, max(ENSEMBLE_SIZES), dtype, rounds=1)[2]
