"""GNvpro workloads of the harness: one trust-region iteration on seeded synthetic data of ELM's shape.

The first iteration's GMRES iterations and residual, work units and forward NFE are deterministic on one thread
(regression metrics and asv ``track_`` values); its wall time is an asv ``time_`` benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ctdnn_bench.harness.cases import ELM_IN, ELM_OUT, get_case
from ctdnn_bench.models import build_model
from ctdnn_bench.optim.trust_region import TrustRegion, TrustRegionOptions
from ctdnn_bench.optim.varpro import VarProObjective


@dataclass(frozen=True, kw_only=True)
class GnvproCase:
    """One GNvpro trust-region iteration on a seeded synthetic regression problem of ELM's shape.

    Args:
        name: unique, stable identifier.
        block: the :data:`CASES` entry whose architecture, basis, degree and T the surrogate uses.
        n_samples: training samples (full batch).
        seed: seeds the model (``seed``) and the data (``seed + 1``).

    The data: ``x ~ N(0, 1)`` of shape ``(n_samples, 15)``, ``y = tanh(x A) + 0.1 sin(x B)`` with ``A, B ~ N(0, 1/15)``
    of shape ``(15, 10)``, float64: fixed given the seed, so the GMRES iteration count of the first iteration is a
    deterministic number (on one thread).
    """

    name: str
    block: str = "resnet-legendre-d3"
    n_samples: int = 256
    seed: int = 0

    def problem(self) -> VarProObjective:
        """The VarPro objective (alpha1 = 1e-5, alpha2 = 1e-3); its model holds the starting theta."""
        gen = torch.Generator().manual_seed(self.seed + 1)
        x = torch.randn(self.n_samples, ELM_IN, generator=gen, dtype=torch.float64)
        a, b = (torch.randn(ELM_IN, ELM_OUT, generator=gen, dtype=torch.float64) / ELM_IN**0.5 for _ in range(2))
        y = torch.tanh(x @ a) + 0.1 * torch.sin(x @ b)
        model = build_model(get_case(self.block).model, ELM_IN, ELM_OUT, seed=self.seed, dtype=torch.float64)
        return VarProObjective(model, x, y, alpha1=1e-5, alpha2=1e-3)

    def solver(self, objective: VarProObjective | None = None) -> TrustRegion:
        """The trust-region loop (paper settings) at the starting point: objective and gradient evaluated."""
        objective = objective or self.problem()
        return TrustRegion(objective.residual, objective.theta(), TrustRegionOptions())

    def one_iteration(self) -> dict[str, float | int]:
        """Run the first iteration; its GMRES iterations and relative residual, work units (including the 2 of the
        start), forward NFE and the objective after it."""
        objective = self.problem()
        tr = self.solver(objective)
        before = objective.model.stats.nfe_forward
        step = tr.step()
        return {
            "gmres_iterations": step.gmres_iterations,
            "gmres_residual": step.gmres_residual,
            "work_units": step.work_units,
            "nfe_forward": objective.model.stats.nfe_forward - before,
            "objective": step.objective,
        }


#: The GNvpro cases: Legendre and monomial weights (the basis enters GNvpro only through the Krylov solve and the
#: regularizer). With the paper's settings GMRES stops at its 20 steps here; its residual tells the bases apart.
GNVPRO_CASES: tuple[GnvproCase, ...] = (
    GnvproCase(name="gnvpro-resnet-legendre-d3", block="resnet-legendre-d3"),
    GnvproCase(name="gnvpro-resnet-monomial-d3", block="resnet-monomial-d3"),
)
GNVPRO_BY_NAME: dict[str, GnvproCase] = {c.name: c for c in GNVPRO_CASES}
