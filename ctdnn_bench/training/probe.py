"""The adjoint-norm probe: backward NFE of one fixed forward + backward pass under each adjoint norm.

Training NFE depend on the adjoint's error norm: torchdiffeq's default norm includes the parameter adjoint, whose
size depends on how the weights are parameterized (a monomial coefficient's adjoint scales like ``T^k``), so the
backward NFE can differ between bases for a reason unrelated to the dynamics. The seminorm (Kidger, Chen & Lyons,
ICML 2021) leaves the parameter adjoint out. The probe measures both on the trained model, so a claim about NFE
(paper.md C1) can be checked under both (``../shared/docs/verdicts.md`` section 3).

The seminorm is not guaranteed to take fewer steps: the two step sequences differ, and once the state or its
adjoint dominates the error estimate both norms take the same steps (measured on ELM neural ODEs at rtol 1e-7:
98 vs 92 backward NFE at initialization, equal after a few iterations of training).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from ctdnn_bench.dynamics import ADJOINT_NORMS, NeuralODEBlock
from ctdnn_bench.errors import SolverError

#: What the probe adds to a record's ``final`` (None where a probe solve failed).
PROBE_KEYS = ("probe_nfe_forward", *(f"probe_nfe_backward_{norm}" for norm in ADJOINT_NORMS))


def adjoint_norm_probe(block: NeuralODEBlock, module: nn.Module, loss: Callable[[], Tensor]) -> dict[str, int | None]:
    """Run ``loss().backward()`` once per adjoint norm and count the block's forward and backward NFE.

    Args:
        block: the neural-ODE block inside ``loss``; must use the adjoint (else ``{}`` is returned).
        module: the module whose parameter gradients the probe clears afterwards (the whole model).
        loss: computes a scalar on a fixed batch through ``block`` (one solve).

    Returns:
        ``probe_nfe_forward`` (one forward solve; the norm does not affect it) and ``probe_nfe_backward_<norm>``
        for each norm in :data:`~ctdnn_bench.dynamics.ADJOINT_NORMS`. The block's statistics, norm and the module's
        gradients are left as they were found (gradients cleared).
    """
    if not block.adjoint:
        return {}
    norm, counters = block.adjoint_norm, block.stats.as_dict()
    out: dict[str, int | None] = dict.fromkeys(PROBE_KEYS)
    try:
        for probe_norm in ADJOINT_NORMS:
            block.adjoint_norm = probe_norm
            module.zero_grad(set_to_none=True)
            loss().backward()
            out["probe_nfe_forward"] = block.last.nfe_forward
            out[f"probe_nfe_backward_{probe_norm}"] = block.last.nfe_backward
    except SolverError:
        pass  # a probe that exceeds the solver budget records None; it must not fail the finished run
    finally:
        block.adjoint_norm = norm
        module.zero_grad(set_to_none=True)
        for name, value in counters.items():  # in place: trackers hold this object
            setattr(block.stats, name, value)
    return out
