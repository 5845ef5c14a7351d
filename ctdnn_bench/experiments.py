"""The paper's experiments as named grids of run configs, each with a ``quick`` and a ``paper`` profile.

- ``table2``: ResNet and Hamiltonian x {monomial d=3, Legendre d=3..6, unconstrained} x {elm, cdr, dcr} x T in
  {1, 5, 10} (paper Table 2), plus monomial d=3 on the unit time domain, so that time scaling and orthogonality
  can be told apart (the authors' MATLAB monomials live on [0, T], their Legendre on [-1, 1]).
- ``table3``: DCR, Hamiltonian, T = 1: Legendre d=3..6 vs unconstrained (error vs degrees of freedom).
- ``node``: neural ODE, optimize-then-discretize (dopri5, adjoint, rtol 1e-7, atol 1e-9): static vs monomial
  (unit and raw time) vs Legendre on the spiral task, and static vs monomial vs Legendre on ELM and CDR.
- ``conditioning``: no training; condition numbers of the bases (see :mod:`ctdnn_bench.conditioning`).

Protocols for the DTO runs (paper.md Sec. 7): ``revised`` (default; ridge warm start of the decoder, Tikhonov
alpha1 = 1e-5, alpha2 = 1e-3, no early stop) and ``v1`` (decoder ~ randn, no regularization, stop at loss 0.01).
"Degree d" is always the polynomial degree (d + 1 functions); the authors' revised Python used d functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ctdnn_bench import validate
from ctdnn_bench.errors import ConfigError, unknown_name
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How big an experiment is.

    Args:
        name: ``quick`` or ``paper``.
        epochs: DTO epochs per data set.
        seeds: initialization seeds (each also seeds the minibatch order).
        spiral_iterations: optimizer steps of the spiral task.
        node_eval_every: iterations between evaluations of the neural-ODE runs (the revision validates every 20).
        node_iterations: optimizer steps of the surrogate neural ODEs.
        datasets: DTO data sets.
        final_times: T values of Table 2.
    """

    name: str
    epochs: dict[str, int]
    seeds: tuple[int, ...]
    spiral_iterations: int
    node_eval_every: int
    node_iterations: int
    node_datasets: tuple[str, ...]
    datasets: tuple[str, ...] = ("elm", "cdr", "dcr")
    final_times: tuple[float, ...] = (1.0, 5.0, 10.0)


PROFILES: dict[str, Profile] = {
    # a laptop CPU (2 cores) runs every experiment of this profile in a few minutes
    "quick": Profile(
        name="quick",
        epochs={"elm": 15, "cdr": 60, "dcr": 40},
        seeds=(20,),
        spiral_iterations=120,
        node_eval_every=10,
        node_iterations=60,
        node_datasets=("elm",),
    ),
    # the paper's settings (Sec. 7): 10,000 epochs, seed 20 plus five more, 2000 iterations
    "paper": Profile(
        name="paper",
        epochs={"elm": 10_000, "cdr": 10_000, "dcr": 10_000},
        seeds=(20, 0, 1, 2, 3, 4),
        spiral_iterations=2000,
        node_eval_every=20,
        node_iterations=2000,
        node_datasets=("elm", "cdr", "dcr"),
    ),
}

PROTOCOLS: dict[str, dict[str, object]] = {
    "revised": {"alpha1": 1e-5, "alpha2": 1e-3, "decoder_warm_start": True, "loss_tol": None},
    "v1": {"alpha1": 0.0, "alpha2": 0.0, "decoder_warm_start": False, "loss_tol": 0.01},
}

#: (label, basis, degree, domain) of the DTO variants; ``none`` = one weight set per step (degree n_t - 1).
DTO_VARIANTS: tuple[tuple[str, str, int, str | None], ...] = (
    ("monomial d=3", "monomial", 3, "raw"),
    ("monomial[0,1] d=3", "monomial", 3, "unit"),
    *((f"legendre d={d}", "legendre", d, None) for d in (3, 4, 5, 6)),
    ("none", "piecewise_constant", 11, None),
)

#: neural-ODE variants at degree 3 (cubic): static, monomial on [0, 1] and on raw time, Legendre.
NODE_VARIANTS: tuple[tuple[str, str, int, str | None], ...] = (
    ("static", "static", 0, None),
    ("monomial d=3", "monomial", 3, "unit"),
    ("monomial[raw] d=3", "monomial", 3, "raw"),
    ("legendre d=3", "legendre", 3, None),
)


def _seeded(
    dataset: str, model: ModelConfig, train: TrainConfig, label: str, seeds: tuple[int, ...]
) -> list[RunConfig]:
    """One run per seed; a seed sets both the initialization and the minibatch order."""
    return [RunConfig(dataset=dataset, model=model, train=train, seed_init=s, seed_batch=s, label=label) for s in seeds]


def _dto(
    profile: Profile,
    seeds: tuple[int, ...],
    protocol: str,
    datasets: tuple[str, ...],
    architectures: tuple[str, ...],
    final_times: tuple[float, ...],
    labels: tuple[str, ...] | None = None,
) -> list[RunConfig]:
    proto = PROTOCOLS[protocol]
    model_kw: dict[str, Any] = {"decoder_init": "randn"} if protocol == "v1" else {}
    runs = []
    for ds in datasets:
        train = TrainConfig(epochs=profile.epochs[ds], batch_size=32, lr=1e-3, **proto)  # type: ignore[arg-type]
        for big_t in final_times:
            for arch in architectures:
                for label, basis, degree, domain in DTO_VARIANTS:
                    if labels is not None and label not in labels:
                        continue
                    model = ModelConfig(
                        architecture=arch, basis=basis, degree=degree, domain=domain, final_time=big_t, **model_kw
                    )
                    runs += _seeded(ds, model, train, label, seeds)
    return runs


def table2(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Paper Table 2 (see module docstring)."""
    return _dto(profile, seeds, protocol, profile.datasets, ("resnet", "hamiltonian"), profile.final_times)


def table3(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Paper Table 3: DCR, Hamiltonian, T = 1, Legendre d=3..6 vs unconstrained."""
    labels = (*(f"legendre d={d}" for d in (3, 4, 5, 6)), "none")
    return _dto(profile, seeds, protocol, ("dcr",), ("hamiltonian",), (1.0,), labels)


def node(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Neural ODEs, optimize-then-discretize: the spiral task (v1's Fig. 6/Table 4) and surrogate data sets."""
    runs = []
    spiral_train = TrainConfig(
        optimizer="rmsprop",
        lr=1e-3,
        iterations=profile.spiral_iterations,
        epochs=0,
        loss="l1",
        batch_time=10,
        n_windows=1,
        time_axis="absolute",
        eval_every=profile.node_eval_every,
    )
    for label, basis, degree, domain in NODE_VARIANTS:
        model = ModelConfig(
            architecture="node",
            width=2,
            hidden=(50,),
            cube_input=True,
            basis=basis,
            degree=degree,
            domain=domain,
            final_time=25.0,
            init_std=0.1,
            method="dopri5",
            adjoint=True,
        )
        runs += _seeded("spiral", model, spiral_train, label, seeds)
    for ds in profile.node_datasets:
        # revised surrogate neural ODE (paper.md Sec. 7, C2): Adam 1e-2, batch 20, L1, grad clip 1
        train = TrainConfig(
            optimizer="adam",
            lr=1e-2,
            batch_size=20,
            epochs=10_000,
            iterations=profile.node_iterations,
            loss="l1",
            grad_clip=1.0,
            eval_every=profile.node_eval_every,
        )
        for label, basis, degree, domain in NODE_VARIANTS:
            if domain == "raw":
                continue  # T = 1 here: raw and unit time coincide
            model = ModelConfig(
                architecture="node",
                width=15,
                hidden=(50,),
                basis=basis,
                degree=degree,
                domain=domain,
                final_time=1.0,
                method="dopri5",
                adjoint=True,
            )
            runs += _seeded(ds, model, train, label, seeds)
    return runs


EXPERIMENTS: dict[str, Callable[[Profile, tuple[int, ...], str], list[RunConfig]]] = {
    "table2": table2,
    "table3": table3,
    "node": node,
}


def experiment_configs(
    name: str,
    profile: str = "quick",
    seeds: tuple[int, ...] | None = None,
    protocol: str = "revised",
    epochs: int | None = None,
) -> list[RunConfig]:
    """The run configs of experiment ``name`` under ``profile`` (``seeds``/``epochs`` override the profile's)."""
    if not isinstance(name, str) or name not in EXPERIMENTS:  # the CLI handles "conditioning" before this point
        raise unknown_name("experiment", name, [*EXPERIMENTS, "conditioning"])
    prof = PROFILES[validate.choice("profile", profile, PROFILES)]
    validate.choice("protocol", protocol, PROTOCOLS)
    if epochs is not None:
        prof = replace(prof, epochs=dict.fromkeys(prof.epochs, validate.integer("epochs", epochs, 1)))
    if seeds is not None and not isinstance(seeds, tuple | list):
        raise ConfigError(f"seeds must be a tuple of integers >= 0, got {seeds!r}")
    chosen = tuple(validate.seed("seed", s) for s in seeds) if seeds else prof.seeds
    return EXPERIMENTS[name](prof, chosen, protocol)
