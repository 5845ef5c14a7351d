"""Condition numbers of the basis (Vandermonde) matrix on the paper's 12-point grid and of the L2 Gram matrix."""

from ctdnn_bench.harness.cases import CONDITIONING_BASES, CONDITIONING_TRACKED
from ctdnn_bench.harness.metrics import conditioning_metrics, metric_key

from .common import VERSION


class Conditioning:
    params = (tuple(CONDITIONING_BASES), CONDITIONING_TRACKED.degrees, CONDITIONING_TRACKED.final_times)
    param_names = ("basis", "degree", "T")
    version = VERSION
    unit = "condition number"

    def setup_cache(self):
        return conditioning_metrics()

    def track_cond_matrix(self, metrics, basis, degree, final_time):
        return metrics[metric_key("conditioning", basis, "cond_matrix", degree=degree, final_time=final_time)]

    def track_cond_gram(self, metrics, basis, degree, final_time):
        return metrics[metric_key("conditioning", basis, "cond_gram", degree=degree, final_time=final_time)]
