"""Deterministic counts per benchmark case: forward and backward NFE, steps, parameters.

The values come from :func:`ctdnn_bench.harness.metrics.case_metrics`, the same numbers the CI regression check compares
with ``results/baselines/metrics.json``: one forward and one backward pass per case, on one thread.
"""

from ctdnn_bench.harness.cases import NAMES
from ctdnn_bench.harness.metrics import case_metrics, metric_key
from ctdnn_bench.harness.timing import single_thread

from .common import VERSION, build


class _CaseMetrics:
    params = (NAMES,)
    param_names = ("case",)
    version = VERSION

    def setup_cache(self):
        with single_thread():
            return case_metrics()

    def setup(self, metrics, name):
        if metric_key("case", name, "nfe_forward") not in metrics:
            build(name)  # raises NotImplementedError (skip) for a case this machine cannot run


class NFE(_CaseMetrics):
    unit = "evaluations"

    def track_nfe_forward(self, metrics, name):
        return metrics[metric_key("case", name, "nfe_forward")]

    def track_nfe_backward(self, metrics, name):
        """Vector-field evaluations of the backward pass (0 for backprop: it replays the graph)."""
        return metrics[metric_key("case", name, "nfe_backward")]


class Steps(_CaseMetrics):
    unit = "steps"

    def track_steps_accepted(self, metrics, name):
        return metrics[metric_key("case", name, "steps_accepted")]

    def track_steps_rejected(self, metrics, name):
        return metrics[metric_key("case", name, "steps_rejected")]


class Parameters(_CaseMetrics):
    unit = "parameters"

    def track_parameters(self, metrics, name):
        """Trainable parameters of the encoder and dynamics of an ELM-sized surrogate (the paper's nParams)."""
        return metrics[metric_key("case", name, "params_theta")]
