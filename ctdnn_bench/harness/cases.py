"""The one list of benchmark cases that the asv suite, the pytest-benchmark module and the regression check share.

A :class:`BenchCase` is a dynamics block (a :class:`~ctdnn_bench.models.ModelConfig`: architecture x basis x
degree x T x integrator x training paradigm) plus a seeded input of a fixed batch size, dtype and device; the
tracked bases' conditioning is here too. Registry coverage is tested (``tests/test_cases.py``): every name in ``BASES``,
``MODELS`` and ``INTEGRATORS`` appears in :data:`CASES`, so a new basis cannot go unbenchmarked. Keep the lists
short: every case costs time in each harness. Only append or edit deliberately: asv keys its history by case name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ctdnn_bench.computed import CONDITIONING_GRID
from ctdnn_bench.conditioning import basis_matrix, condition_number, gram_matrix
from ctdnn_bench.errors import lookup
from ctdnn_bench.models import ModelConfig, build_dynamics, build_model, parameter_counts
from ctdnn_bench.stats import SolveStats

#: Input/output sizes of the ELM data set: the parameter counts are those of an ELM surrogate (paper's nParams).
ELM_IN, ELM_OUT = 15, 10


#: Tolerances of the adaptive cases: looser than the paper's 1e-7 / 1e-9 so that an adjoint backward pass stays near
#: 0.1 s (the NFE at the paper's tolerances come from the experiments, not from the benchmarks).
RTOL, ATOL = 1e-5, 1e-7


@dataclass(frozen=True, kw_only=True)
class BenchCase:
    """One dynamics block and its input, everything seeded.

    Args:
        name: unique, stable identifier (the asv parameter value and pytest id).
        model: the block's :class:`~ctdnn_bench.models.ModelConfig`; ``model.adjoint`` picks the training paradigm
            of the neural ODE (True: optimize-then-discretize; False: discretize-then-optimize, as the fixed-grid
            blocks always are).
        batch: rows of the input, shape ``(batch, model.width)``.
        dtype: ``float64`` (the reference precision) or ``float32``.
        device: ``cpu`` or ``cuda``; a case whose device is missing is skipped, never failed.
        seed: seeds the parameters (``seed``) and the input (``seed + 1``).
    """

    name: str
    model: ModelConfig
    batch: int = 32
    dtype: str = "float64"
    device: str = "cpu"
    seed: int = 0

    @property
    def paradigm(self) -> str:
        """``otd`` (optimize-then-discretize, adjoint) or ``dto`` (discretize-then-optimize, backprop)."""
        return "otd" if self.model.adjoint else "dto"

    def unavailable(self) -> str | None:
        """Why this machine cannot run the case (``None`` if it can)."""
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            return f"case {self.name} needs CUDA, which this machine does not have"
        return None

    def build(self) -> tuple[nn.Module, Tensor]:
        """The block (parameters drawn with ``seed``) and an input ``(batch, width)`` drawn with ``seed + 1``."""
        with torch.random.fork_rng():  # leave the caller's global generator alone
            torch.manual_seed(self.seed)
            block = build_dynamics(self.model, device=self.device, dtype=getattr(torch, self.dtype))
        return block, self.inputs()

    def inputs(self) -> Tensor:
        """The input ``(batch, width)``, standard normal drawn with ``seed + 1``."""
        gen = torch.Generator().manual_seed(self.seed + 1)
        shape = (self.batch, self.model.width)
        return torch.randn(*shape, generator=gen, dtype=getattr(torch, self.dtype)).to(self.device)

    def parameter_counts(self) -> dict[str, int]:
        """Parameter counts of the ELM-sized surrogate model around this block (encoder, dynamics, theta, ...)."""
        return parameter_counts(build_model(self.model, ELM_IN, ELM_OUT, seed=self.seed))


def _case(
    architecture: str,
    basis: str,
    degree: int,
    *,
    final_time: float = 1.0,
    method: str = "dopri5",
    adjoint: bool = False,
    device: str = "cpu",
) -> BenchCase:
    """A case named ``architecture-basis-d<degree>[-method-paradigm][-T<T>][-device]`` (non-defaults only)."""
    name = f"{architecture}-{basis}-d{degree}"
    if architecture == "node":
        name += f"-{method}-{'otd' if adjoint else 'dto'}"
    if final_time != 1.0:
        name += f"-T{final_time:g}"
    if device != "cpu":
        name += f"-{device}"
    model = ModelConfig(
        architecture=architecture,
        basis=basis,
        degree=degree,
        final_time=final_time,
        method=method,
        rtol=RTOL,
        atol=ATOL,
        adjoint=adjoint,
    )
    return BenchCase(name=name, model=model, device=device)


#: The benchmark cases. Every basis on the ResNet; Legendre vs monomial on the Hamiltonian and neural ODE, Legendre on
#: the Leapfrog (the first version's third fixed-grid architecture); every integrator on
#: the neural ODE; both training paradigms; the paper's "none" model (one weight set per step); one CUDA case.
CASES: tuple[BenchCase, ...] = (
    _case("resnet", "legendre", 3),
    _case("resnet", "monomial", 3),
    _case("resnet", "chebyshev", 3),
    _case("resnet", "fourier", 3),
    _case("resnet", "piecewise_linear", 3),
    _case("resnet", "piecewise_constant", 11),
    _case("resnet", "static", 0),
    _case("resnet", "legendre", 3, final_time=10.0),
    _case("resnet", "legendre", 3, device="cuda"),
    _case("hamiltonian", "legendre", 3),
    _case("hamiltonian", "monomial", 3),
    _case("leapfrog", "legendre", 3),
    _case("node", "legendre", 3, adjoint=True),
    _case("node", "legendre", 3, adjoint=False),
    _case("node", "monomial", 3, adjoint=True),
    _case("node", "legendre", 3, method="bosh3", adjoint=False),
    _case("node", "legendre", 3, method="rk4", adjoint=False),
    _case("node", "legendre", 3, method="euler", adjoint=False),
)

BY_NAME: dict[str, BenchCase] = {c.name: c for c in CASES}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def get_case(name: str) -> BenchCase:
    """``BY_NAME[name]``, or a ConfigError listing the case names."""
    return lookup(BY_NAME, "benchmark case", name)


def loss(y: Tensor) -> Tensor:
    """The scalar every backward pass differentiates: ``0.5 sum(y**2)``."""
    return 0.5 * y.square().sum()


def last_stats(block: nn.Module) -> SolveStats:
    """The solve statistics of ``block``'s latest call (``block.last``: NFE, steps)."""
    stats = block.last
    if not isinstance(stats, SolveStats):
        raise TypeError(f"{type(block).__name__} keeps no SolveStats in .last")
    return stats


def forward_backward(block: nn.Module, u0: Tensor) -> Tensor:
    """One forward and one backward pass (gradients set to None first, so they never accumulate); returns ``y``."""
    block.zero_grad(set_to_none=True)
    y = block(u0)
    loss(y).backward()
    return y


class PlainResNet(nn.Module):
    """A hand-written static ResNet, ``u <- u + h tanh(W u + b)`` with one ``nn.Linear``: the reference that the
    time-dependent blocks' overhead is measured against (no basis, no weight expansion)."""

    def __init__(self, width: int, n_steps: int, final_time: float) -> None:
        super().__init__()
        self.linear, self.n_steps, self.h = nn.Linear(width, width), n_steps, final_time / n_steps

    def forward(self, u: Tensor) -> Tensor:
        for _ in range(self.n_steps):
            u = u + self.h * torch.tanh(self.linear(u))
        return u

    @classmethod
    def like(cls, case: BenchCase) -> tuple[PlainResNet, Tensor]:
        """The plain block at the sizes, dtype and seeds of ``case`` (a resnet case), and the case's input."""
        u0, m = case.inputs(), case.model
        with torch.random.fork_rng():
            torch.manual_seed(case.seed)
            plain = cls(m.width, m.n_steps, m.final_time).to(u0.dtype)
        return plain, u0


# --------------------------------------------------------------------------------------------- conditioning

#: Bases whose conditioning is tracked: name -> (basis, domain). Monomials in both of the authors' scalings.
CONDITIONING_BASES: dict[str, tuple[str, str | None]] = {
    "monomial-raw": ("monomial", "raw"),
    "monomial-unit": ("monomial", "unit"),
    "legendre": ("legendre", None),
    "chebyshev": ("chebyshev", None),
    "fourier": ("fourier", None),
    "piecewise_linear": ("piecewise_linear", None),
}
#: Where their conditioning is tracked: two corners of :data:`~ctdnn_bench.computed.CONDITIONING_GRID` (the paper's
#: degrees 3 and 6, T = 1 and 10, the same 12-point grid). Part of the baseline's metric names: edit deliberately.
CONDITIONING_TRACKED = dataclasses.replace(CONDITIONING_GRID, degrees=(3, 6), final_times=(1.0, 10.0))


def conditioning(key: str, degree: int, final_time: float) -> dict[str, float]:
    """Condition numbers of the basis matrix on the paper's 12-point grid and of the L2 Gram matrix on ``[0, T]``."""
    name, domain = CONDITIONING_BASES[key]
    basis = ModelConfig(basis=name, degree=degree, domain=domain, final_time=final_time).make_basis()
    return {
        "cond_matrix": condition_number(basis_matrix(basis, n_points=CONDITIONING_TRACKED.n_points)),
        "cond_gram": condition_number(gram_matrix(basis)),
    }
