"""Time of the forward pass, forward+backward, and backward alone of every benchmark case.

For discretize-then-optimize cases (ResNet, Hamiltonian, neural ODE with ``dto``) the backward pass is
backpropagation through the steps; for optimize-then-discretize cases (neural ODE with ``otd``) it is the adjoint
solve. The paradigm is part of the case name. On a CUDA case every timed call ends with ``torch.cuda.synchronize()``
(and setup synchronizes before the first), so that asv's clock sees the kernels, not only their launch.
"""

import torch

from ctdnn_bench.harness.cases import NAMES, forward_backward, loss
from ctdnn_bench.harness.timing import synchronize

from .common import VERSION, build, set_one_thread


class Passes:
    params = (NAMES,)
    param_names = ("case",)
    version = VERSION

    def setup(self, name):
        set_one_thread()
        self.case, self.block, self.u0 = build(name)
        # the graph that time_backward differentiates again and again (retain_graph keeps it)
        self.loss = loss(self.block(self.u0))
        self.device = self.case.device
        synchronize(self.device)

    def time_forward(self, name):
        """Inference: the forward pass without recording a graph."""
        with torch.no_grad():
            self.block(self.u0)
        synchronize(self.device)

    def time_forward_backward(self, name):
        forward_backward(self.block, self.u0)
        synchronize(self.device)

    def time_backward(self, name):
        """Backward alone: backprop through the recorded steps (dto) or the adjoint solve (otd)."""
        self.loss.backward(retain_graph=True)
        synchronize(self.device)
