"""Condition numbers of the basis (Vandermonde) matrix on the paper's 12-point grid and of the L2 Gram matrix."""

from ctdnn_bench.cases import CONDITIONING_BASES, CONDITIONING_DEGREES, CONDITIONING_TIMES
from ctdnn_bench.regression import conditioning_metrics

from .common import VERSION


class Conditioning:
    params = (tuple(CONDITIONING_BASES), CONDITIONING_DEGREES, CONDITIONING_TIMES)
    param_names = ("basis", "degree", "T")
    version = VERSION
    unit = "condition number"

    def setup_cache(self):
        return conditioning_metrics()

    def track_cond_matrix(self, metrics, basis, degree, final_time):
        return metrics[f"conditioning/{basis}/d{degree}/T{final_time:g}/cond_matrix"]

    def track_cond_gram(self, metrics, basis, degree, final_time):
        return metrics[f"conditioning/{basis}/d{degree}/T{final_time:g}/cond_gram"]
