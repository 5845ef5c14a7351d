"""The one list of benchmark cases that the asv suite, the pytest-benchmark module and the regression check share.

A :class:`BenchCase` is a dynamics block (architecture x basis x degree x T x integrator x training paradigm x
sizes) plus a seeded input. Registry coverage is tested (``tests/test_cases.py``): every name in ``BASES``,
``MODELS`` and ``INTEGRATORS`` appears in :data:`CASES`, so a new basis cannot go unbenchmarked. Keep the lists
short: every case costs time in each harness. Only append or edit deliberately: asv keys its history by case name.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ctdnn_bench.conditioning import basis_matrix, condition_number, gram_matrix
from ctdnn_bench.errors import lookup
from ctdnn_bench.models import ModelConfig, build_dynamics, build_model, parameter_counts
from ctdnn_bench.optim.trust_region import TrustRegion, TrustRegionOptions
from ctdnn_bench.optim.varpro import VarProObjective
from ctdnn_bench.training.config import RunConfig, TrainConfig

#: Input/output sizes of the ELM data set: the parameter counts are those of an ELM surrogate (paper's nParams).
ELM_IN, ELM_OUT = 15, 10


@dataclass(frozen=True, kw_only=True)
class BenchCase:
    """One dynamics block and its input, everything seeded.

    Args:
        name: unique, stable identifier (the asv parameter value and pytest id).
        architecture, basis, degree, domain, final_time, n_steps, width, hidden, method, adjoint:
            as :class:`~ctdnn_bench.models.ModelConfig`; ``adjoint`` picks the training paradigm of the neural
            ODE (True: optimize-then-discretize; False: discretize-then-optimize, as the fixed-grid blocks always are).
        rtol, atol: adaptive-solver tolerances; looser than the paper's 1e-7 / 1e-9 so that an adjoint backward pass
            stays near 0.1 s (the NFE at the paper's tolerances come from the experiments, not from the benchmarks).
        batch: rows of the input, shape ``(batch, width)``.
        dtype: ``float64`` (the reference precision) or ``float32``.
        device: ``cpu`` or ``cuda``; a case whose device is missing is skipped, never failed.
        seed: seeds the parameters (``seed``) and the input (``seed + 1``).
    """

    name: str
    architecture: str = "resnet"
    basis: str = "legendre"
    degree: int = 3
    domain: str | None = None
    final_time: float = 1.0
    method: str = "dopri5"
    adjoint: bool = False
    batch: int = 32
    width: int = 15
    n_steps: int = 12
    hidden: tuple[int, ...] = ()
    rtol: float = 1e-5
    atol: float = 1e-7
    dtype: str = "float64"
    device: str = "cpu"
    seed: int = 0

    @property
    def paradigm(self) -> str:
        """``otd`` (optimize-then-discretize, adjoint) or ``dto`` (discretize-then-optimize, backprop)."""
        return "otd" if self.adjoint else "dto"

    def model_config(self) -> ModelConfig:
        """The :class:`ModelConfig` of the block (validated there)."""
        return ModelConfig(
            architecture=self.architecture,
            basis=self.basis,
            degree=self.degree,
            domain=self.domain,
            final_time=self.final_time,
            n_steps=self.n_steps,
            width=self.width,
            hidden=self.hidden,
            method=self.method,
            rtol=self.rtol,
            atol=self.atol,
            adjoint=self.adjoint,
        )

    def unavailable(self) -> str | None:
        """Why this machine cannot run the case (``None`` if it can)."""
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            return f"case {self.name} needs CUDA, which this machine does not have"
        return None

    def build(self) -> tuple[nn.Module, Tensor]:
        """The block (parameters drawn with ``seed``) and an input ``(batch, width)`` drawn with ``seed + 1``."""
        with torch.random.fork_rng():  # leave the caller's global generator alone
            torch.manual_seed(self.seed)
            block = build_dynamics(self.model_config(), device=self.device, dtype=getattr(torch, self.dtype))
        return block, self.inputs()

    def inputs(self) -> Tensor:
        """The input ``(batch, width)``, standard normal drawn with ``seed + 1``."""
        gen = torch.Generator().manual_seed(self.seed + 1)
        return torch.randn(self.batch, self.width, generator=gen, dtype=getattr(torch, self.dtype)).to(self.device)

    def parameter_counts(self) -> dict[str, int]:
        """Parameter counts of the ELM-sized surrogate model around this block (encoder, dynamics, theta, ...)."""
        return parameter_counts(build_model(self.model_config(), ELM_IN, ELM_OUT, seed=self.seed))


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
    return BenchCase(
        name=name,
        architecture=architecture,
        basis=basis,
        degree=degree,
        final_time=final_time,
        method=method,
        adjoint=adjoint,
        device=device,
    )


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
        u0 = case.inputs()
        with torch.random.fork_rng():
            torch.manual_seed(case.seed)
            plain = cls(case.width, case.n_steps, case.final_time).to(u0.dtype)
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
CONDITIONING_DEGREES: tuple[int, ...] = (3, 6)
CONDITIONING_TIMES: tuple[float, ...] = (1.0, 10.0)


def conditioning(key: str, degree: int, final_time: float) -> dict[str, float]:
    """Condition numbers of the basis matrix on the paper's 12-point grid and of the L2 Gram matrix on ``[0, T]``."""
    name, domain = CONDITIONING_BASES[key]
    basis = ModelConfig(basis=name, degree=degree, domain=domain, final_time=final_time).make_basis()
    return {
        "cond_matrix": condition_number(basis_matrix(basis)),
        "cond_gram": condition_number(gram_matrix(basis)),
    }


# ------------------------------------------------------------------------------------------ short trainings

#: Seeded short training runs on ELM (2 epochs, float64): deterministic with ``torch.set_num_threads(1)``.
TRAININGS: dict[str, RunConfig] = {
    f"elm-resnet-{basis}-d3": RunConfig(
        dataset="elm",
        model=ModelConfig(architecture="resnet", basis=basis, degree=3),
        train=TrainConfig(epochs=2, eval_every=2),
        label=f"{basis} d=3",
    )
    for basis in ("legendre", "monomial")
}

#: Data sets whose training epoch is timed.
EPOCH_DATASETS: tuple[str, ...] = ("elm", "cdr")


# ------------------------------------------------------------------------------ stacked-training throughput

#: Group sizes of the stacked-training throughput benchmark: 1 is the single-run trainer, 126 one Table 2 group
#: (7 variants x 3 T x 6 seeds of one data set and architecture at the paper's settings).
ENSEMBLE_SIZES = (1, 126)


def ensemble_group(size: int, dtype: str = "float64", epochs: int = 1) -> list[RunConfig]:
    """``size`` ELM runs of one stacked group: ResNet, Legendre d=3, T = 5, the revised protocol, seeds 0, 1, ..."""
    train = TrainConfig(epochs=epochs, alpha1=1e-5, alpha2=1e-3, decoder_warm_start=True, eval_every=max(epochs, 1))
    model = ModelConfig(architecture="resnet", basis="legendre", degree=3, final_time=5.0)
    return [
        RunConfig(dataset="elm", model=model, train=train, seed_init=s, seed_batch=s, dtype=dtype) for s in range(size)
    ]


def model_epochs_per_second(data: object, size: int, dtype: str = "float64", epochs: int = 1) -> float:
    """Training throughput of :func:`ensemble_group` on ``data``: model-epochs per second of training steps
    (evaluations excluded). ``size = 1`` trains with the single-run trainer, larger sizes stacked."""
    from ctdnn_bench.training.ensemble import train_ensemble
    from ctdnn_bench.training.surrogate import train_surrogate

    cfgs = ensemble_group(size, dtype, epochs)
    results = train_ensemble(cfgs, data) if size > 1 else [train_surrogate(cfgs[0], data)]
    return size * epochs / sum(float(r["final"]["train_time"]) for r in results)


# ------------------------------------------------------------------------------------------------- GNvpro


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
        model = build_model(get_case(self.block).model_config(), ELM_IN, ELM_OUT, seed=self.seed, dtype=torch.float64)
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
