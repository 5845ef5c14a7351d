"""ctdnn_bench: benchmarking continuous-time deep neural networks with time-dependent weights.

Weights vary in time as ``theta(t) = sum_k p_k(t) theta_k`` for a basis ``p_k`` (monomial, Legendre, ...). The
package builds ResNet (forward Euler), Hamiltonian (Verlet) and neural-ODE (torchdiffeq) surrogate models with such
weights, counts their function evaluations, measures the conditioning of each basis, and reproduces the
experiments of Rosso, Ruthotto & Sargsyan (arXiv 2507.22045).
"""

from ctdnn_bench.bases import BASES, DOMAINS, AbstractBasis, make_basis
from ctdnn_bench.conditioning import (
    basis_matrix,
    change_of_basis,
    condition_number,
    conditioning_table,
    gram_matrix,
)
from ctdnn_bench.convert import convert_basis
from ctdnn_bench.dynamics import (
    MODELS,
    HamiltonianBlock,
    MLPField,
    NeuralODEBlock,
    ResNetBlock,
    TanhLayerField,
)
from ctdnn_bench.errors import ConfigError, CTDNNError, DataError, ResultsError, ShapeError, SolverError
from ctdnn_bench.integrators import INTEGRATORS
from ctdnn_bench.layers import TimeDependentLinear
from ctdnn_bench.models import ModelConfig, SurrogateModel, build_model, parameter_counts
from ctdnn_bench.stats import SolveStats

__version__ = "0.1.0"

__all__ = [
    "BASES",
    "DOMAINS",
    "INTEGRATORS",
    "MODELS",
    "AbstractBasis",
    "CTDNNError",
    "ConfigError",
    "DataError",
    "HamiltonianBlock",
    "MLPField",
    "ModelConfig",
    "NeuralODEBlock",
    "ResNetBlock",
    "ResultsError",
    "ShapeError",
    "SolveStats",
    "SolverError",
    "SurrogateModel",
    "TanhLayerField",
    "TimeDependentLinear",
    "basis_matrix",
    "build_model",
    "change_of_basis",
    "condition_number",
    "conditioning_table",
    "convert_basis",
    "gram_matrix",
    "make_basis",
    "parameter_counts",
]
