"""The paper's experiments as named grids of run configs, each with a ``quick`` and a ``paper`` profile.

- ``table2``: ResNet and Hamiltonian x {monomial d=3, Legendre d=3..6, unconstrained} x {elm, cdr, dcr} x T in
  {1, 5, 10} x optimizer {adam, gnvpro} (paper Table 2), plus monomial d=3 on the unit time domain, so that time
  scaling and orthogonality can be told apart (the authors' MATLAB monomials live on [0, T], their Legendre on
  [-1, 1]).
- ``table3``: DCR, Hamiltonian, T = 1: Legendre d=3..6 vs unconstrained (error vs degrees of freedom), both
  optimizers.
- ``table2`` also runs the Leapfrog network, the first version's third architecture (paper.md Sec. 2.6).
- ``node``: neural ODE, optimize-then-discretize (dopri5, adjoint, rtol 1e-7, atol 1e-9): static vs monomial
  (unit and raw time) vs Legendre on the spiral task, and static vs monomial vs Legendre on ELM and CDR.
- ``table4``: the neural-ODE degree sweep of the paper's Table 4: static, Legendre and monomial (time on [0, 1]) at
  degrees 3, 4, 5, on the spiral task (1008 / 1260 / 1512 parameters) and on surrogate data sets.
- ``factorial``: why Legendre helps (issue 13): basis {monomial, Legendre, Chebyshev} x time domain {raw [0, T],
  unit [0, 1], symmetric [-1, 1]} x regularizer {coefficients, L2-in-time} x learning rate {one for all,
  ``unit_time`` per coefficient} on ELM and CDR, ResNet, T in {5, 10}, degree 3 (see :func:`factorial`). Not part of
  ``reproduce``: run it with ``ctdnn-bench run factorial``.
- ``conditioning``: no training; condition numbers of the bases (see :mod:`ctdnn_bench.conditioning`).

Protocols for the DTO runs (paper.md Sec. 7): ``revised`` (default; ridge warm start of the decoder, Tikhonov
alpha1 = 1e-5, alpha2 = 1e-3, no early stop, torch's Adam) and ``v1`` (decoder ~ randn, no regularization, stop at
loss 0.01, Meganet's ADAM).
GNvpro runs are the same under both: full batch, decoder eliminated by the ridge solve, alpha1 = 1e-5,
alpha2 = 1e-3 (paper.md Sec. 2.3, 2.8), a budget of ``Profile.gnvpro_work_units`` work units; same seeds as ADAM.
For the neural ODEs see :data:`NODE_PROTOCOLS`.
Variants, architectures and the order of the data sets come from :mod:`ctdnn_bench.variants`, and every run's label
is its config's :func:`~ctdnn_bench.variants.run_label`: ``monomial d=3`` is time on [0, T] and ``monomial[0,1] d=3``
time on [0, 1] in every experiment.
"Degree d" is always the polynomial degree (d + 1 functions); the authors' revised Python used d functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ctdnn_bench import validate
from ctdnn_bench.errors import ConfigError, unknown_name
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.variants import (
    DATASETS,
    DTO_ARCHITECTURES,
    DTO_VARIANTS,
    GNVPRO_ARCHITECTURES,
    NODE_VARIANTS,
    TABLE3_VARIANTS,
    TABLE4_VARIANTS,
    Variant,
    check_labels,
    run_label,
    variant,
)


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How big an experiment is.

    Args:
        name: ``quick``, ``standard`` or ``paper``.
        epochs: DTO epochs per data set.
        seeds: initialization seeds (each also seeds the minibatch order).
        node_seeds: seeds of the neural-ODE runs (which train one at a time; None = ``seeds``).
        spiral_iterations: optimizer steps of the spiral task.
        node_eval_every: iterations between evaluations of the neural-ODE runs (the revision validates every 20).
        node_iterations: optimizer steps of the surrogate neural ODEs.
        datasets: DTO data sets.
        final_times: T values of Table 2.
        architectures: fixed-grid architectures of Table 2.
        table4_datasets: data sets of Table 4 (``spiral`` and surrogate data sets).
        table4_iterations: optimizer steps of the Table-4 runs per data set; a data set not listed uses
            ``spiral_iterations`` (spiral) or ``node_iterations``, so that the degree-3 runs are the ``node``
            experiment's (same configs, run once).
        gnvpro_work_units: the work-unit budget of the GNvpro runs (paper: 4000; about 43 work units per
            trust-region iteration with 20 GMRES steps).
        gnvpro_datasets, gnvpro_architectures: where the GNvpro column is run (None: everywhere ADAM is). GNvpro
            trains one run at a time on the full batch, so a time-boxed profile runs a part of its column.
        table4_seeds: seeds of Table 4 (None: ``node_seeds``, else ``seeds``); the degree-3 runs are shared with
            ``node`` when these seeds are among its seeds.
        dto_labels: the Table 2 variants a profile runs (None: all of :data:`DTO_VARIANTS`).
    """

    name: str
    epochs: dict[str, int]
    seeds: tuple[int, ...]
    spiral_iterations: int
    node_eval_every: int
    node_iterations: int
    node_datasets: tuple[str, ...]
    datasets: tuple[str, ...] = DATASETS
    final_times: tuple[float, ...] = (1.0, 5.0, 10.0)
    node_seeds: tuple[int, ...] | None = None
    eval_every: int = 1
    architectures: tuple[str, ...] = DTO_ARCHITECTURES
    # Table 4's neural ODEs run one by one (not stacked), at the paper's tolerances. Measured on one shared core,
    # quick-profile settings: spiral ~0.3 s per iteration; ELM ~0.25 s (static) to ~0.8 s (Legendre d=3) per
    # iteration of batch 20, evaluations every 10 included. Size table4_iterations to the profile's time budget.
    table4_datasets: tuple[str, ...] = ("spiral", "elm", "cdr")
    table4_iterations: dict[str, int] = field(default_factory=dict)

    table4_seeds: tuple[int, ...] | None = None
    gnvpro_work_units: int = 1000
    gnvpro_datasets: tuple[str, ...] | None = None
    gnvpro_architectures: tuple[str, ...] | None = GNVPRO_ARCHITECTURES  # the paper's GNvpro column
    dto_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.dto_labels is not None:  # labels of the one vocabulary (ctdnn_bench.variants), nothing else
            check_labels(self.dto_labels, DTO_VARIANTS, "Table 2")
        for arch in (*self.architectures, *(self.gnvpro_architectures or ())):
            if arch not in DTO_ARCHITECTURES:
                raise unknown_name("fixed-grid architecture", arch, DTO_ARCHITECTURES)

    def node_budget(self, dataset: str) -> int:
        """Optimizer steps of a neural-ODE run on ``dataset`` outside Table 4."""
        return self.spiral_iterations if dataset == "spiral" else self.node_iterations

    def table4_budget(self, dataset: str) -> int:
        """Optimizer steps of a Table-4 run on ``dataset``."""
        return self.table4_iterations.get(dataset, self.node_budget(dataset))


PROFILES: dict[str, Profile] = {
    # a smoke run: every experiment in about 3 minutes on 2 cores; one seed decides nothing
    "quick": Profile(
        name="quick",
        epochs={"elm": 15, "cdr": 60, "dcr": 40},
        seeds=(20,),
        spiral_iterations=120,
        node_eval_every=10,
        node_iterations=60,
        node_datasets=("elm",),
        gnvpro_work_units=250,
        gnvpro_datasets=("cdr",),  # a smoke run of the GNvpro column: CDR, the cheapest real data set
        # Table 4 adds degrees 4 and 5 at the node budget: 4 single spiral runs beyond `node`'s (~35 s each on one
        # core); the surrogate data sets are cut (ELM would add 4 runs of ~1 min)
        table4_datasets=("spiral",),
    ),
    # the default of `reproduce`: 5 paired seeds, the main job in about 15 minutes on 2 cores. What was cut to fit,
    # measured with `--plan` on an idle 2-core machine: DTO budgets are 2% (ELM) and 5% (CDR, DCR) of the paper's
    # epochs; Table 2 runs ELM and CDR at T = 5, 10 (at T = 1 raw and unit monomials coincide) with Legendre d = 3 and
    # 6; the DCR stand-in (882 outputs make its steps 4x dearer, and it cannot decide a claim) runs Table 3 only
    # (Hamiltonian, T = 1, Legendre d = 3..6 and none); the GNvpro column runs CDR ResNets at 300 work units (7.5% of
    # the paper's budget); neural ODEs run 60 spiral / 40 ELM iterations (3% / 2% of 2000) with 5 seeds, and Table
    # 4's degree sweep 3 seeds at 60 spiral / 15 ELM and CDR iterations. Measured: 15 min 45 s with 80/50, 80/30/30
    # iterations and 500 GNvpro work units, hence these budgets.
    "standard": Profile(
        name="standard",
        epochs={"elm": 200, "cdr": 500, "dcr": 500},
        seeds=(20, 0, 1, 2, 3),
        datasets=("elm", "cdr"),
        final_times=(5.0, 10.0),
        dto_labels=("monomial d=3", "monomial[0,1] d=3", "legendre d=3", "legendre d=6", "none"),
        eval_every=10,
        spiral_iterations=60,
        node_eval_every=10,
        node_iterations=40,
        node_datasets=("elm",),
        node_seeds=(20, 0, 1, 2, 3),
        table4_datasets=("spiral", "elm", "cdr"),
        table4_iterations={"elm": 15, "cdr": 15},
        table4_seeds=(20, 0, 1),
        gnvpro_work_units=300,
        gnvpro_datasets=("cdr",),
        gnvpro_architectures=("resnet",),
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
        table4_datasets=("spiral", "elm", "cdr", "dcr"),
        gnvpro_work_units=4000,
    ),
}

#: DTO protocols. Both of the authors' MATLAB versions ran Meganet's ADAM (bias correction by epoch); ``v1`` uses it,
#: ``revised`` keeps torch's Adam (bias correction by step), as the suite did before ``adam_meganet`` existed.
PROTOCOLS: dict[str, dict[str, object]] = {
    "revised": {"alpha1": 1e-5, "alpha2": 1e-3, "decoder_warm_start": True, "loss_tol": None, "optimizer": "adam"},
    "v1": {"alpha1": 0.0, "alpha2": 0.0, "decoder_warm_start": False, "loss_tol": 0.01, "optimizer": "adam_meganet"},
}

#: Optimizers of the Table 2/3 runs (the paper's two columns).
DTO_OPTIMIZERS = ("adam", "gnvpro")
#: GNvpro's training settings apart from the budget: the paper's regularization; no epochs (full batch, a budget in
#: work units); the decoder is always the ridge solution, so there is no warm start to ask for.
GNVPRO_TRAIN: dict[str, object] = {"optimizer": "gnvpro", "alpha1": 1e-5, "alpha2": 1e-3, "epochs": 0}


def _seeded(dataset: str, model: ModelConfig, train: TrainConfig, seeds: tuple[int, ...]) -> list[RunConfig]:
    """One run per seed; a seed sets both the initialization and the minibatch order. No label is passed: a
    RunConfig labels itself by :func:`~ctdnn_bench.variants.run_label` (never chosen by hand)."""
    return [RunConfig(dataset=dataset, model=model, train=train, seed_init=s, seed_batch=s) for s in seeds]


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
    gnvpro = TrainConfig(work_units=profile.gnvpro_work_units, **GNVPRO_TRAIN)  # type: ignore[arg-type]
    runs = []
    for optimizer in DTO_OPTIMIZERS:
        for ds in datasets:
            adam = TrainConfig(
                epochs=profile.epochs[ds],
                batch_size=32,
                lr=1e-3,
                eval_every=profile.eval_every,
                **proto,  # type: ignore[arg-type]
            )
            train = gnvpro if optimizer == "gnvpro" else adam
            if optimizer == "gnvpro" and ds not in (profile.gnvpro_datasets or datasets):
                continue
            for big_t in final_times:
                for arch in architectures:
                    if optimizer == "gnvpro" and arch not in (profile.gnvpro_architectures or architectures):
                        continue
                    for var in DTO_VARIANTS:
                        if labels is not None and var.label not in labels:
                            continue
                        # the v1 decoder draw means nothing to gnvpro (its decoder is solved for): one config for both
                        kw = model_kw if optimizer == "adam" else {}
                        model = ModelConfig(architecture=arch, final_time=big_t, **var.model_fields(), **kw)
                        runs += _seeded(ds, model, train, seeds)
    return runs


def table2(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Paper Table 2 (see module docstring)."""
    return _dto(
        profile, seeds, protocol, profile.datasets, profile.architectures, profile.final_times, profile.dto_labels
    )


def table3(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Paper Table 3: DCR, Hamiltonian, T = 1, Legendre d=3..6 vs unconstrained."""
    labels = tuple(v.label for v in TABLE3_VARIANTS)
    return _dto(profile, seeds, protocol, ("dcr",), ("hamiltonian",), (1.0,), labels)


#: Neural-ODE protocols, selected by the same name as the DTO protocol. ``revised`` (default): the authors' revised
#: surrogate neural-ODE code (paper.md Sec. 7, C2) adds StepLR(500, 0.5), early stopping after 5 validations without
#: a better validation error, and evaluation of the best-on-validation checkpoint; the spiral runs keep the suite's
#: settings (one window per iteration on absolute time, no stabilizers). ``v1``: none of the stabilizers (the last
#: iterate after the budget), and on the spiral the first version's 20 windows per iteration on a relative time axis
#: (torchdiffeq's ``ode_demo``, paper.md Sec. 2.7 item 4).
NODE_PROTOCOLS: dict[str, dict[str, dict[str, object]]] = {
    "revised": {
        "surrogate": {"lr_step": 500, "lr_decay": 0.5, "patience": 5, "restore_best": True},
        "spiral": {"n_windows": 1, "time_axis": "absolute"},
    },
    "v1": {"surrogate": {}, "spiral": {"n_windows": 20, "time_axis": "relative"}},
}


def node_train(dataset: str, iterations: int, eval_every: int, protocol: str) -> TrainConfig:
    """The training of a neural-ODE run: the spiral task (RMSprop 1e-3, L1 on windows of 10 points; torchdiffeq's
    demo) or a surrogate (Adam 1e-2, batch 20, L1, gradient clipping at 1; paper.md Sec. 7, C2)."""
    proto: dict[str, Any] = NODE_PROTOCOLS[protocol]["spiral" if dataset == "spiral" else "surrogate"]
    if dataset == "spiral":
        return TrainConfig(
            optimizer="rmsprop",
            lr=1e-3,
            iterations=iterations,
            epochs=0,
            loss="l1",
            batch_time=10,
            eval_every=eval_every,
            **proto,
        )
    return TrainConfig(
        optimizer="adam",
        lr=1e-2,
        batch_size=20,
        epochs=10_000,
        iterations=iterations,
        loss="l1",
        grad_clip=1.0,
        eval_every=eval_every,
        **proto,
    )


def node_model(dataset: str, var: Variant) -> ModelConfig:
    """The neural ODE of a data set: the spiral field ``Linear(50 -> 2)(tanh(Linear(2 -> 50)(y^3)))`` on
    ``[0, 25]`` (init N(0, 0.1^2)), or the surrogate field 15 -> 50 -> 15 on ``[0, 1]``; dopri5 with the adjoint."""
    if dataset == "spiral":
        shape: dict[str, Any] = {"width": 2, "cube_input": True, "final_time": 25.0, "init_std": 0.1}
    else:
        shape = {"width": 15, "final_time": 1.0}
    return ModelConfig(architecture="node", hidden=(50,), method="dopri5", **var.model_fields(), **shape)


def _node_runs(
    datasets: tuple[str, ...],
    variants: tuple[Variant, ...],
    budget: Callable[[str], int],
    profile: Profile,
    seeds: tuple[int, ...],
    protocol: str,
) -> list[RunConfig]:
    runs = []
    for ds in datasets:
        train = node_train(ds, budget(ds), profile.node_eval_every, protocol)
        for var in variants:
            if var.domain == "raw" and ds != "spiral":
                continue  # T = 1 on the surrogates: raw and unit time coincide
            runs += _seeded(ds, node_model(ds, var), train, seeds)
    return runs


def node(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Neural ODEs, optimize-then-discretize: the spiral task (v1's Fig. 6/Table 4) and surrogate data sets."""
    seeds = profile.node_seeds or seeds
    datasets = ("spiral", *profile.node_datasets)
    return _node_runs(datasets, NODE_VARIANTS, profile.node_budget, profile, seeds, protocol)


def table4(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """Paper Table 4: neural-ODE parameters, errors and NFE by degree, against the static neural ODE."""
    seeds = profile.table4_seeds or profile.node_seeds or seeds
    return _node_runs(profile.table4_datasets, TABLE4_VARIANTS, profile.table4_budget, profile, seeds, protocol)


#: The factorial's levels. Domains: ``raw`` = [0, T], ``unit`` = [0, 1], ``symmetric`` = [-1, 1].
FACTORIAL_BASES = ("monomial", "legendre", "chebyshev")
FACTORIAL_DOMAINS = ("raw", "unit", "symmetric")
FACTORIAL_REGULARIZERS = ("coefficients", "l2_time")
FACTORIAL_LR = ("none", "unit_time")
FACTORIAL_DATASETS = tuple(d for d in DATASETS if d != "dcr")  # the real data sets
FACTORIAL_TIMES = (5.0, 10.0)


def factorial_label(basis: str, domain: str, regularizer: str, lr_scaling: str) -> str:
    """The label of a factorial cell: :func:`~ctdnn_bench.variants.run_label` of its config (a Table-2 label where
    the cell is a Table-2 variant, whose run it shares)."""
    config = {
        "model": variant(basis, 3, domain).model_fields(),
        "train": {"regularizer": regularizer, "lr_scaling": lr_scaling},
    }
    return run_label(config)


def factorial(profile: Profile, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
    """The factorial design of issue 13 on the DTO ResNet (ELM and CDR, T in {5, 10}, degree 3).

    Every cell of basis x domain x regularizer x learning-rate treatment, with one exception that is not a
    duplicate run but the same run: the ``unit_time`` treatment is the identity on the ``unit`` and ``symmetric``
    domains (it rescales only coefficients on raw time), so those cells are run once, with ``lr_scaling="none"``,
    and the analysis (:mod:`ctdnn_bench.report.factors`) reads the learning-rate effect on raw time only. 24 runs
    per data set, T and seed. Legendre and Chebyshev on raw time are evaluated at ``t`` in [0, T] (a badly scaled
    but valid basis of the same polynomials); the Table-2 cells share their runs (same keys).

    Always the ``revised`` protocol (torch's Adam, alpha1 = 1e-5): v1 has no regularizer and Meganet's ADAM, for
    which the learning-rate treatment is not implemented.
    """
    del protocol
    proto = PROTOCOLS["revised"]
    runs = []
    cells = itertools.product(FACTORIAL_DATASETS, FACTORIAL_TIMES, FACTORIAL_BASES, FACTORIAL_DOMAINS)
    for ds, big_t, basis, domain in cells:
        for reg, lr in itertools.product(FACTORIAL_REGULARIZERS, FACTORIAL_LR if domain == "raw" else ("none",)):
            train = TrainConfig(
                epochs=profile.epochs[ds],
                batch_size=32,
                lr=1e-3,
                eval_every=profile.eval_every,
                regularizer=reg,
                lr_scaling=lr,
                **proto,  # type: ignore[arg-type]
            )
            # a non-monomial basis' default domain is spelled None, as in Table 2 (same key: the run is shared)
            model = ModelConfig(architecture="resnet", final_time=big_t, **variant(basis, 3, domain).model_fields())
            runs += _seeded(ds, model, train, seeds)
    return runs


EXPERIMENTS: dict[str, Callable[[Profile, tuple[int, ...], str], list[RunConfig]]] = {
    "table2": table2,
    "table3": table3,
    "node": node,
    "table4": table4,
    "factorial": factorial,
}
#: What ``reproduce`` runs (``factorial`` projects to ~7.5 minutes on 2 workers at the standard profile: own command).
REPRODUCED = ("table2", "table3", "node", "table4")


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
    if seeds:  # the user's seeds serve every experiment, the neural ODEs included
        prof = replace(prof, node_seeds=None, table4_seeds=None)
    return EXPERIMENTS[name](prof, chosen, protocol)
