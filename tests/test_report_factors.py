"""The factorial's factor analysis on a synthetic run table drawn from a known truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ctdnn_bench.report import factors as fa

TRUE_REG = math.log(1.5)
DRAW = 1


def _table(seeds: int = 8, draw: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(draw)
    rows = []
    for seed in range(seeds):
        seed_level = rng.normal(0, 0.5)  # shared by every cell of a seed: pairing removes it
        for basis, domain, reg, lr in fa.cells(lr=fa.LRS):
            if lr == "unit_time" and domain != "raw":
                continue
            log_err = math.log(0.1) + seed_level + (TRUE_REG if reg == "coefficients" else 0.0) + rng.normal(0, 0.05)
            rows.append(
                {
                    "dataset": "elm",
                    "architecture": "resnet",
                    "T": 10.0,
                    "degree": 3,
                    "n_steps": 12,
                    "optimizer": "adam",
                    "lr": 1e-3,
                    "epochs": 200,
                    "basis": basis,
                    "domain": domain,
                    "regularizer": reg,
                    "lr_scaling": lr,
                    "seed_init": seed,
                    "status": "ok",
                    "failed": False,
                    "test_rel_err": math.exp(log_err),
                    "grad_fs_peak": math.exp(rng.normal(0, 0.1)),
                }
            )
    return pd.DataFrame(rows)


def test_main_effect_ci_covers_the_truth_and_a_null_factor_covers_zero() -> None:
    """One fixed draw (the bootstrap CI of a mean covers ~90% at 12 seeds, measured over 20 draws; paired.py)."""
    table = _table(12, DRAW)
    assert fa.has_factorial(table)
    eff = fa.factor_effects(table, ["test error"])
    err = eff[eff["outcome"] == "test error"].set_index("effect")
    reg = err.loc["regularizer (coefficients - L2-in-time)"]
    assert reg["n"] == 12 and reg["low"] <= TRUE_REG <= reg["high"] and reg["low"] > 0
    for null in (
        "orthogonality (monomial - Legendre, on [-1,1])",
        "time scaling (raw [0,T] - unit [0,1])",
        "learning rate (one lr - lr T^-k, on [0,T])",
        "time scaling x regularizer (coefficients - L2-in-time)",
    ):
        assert err.loc[null, "low"] <= 0 <= err.loc[null, "high"], null
    # the gap path adds up to the gap, and the gap (both ends use the coefficient regularizer) is null
    path = err[err["group"] == "gap path"]
    steps = path.drop(index=fa.GAP)
    assert abs(steps["mean"].sum() - path.loc[fa.GAP, "mean"]) < 1e-12
    # the two regularizer steps of the path carry the effect, with opposite signs
    assert steps.loc["regularizer (coefficients -> L2-in-time)", "low"] > 0
    assert steps.loc["regularizer at Legendre (L2-in-time -> coefficients)", "high"] < 0
    (sentence,) = fa.gap_sentences(eff)
    assert sentence.startswith("elm resnet T=10") and "regularizer" in sentence


def test_failures_are_imputed_and_no_factorial_means_no_effects() -> None:
    table = _table(5)
    table.loc[0, ["status", "failed", "test_rel_err"]] = ["diverged", True, math.nan]
    runs = fa.factorial_runs(table)
    assert runs.loc[0, "log_err"] == 0.0 and runs.loc[0, "fail"] == 1.0  # error 1 (predicting zero)
    eff = fa.factor_effects(table, ["failure rate"])
    fail = eff[eff["outcome"] == "failure rate"]
    assert (fail["n"] == 5).all()
    plain = table[(table["regularizer"] == "coefficients") & (table["lr_scaling"] == "none")]
    assert not fa.has_factorial(plain) and fa.factor_effects(plain).empty


def _stored_conditioning() -> pd.DataFrame:
    from ctdnn_bench.computed import ConditioningGrid, conditioning_result

    doc = conditioning_result(ConditioningGrid(degrees=(3,), final_times=(5.0, 10.0)))
    return pd.DataFrame(doc["table"])


def test_equilibration_removes_the_time_scaling_of_monomials() -> None:
    cond = fa.equilibrated_conditions(_stored_conditioning())
    mono = cond[cond["basis"] == "monomial"].set_index(["T", "domain"])
    eq = "cond(A), columns equilibrated"
    assert mono.loc[(10.0, "raw"), eq] == pytest.approx(mono.loc[(10.0, "unit"), eq], rel=1e-9)
    assert mono.loc[(5.0, "raw"), eq] == pytest.approx(mono.loc[(10.0, "unit"), eq], rel=1e-9)
    assert mono.loc[(10.0, "raw"), "cond(A)"] > 20 * mono.loc[(10.0, "raw"), eq]


def test_report_section_replaces_the_three_arm_attribution() -> None:
    from ctdnn_bench.report.inputs import Conditioning
    from ctdnn_bench.report.sections import section_factors

    eff = fa.factor_effects(_table(5), ["test error"])
    s = section_factors(eff, Conditioning(table=_stored_conditioning()))
    assert s.id == "attribution" and len(s.tables) == 2  # effects on test error, condition numbers
    assert any(p.startswith("elm resnet T=10") for p in s.intro)
