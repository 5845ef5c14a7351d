"""One variant vocabulary (issue 9): a label means one (basis, degree, time domain) everywhere, every experiment's
configs are labelled by their own config, and none of it needs torch."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
import sys
from collections import defaultdict

import pytest

from ctdnn_bench import variants
from ctdnn_bench.bases import BASES
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.experiments import EXPERIMENTS, PROFILES, PROTOCOLS, experiment_configs, factorial_label
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.variants import (
    DEFAULT_DOMAINS,
    DEFAULT_N_STEPS,
    DOMAIN_TAGS,
    DTO_VARIANTS,
    NODE_VARIANTS,
    TABLE4_VARIANTS,
    VARIANTS,
    Variant,
    run_label,
    task_signature,
    variant,
    variant_label,
    variant_of,
)


def test_default_domains_match_the_basis_classes() -> None:
    assert set(DEFAULT_DOMAINS) == set(BASES)
    assert {name: cls.default_domain for name, cls in BASES.items()} == DEFAULT_DOMAINS
    n_steps = next(f for f in dataclasses.fields(ModelConfig) if f.name == "n_steps")
    assert n_steps.default == DEFAULT_N_STEPS


def test_a_label_names_one_basis_degree_and_domain() -> None:
    seen: dict[str, tuple[str, int, str]] = {}
    for basis, degree, domain in itertools.product(BASES, range(12), (None, *DOMAIN_TAGS)):
        if basis == "static" and degree != 0:
            continue
        v = variant(basis, degree, domain)
        assert v.domain == (domain or DEFAULT_DOMAINS[basis])
        assert seen.setdefault(v.label, (basis, degree, v.domain)) == (basis, degree, v.domain), v.label
    assert len({lab for lab in seen}) == len(set(seen.values()))


def test_the_named_variants() -> None:
    cases = {
        "monomial d=3": ("monomial", 3, "raw"),  # the paper's Table 2 monomial, in every experiment
        "monomial[0,1] d=4": ("monomial", 4, "unit"),
        "legendre d=5": ("legendre", 5, "symmetric"),
        "static": ("static", 0, "unit"),
        "none": ("piecewise_constant", DEFAULT_N_STEPS - 1, "unit"),
        "legendre[0,T] d=3": ("legendre", 3, "raw"),
        "monomial[-1,1] d=3": ("monomial", 3, "symmetric"),
        "chebyshev d=3": ("chebyshev", 3, "symmetric"),
    }
    for label, (basis, degree, domain) in cases.items():
        assert variant_label(basis, degree, domain) == label
    # ``none`` is one weight set per step: the degree that tells it depends on the grid
    assert variant_label("piecewise_constant", 7, None, n_steps=8) == "none"
    assert variant_label("piecewise_constant", 7, None) == "piecewise_constant d=7"
    assert [v.label for v in DTO_VARIANTS] == [
        "monomial d=3",
        "monomial[0,1] d=3",
        *(f"legendre d={d}" for d in (3, 4, 5, 6)),
        "none",
    ]
    assert [v.label for v in NODE_VARIANTS] == ["static", "monomial[0,1] d=3", "monomial d=3", "legendre d=3"]
    assert {v.label for v in TABLE4_VARIANTS} >= {"monomial[0,1] d=5", "legendre d=5", "static"}
    assert all(VARIANTS[v.label] == v and v.note for v in (*DTO_VARIANTS, *NODE_VARIANTS, *TABLE4_VARIANTS))
    with pytest.raises(ConfigError, match="unknown basis"):
        variant("monomials", 3)
    with pytest.raises(ConfigError, match="unknown time domain"):
        variant("monomial", 3, "[0,1]")


def test_variant_of_reads_the_config_not_the_label() -> None:
    cfg = RunConfig(model=ModelConfig(basis="legendre", degree=4), label="monomial d=3")
    explicit = RunConfig(model=ModelConfig(basis="legendre", degree=4, domain="symmetric"))
    assert variant_of(cfg) == variant_of(cfg.to_dict()) == variant_of(explicit) == VARIANTS["legendre d=4"]
    assert cfg.key() != explicit.key()  # same variant, different spelling: the key keeps the spelling
    monomial = RunConfig(model=ModelConfig(basis="monomial", degree=3))  # domain None = the default [0, 1]
    assert run_label(monomial) == "monomial[0,1] d=3"
    treated = RunConfig(
        model=ModelConfig(basis="monomial", degree=3, domain="raw"),
        train=TrainConfig(alpha1=1e-5, regularizer="l2_time", lr_scaling="unit_time"),
    )
    assert run_label(treated) == run_label(treated.to_dict()) == "monomial d=3 L2t lr/T^k"
    assert variant_of(treated) == VARIANTS["monomial d=3"]
    assert factorial_label("legendre", "raw", "l2_time", "none") == "legendre[0,T] d=3 L2t"
    assert factorial_label("legendre", "symmetric", "coefficients", "none") == "legendre d=3"
    with pytest.raises(ConfigError, match="model"):
        variant_of({"dataset": "elm"})


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_experiment_config_is_labelled_by_its_config(profile: str) -> None:
    meaning: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for name, protocol in itertools.product(EXPERIMENTS, PROTOCOLS):
        for cfg in experiment_configs(name, profile, protocol=protocol):
            assert cfg.label == run_label(cfg) == run_label(cfg.to_dict()), (name, cfg.label)
            var = variant_of(cfg)
            assert cfg.model.domain == var.config_domain  # the spelling the keys were computed with
            meaning[cfg.label].add((var, cfg.train.regularizer, cfg.train.lr_scaling))
    assert all(len(m) == 1 for m in meaning.values()), {k: m for k, m in meaning.items() if len(m) > 1}


def test_profiles_name_only_vocabulary_labels() -> None:
    standard = PROFILES["standard"]
    assert standard.dto_labels is not None
    assert set(standard.dto_labels) <= {v.label for v in DTO_VARIANTS}
    with pytest.raises(ConfigError, match=r"monomial\[raw\] d=3"):
        dataclasses.replace(standard, dto_labels=("monomial[raw] d=3",))
    with pytest.raises(ConfigError, match="architecture"):
        dataclasses.replace(standard, architectures=("node",))
    assert all(isinstance(v, Variant) for v in DTO_VARIANTS)


def test_data_set_order() -> None:
    assert variants.DATASETS == ("elm", "cdr", "dcr")
    assert variants.in_order(["mine.npz", "dcr", "spiral", "elm", "dcr"]) == ("spiral", "elm", "dcr", "mine.npz")
    assert PROFILES["paper"].datasets == variants.DATASETS


def test_task_signature_leaves_out_the_variant_and_seeds() -> None:
    base = RunConfig(model=ModelConfig(basis="legendre", degree=3), seed_init=1, seed_batch=1, label="a")
    other = RunConfig(model=ModelConfig(basis="monomial", degree=5, domain="raw"), seed_init=2, seed_batch=7)
    assert base.task() == other.task() == task_signature(base.to_dict())
    assert RunConfig(dataset="cdr").task() != base.task()
    treated = RunConfig(train=TrainConfig(alpha1=1e-5, regularizer="l2_time"))
    assert treated.task() != RunConfig(train=TrainConfig(alpha1=1e-5)).task()
    old = RunConfig(train=TrainConfig(alpha1=1e-5)).to_dict()
    del old["train"]["regularizer"], old["train"]["lr_scaling"]  # a record written before these fields existed
    assert task_signature(old) == RunConfig(train=TrainConfig(alpha1=1e-5)).task()
    from ctdnn_bench.report import inputs

    assert inputs.task_signature is task_signature


def test_the_vocabulary_and_records_import_without_torch() -> None:
    code = (
        "import sys; import ctdnn_bench.variants, ctdnn_bench.record, ctdnn_bench.store; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
