"""GNvpro: the time of one trust-region iteration (20 GMRES steps on the Gauss-Newton matrix, one trial evaluation)
and its deterministic counts (GMRES iterations, forward NFE, work units), of ctdnn_bench.harness.gnvpro.GNVPRO_CASES."""

from ctdnn_bench.harness.gnvpro import GNVPRO_BY_NAME
from ctdnn_bench.harness.metrics import gnvpro_metrics, metric_key
from ctdnn_bench.harness.timing import single_thread

from .common import VERSION, set_one_thread

NAMES = tuple(GNVPRO_BY_NAME)


class Iteration:
    """Wall time of the first outer iteration from a fresh start (setup evaluates objective and gradient)."""

    params = (NAMES,)
    param_names = ("case",)
    version = VERSION
    number = 1  # every sample starts from a fresh solver: the first iteration, not a later one
    repeat = (1, 5, 10.0)

    def setup(self, name):
        set_one_thread()
        self.solver = GNVPRO_BY_NAME[name].solver()

    def time_iteration(self, name):
        self.solver.step()


class Counts:
    """GMRES iterations, forward NFE and work units of that iteration: exact given the seeds, as in the regression
    baseline."""

    params = (NAMES,)
    param_names = ("case",)
    version = VERSION

    def setup_cache(self):
        with single_thread():
            return gnvpro_metrics()

    def track_gmres_iterations(self, metrics, name):
        return metrics[metric_key("gnvpro", name, "gmres_iterations")]

    track_gmres_iterations.unit = "iterations"

    def track_nfe_forward(self, metrics, name):
        return metrics[metric_key("gnvpro", name, "nfe_forward")]

    track_nfe_forward.unit = "evaluations"

    def track_work_units(self, metrics, name):
        return metrics[metric_key("gnvpro", name, "work_units")]

    track_work_units.unit = "work units"
