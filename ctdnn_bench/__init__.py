"""ctdnn_bench: benchmarking continuous-time deep neural networks with time-dependent weights.

Weights vary in time as ``theta(t) = sum_k p_k(t) theta_k`` for a basis ``p_k`` (monomial, Legendre, ...). The
package builds ResNet (forward Euler), Hamiltonian (Verlet), Leapfrog and neural-ODE (torchdiffeq) surrogate models
with such weights, counts their function evaluations, measures the conditioning of each basis, and reproduces the
experiments of Rosso, Ruthotto & Sargsyan (arXiv 2507.22045).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ctdnn_bench.bases import BASES, DOMAINS, AbstractBasis, make_basis
    from ctdnn_bench.computed import COMPUTED, write_computed
    from ctdnn_bench.conditioning import (
        basis_matrix,
        change_of_basis,
        condition_number,
        conditioning_table,
        gram_matrix,
    )
    from ctdnn_bench.convert import convert_basis
    from ctdnn_bench.data import DATASETS, load_dataset
    from ctdnn_bench.dynamics import (
        MODELS,
        HamiltonianBlock,
        LeapfrogBlock,
        MLPField,
        NeuralODEBlock,
        ResNetBlock,
        TanhLayerField,
    )
    from ctdnn_bench.experiments import EXPERIMENTS, PROFILES, REPRODUCED, Profile, experiment_configs
    from ctdnn_bench.harness.baseline import regress
    from ctdnn_bench.integrators import INTEGRATORS
    from ctdnn_bench.layers import TimeDependentLinear
    from ctdnn_bench.models import ModelConfig, SurrogateModel, build_model, parameter_counts
    from ctdnn_bench.report import write_report
    from ctdnn_bench.runner import run_sweep
    from ctdnn_bench.stats import SolveStats
    from ctdnn_bench.store import ResultsStore
    from ctdnn_bench.training.config import RunConfig, TrainConfig
    from ctdnn_bench.training.run import execute

from ctdnn_bench.errors import (
    ClusterError,
    ConfigError,
    CTDNNError,
    DataError,
    EnvironmentFailure,
    ResultsError,
    ShapeError,
    SolverError,
)

# Torch-backed names load on first use, so that reading results, rendering the report and `ctdnn-bench --help`
# do not pay the ~2 s torch import. The pipeline's entry points: RunConfig -> execute (one run); experiment_configs
# (PROFILES, EXPERIMENTS) -> run_sweep (many runs into a ResultsStore); write_computed; write_report; regress.
_LAZY = {
    "ctdnn_bench.bases": ("BASES", "DOMAINS", "AbstractBasis", "make_basis"),
    "ctdnn_bench.conditioning": (
        "basis_matrix",
        "change_of_basis",
        "condition_number",
        "conditioning_table",
        "gram_matrix",
    ),
    "ctdnn_bench.convert": ("convert_basis",),
    "ctdnn_bench.data": ("DATASETS", "load_dataset"),
    "ctdnn_bench.dynamics": (
        "MODELS",
        "HamiltonianBlock",
        "LeapfrogBlock",
        "MLPField",
        "NeuralODEBlock",
        "ResNetBlock",
        "TanhLayerField",
    ),
    "ctdnn_bench.integrators": ("INTEGRATORS",),
    "ctdnn_bench.layers": ("TimeDependentLinear",),
    "ctdnn_bench.models": ("ModelConfig", "SurrogateModel", "build_model", "parameter_counts"),
    "ctdnn_bench.stats": ("SolveStats",),
    "ctdnn_bench.training.config": ("RunConfig", "TrainConfig"),
    "ctdnn_bench.experiments": ("EXPERIMENTS", "PROFILES", "REPRODUCED", "Profile", "experiment_configs"),
    "ctdnn_bench.training.run": ("execute",),
    "ctdnn_bench.runner": ("run_sweep",),
    "ctdnn_bench.store": ("ResultsStore",),
    "ctdnn_bench.record": ("RunRecord",),
    "ctdnn_bench.variants": ("VARIANTS", "Variant", "run_label", "variant_of"),
    "ctdnn_bench.harness.baseline": ("regress",),
    "ctdnn_bench.computed": ("COMPUTED", "write_computed"),
    "ctdnn_bench.report": ("write_report",),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ctdnn_bench' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "BASES",
    "COMPUTED",
    "DATASETS",
    "DOMAINS",
    "EXPERIMENTS",
    "INTEGRATORS",
    "MODELS",
    "PROFILES",
    "REPRODUCED",
    "VARIANTS",
    "AbstractBasis",
    "CTDNNError",
    "ClusterError",
    "ConfigError",
    "DataError",
    "EnvironmentFailure",
    "HamiltonianBlock",
    "LeapfrogBlock",
    "MLPField",
    "ModelConfig",
    "NeuralODEBlock",
    "Profile",
    "ResNetBlock",
    "ResultsError",
    "ResultsStore",
    "RunConfig",
    "RunRecord",
    "ShapeError",
    "SolveStats",
    "SolverError",
    "SurrogateModel",
    "TanhLayerField",
    "TimeDependentLinear",
    "TrainConfig",
    "Variant",
    "basis_matrix",
    "build_model",
    "change_of_basis",
    "condition_number",
    "conditioning_table",
    "convert_basis",
    "execute",
    "experiment_configs",
    "gram_matrix",
    "load_dataset",
    "make_basis",
    "parameter_counts",
    "regress",
    "run_label",
    "run_sweep",
    "variant_of",
    "write_computed",
    "write_report",
]
