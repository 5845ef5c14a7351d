"""Continuous-time dynamics blocks: ResNet (forward Euler), Hamiltonian (Verlet split), Leapfrog, neural ODE
(torchdiffeq)."""

from torch import nn

from ctdnn_bench.dynamics._fixed_grid import TIME_GRIDS, AbstractFixedGridBlock, step_times
from ctdnn_bench.dynamics.fields import MLPField, TanhLayerField
from ctdnn_bench.dynamics.hamiltonian import HamiltonianBlock
from ctdnn_bench.dynamics.leapfrog import LeapfrogBlock, leapfrog_steps
from ctdnn_bench.dynamics.node import ADJOINT_NORMS, NeuralODEBlock
from ctdnn_bench.dynamics.resnet import ResNetBlock

#: Model families by registry name.
MODELS: dict[str, type[nn.Module]] = {
    "resnet": ResNetBlock,
    "hamiltonian": HamiltonianBlock,
    "leapfrog": LeapfrogBlock,
    "node": NeuralODEBlock,
}

__all__ = [
    "ADJOINT_NORMS",
    "MODELS",
    "TIME_GRIDS",
    "AbstractFixedGridBlock",
    "HamiltonianBlock",
    "LeapfrogBlock",
    "MLPField",
    "NeuralODEBlock",
    "ResNetBlock",
    "TanhLayerField",
    "leapfrog_steps",
    "step_times",
]
