"""The claim rules on synthetic run tables whose verdict is known: a wrong rule (or threshold) fails here."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd
import pytest

from ctdnn_bench.conditioning import conditioning_table
from ctdnn_bench.report import claims as cl
from ctdnn_bench.report.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED


def run(label: str, seed: int = 0, **kw: Any) -> dict[str, Any]:
    """One synthetic row of the tidy run table (defaults: a finished ELM ResNet run at T = 1)."""
    row: dict[str, Any] = {
        "key": f"{label}-{seed}-{kw.get('task', 't')}-{kw.get('T', 1.0)}",
        "label": label,
        "status": "ok",
        "stalled": False,
        "experiment": "table2",
        "task": "t",
        "seed_init": seed,
        "dataset": "elm",
        "architecture": "resnet",
        "T": 1.0,
        "method": "dopri5",
        "rtol": 1e-7,
        "atol": 1e-9,
        "nfe_train": 1000.0,
        "grad_norm_peak": 1.0,
        "train_rel_err": 0.1,
        "test_rel_err": 0.1,
        "theta": 1200,
    }
    row.update(kw)
    row["failed"] = row["status"] != "ok" or bool(row["stalled"])
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def node(label: str, seed: int, nfe: float, task: str = "spiral", **kw: Any) -> dict[str, Any]:
    return run(label, seed, architecture="node", experiment="node", dataset=task, task=task, nfe_train=nfe, **kw)


# ------------------------------------------------------------------------------------------------------ C1


@pytest.mark.parametrize(
    ("mono_nfe", "verdict"),
    [
        (3000.0, SUPPORTED),
        (2000.0, SUPPORTED),
        (1000.0, NOT_SUPPORTED),
        (1250.0, NOT_SUPPORTED),
        (1600.0, INCONCLUSIVE),
    ],
)
def test_c1_thresholds(mono_nfe: float, verdict: str) -> None:
    t = frame(*(node(cl.MONOMIAL, s, mono_nfe) for s in (0, 1)), *(node(cl.LEGENDRE, s, 1000.0) for s in (0, 1)))
    got, evidence, _ = cl.claim_c1(t)
    assert got == verdict
    assert evidence["spiral: NFE ratio monomial/Legendre"] == pytest.approx(mono_nfe / 1000.0)


def test_c1_uses_matched_seeds_and_finished_runs_only() -> None:
    t = frame(
        node(cl.MONOMIAL, 0, 5000.0),
        node(cl.MONOMIAL, 1, 100.0, status="diverged"),  # a diverged run's NFE is not comparable
        node(cl.MONOMIAL, 7, 100.0),  # no Legendre run with seed 7
        node(cl.LEGENDRE, 0, 1000.0),
        node(cl.LEGENDRE, 1, 1000.0),
    )
    verdict, evidence, _ = cl.claim_c1(t)
    assert verdict == SUPPORTED
    assert evidence["spiral: NFE ratio monomial/Legendre"] == pytest.approx(5.0)


def test_c1_every_task_must_agree() -> None:
    t = frame(
        node(cl.MONOMIAL, 0, 5000.0, task="spiral"),
        node(cl.LEGENDRE, 0, 1000.0, task="spiral"),
        node(cl.MONOMIAL, 0, 1000.0, task="elm"),
        node(cl.LEGENDRE, 0, 1000.0, task="elm"),
    )
    assert cl.claim_c1(t)[0] == INCONCLUSIVE


def test_c1_without_neural_odes_is_inconclusive() -> None:
    verdict, _, why = cl.claim_c1(frame(run(cl.MONOMIAL), run(cl.LEGENDRE)))
    assert verdict == INCONCLUSIVE and "no neural-ODE task" in why
    assert cl.claim_c1(pd.DataFrame())[0] == INCONCLUSIVE


# ------------------------------------------------------------------------------------------------------ C2


def pairs_c2(mono: list[dict[str, Any]], leg: list[dict[str, Any]]) -> pd.DataFrame:
    return frame(
        *(run(cl.MONOMIAL, i, **m) for i, m in enumerate(mono)), *(run(cl.LEGENDRE, i, **g) for i, g in enumerate(leg))
    )


def test_c2_more_monomial_failures_support() -> None:
    t = pairs_c2([{"stalled": True}, {}, {}, {}], [{}, {}, {}, {}])
    verdict, evidence, _ = cl.claim_c2(t)
    assert verdict == SUPPORTED
    assert evidence["failed fraction monomial"] == 0.25 and evidence["failed fraction Legendre"] == 0.0


def test_c2_more_legendre_failures_reject() -> None:
    t = pairs_c2([{}, {}, {}, {}], [{"status": "diverged"}, {}, {}, {}])
    assert cl.claim_c2(t)[0] == NOT_SUPPORTED


@pytest.mark.parametrize(
    ("grad", "verdict"), [(50.0, SUPPORTED), (10.0, SUPPORTED), (2.0, NOT_SUPPORTED), (5.0, INCONCLUSIVE)]
)
def test_c2_gradient_peaks_decide_when_failure_rates_match(grad: float, verdict: str) -> None:
    t = pairs_c2([{"grad_norm_peak": grad}] * 3, [{"grad_norm_peak": 1.0}] * 3)
    assert cl.claim_c2(t)[0] == verdict


def test_c2_does_not_pair_different_tasks() -> None:
    t = frame(run(cl.MONOMIAL, 0, task="a", stalled=True), run(cl.LEGENDRE, 0, task="b"))
    assert cl.claim_c2(t)[0] == INCONCLUSIVE


# ------------------------------------------------------------------------------------------------------ C3


def grid_c3(mono: dict[str, Any], leg_vs_none: float = 1.0, n: int = 5) -> pd.DataFrame:
    rows = []
    for s in range(n):
        rows += [
            run(cl.MONOMIAL, s, **mono),
            run(cl.LEGENDRE, s, test_rel_err=0.1 * leg_vs_none, theta=1200),
            run(cl.NONE, s, theta=3120),
        ]
    return frame(*rows)


def test_c3_supported_when_monomial_stalls_and_legendre_matches_unconstrained() -> None:
    verdict, evidence, _ = cl.claim_c3(grid_c3({"stalled": True}))
    assert verdict == SUPPORTED
    assert evidence["weights (theta) Legendre d=3 vs unconstrained"] == "1200 vs 3120"


def test_c3_a_much_higher_final_error_counts_as_not_converging() -> None:
    assert cl.claim_c3(grid_c3({"train_rel_err": 0.16}))[0] == SUPPORTED  # > 1.5 x Legendre's 0.1
    assert cl.claim_c3(grid_c3({"train_rel_err": 0.14}))[0] == NOT_SUPPORTED  # converged, just a bit worse


def test_c3_rejected_when_legendre_is_far_from_unconstrained() -> None:
    assert cl.claim_c3(grid_c3({"stalled": True}, leg_vs_none=2.0))[0] == NOT_SUPPORTED


def test_c3_between_thresholds_is_inconclusive() -> None:
    t = grid_c3({"stalled": True}, n=10)
    t.loc[(t["label"] == cl.MONOMIAL) & (t["seed_init"] < 3), ["stalled", "failed"]] = False  # 70 % fail
    assert cl.claim_c3(t)[0] == INCONCLUSIVE


def test_c3_ignores_neural_odes() -> None:
    t = frame(node(cl.MONOMIAL, 0, 1.0, stalled=True), node(cl.LEGENDRE, 0, 1.0))
    assert cl.claim_c3(t)[0] == INCONCLUSIVE


# ------------------------------------------------------------------------------------------------------ C4


def grid_c4(leg: float, mono: float, none: float, n_tasks: int = 5, spread: float = 0.0) -> pd.DataFrame:
    rows = []
    for k in range(n_tasks):
        for s in (0, 1):
            jitter = spread if s else -spread
            rows += [
                run(cl.LEGENDRE, s, task=f"t{k}", test_rel_err=leg + jitter),
                run(cl.MONOMIAL, s, task=f"t{k}", test_rel_err=mono),
                run(cl.NONE, s, task=f"t{k}", test_rel_err=none),
            ]
    return frame(*rows)


@pytest.mark.parametrize(
    ("leg", "mono", "none", "verdict"),
    [
        (0.10, 0.10, 0.10, SUPPORTED),
        (0.05, 0.50, 0.10, SUPPORTED),
        (0.109, 0.10, 0.10, SUPPORTED),  # within 10 %
        (0.20, 0.10, 0.10, NOT_SUPPORTED),
        (0.10, 0.10, 0.05, NOT_SUPPORTED),  # worse than the unconstrained model
    ],
)
def test_c4_comparable_within_ten_percent(leg: float, mono: float, none: float, verdict: str) -> None:
    assert cl.claim_c4(grid_c4(leg, mono, none))[0] == verdict


def test_c4_within_one_standard_deviation_counts_as_comparable() -> None:
    # mean 0.13 vs 0.10 (30 % worse) but the Legendre seeds spread by +-0.05
    assert cl.claim_c4(grid_c4(0.13, 0.10, 0.10, spread=0.05))[0] == SUPPORTED


def test_c4_a_diverging_legendre_is_not_comparable() -> None:
    t = grid_c4(0.10, 0.10, 0.10)
    t.loc[t["label"] == cl.LEGENDRE, "status"] = "diverged"
    assert cl.claim_c4(t)[0] == NOT_SUPPORTED


def test_c4_mixed_results_are_inconclusive() -> None:
    good, bad = grid_c4(0.10, 0.10, 0.10, n_tasks=3), grid_c4(0.30, 0.10, 0.10, n_tasks=2)
    bad["task"] = bad["task"] + "-bad"
    assert cl.claim_c4(pd.concat([good, bad]))[0] == INCONCLUSIVE  # 60 % of the tasks


# ------------------------------------------------------------------------------------------------------ C5


def real_conditioning() -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(r) for r in conditioning_table()])


def test_c5_supported_on_the_real_bases() -> None:
    verdict, evidence, _ = cl.claim_c5(pd.DataFrame(), real_conditioning())
    assert verdict == SUPPORTED
    assert evidence["Legendre: largest condition number"] == "13"


def test_c5_rejected_when_roles_are_swapped() -> None:
    c = real_conditioning()
    mono, leg = c[(c["basis"] == "monomial") & (c["domain"] == "raw")].copy(), c[c["basis"] == "legendre"].copy()
    mono[["cond_matrix", "cond_gram"]], leg[["cond_matrix", "cond_gram"]] = (
        leg[["cond_matrix", "cond_gram"]].to_numpy(),
        mono[["cond_matrix", "cond_gram"]].to_numpy(),
    )
    assert cl.claim_c5(pd.DataFrame(), pd.concat([mono, leg]))[0] == NOT_SUPPORTED


def test_c5_slow_monomial_growth_is_inconclusive() -> None:
    c = real_conditioning()
    mono = c["basis"] == "monomial"
    c.loc[mono, ["cond_matrix", "cond_gram"]] = c.loc[mono, ["degree"]].to_numpy() ** 2 * [[1.0, 1.0]] * 10.0
    assert cl.growth_per_degree(c[mono & (c["T"] == 1.0) & (c["domain"] == "raw")], "cond_matrix") < 3
    assert cl.claim_c5(pd.DataFrame(), c)[0] == INCONCLUSIVE


def test_c5_without_a_table_is_inconclusive() -> None:
    assert cl.claim_c5(pd.DataFrame(), pd.DataFrame())[0] == INCONCLUSIVE


def test_growth_per_degree_is_exact_for_exponentials() -> None:
    df = pd.DataFrame({"degree": [3, 4, 5, 6], "x": [4.0**d for d in (3, 4, 5, 6)]})
    assert cl.growth_per_degree(df, "x") == pytest.approx(4.0)


# ------------------------------------------------------------------------------------------------------ C6


def grid_c6(l3: float, best: float, n_tasks: int = 4) -> pd.DataFrame:
    rows = []
    for k in range(n_tasks):
        rows += [
            run("legendre d=3", 0, task=f"t{k}", test_rel_err=l3, theta=1200),
            run("legendre d=6", 0, task=f"t{k}", test_rel_err=best, theta=1920),
            run("none", 0, task=f"t{k}", test_rel_err=0.2, theta=3120),
        ]
    return frame(*rows)


def test_c6_similar_error_with_fewer_weights_supports() -> None:
    assert cl.claim_c6(grid_c6(0.105, 0.10))[0] == SUPPORTED


def test_c6_much_worse_than_the_best_rejects() -> None:
    verdict, evidence, _ = cl.claim_c6(grid_c6(0.2, 0.10))
    assert verdict == NOT_SUPPORTED
    assert evidence["largest error ratio Legendre d=3 / best"].startswith("2 ")


def test_c6_needs_fewer_weights() -> None:
    t = grid_c6(0.10, 0.10)
    t.loc[t["label"] == "none", "theta"] = 1000  # the unconstrained model is the smaller one here
    assert cl.claim_c6(t)[0] == NOT_SUPPORTED


# ------------------------------------------------------------------------------------------ scaling vs ortho


def three_variants(raw: float, unit: float, leg: float, big_t: float = 5.0) -> pd.DataFrame:
    return frame(
        *(
            run(lab, s, T=big_t, test_rel_err=err)
            for lab, err in (("monomial d=3", raw), ("monomial[0,1] d=3", unit), (cl.LEGENDRE, leg))
            for s in (0, 1)
        )
    )


def test_attribution_names_time_scaling() -> None:
    attr = cl.scaling_vs_orthogonality(three_variants(0.4, 0.1, 0.1))
    row = attr[attr["metric"] == "test error (mean)"].iloc[0]
    assert row["time scaling"] == pytest.approx(4.0)
    assert row["orthogonality"] == pytest.approx(1.0)
    assert row["dominant effect"] == "time scaling"


def test_attribution_names_orthogonality_and_both() -> None:
    row = cl.scaling_vs_orthogonality(three_variants(0.4, 0.4, 0.1)).iloc[0]
    assert row["dominant effect"] == "orthogonality"
    row = cl.scaling_vs_orthogonality(three_variants(0.8, 0.4, 0.1)).iloc[0]
    assert row["dominant effect"] == "both, mostly orthogonality"


def test_attribution_failed_fraction_is_a_difference() -> None:
    t = three_variants(0.1, 0.1, 0.1)
    t.loc[t["label"] == "monomial d=3", "failed"] = True
    row = cl.scaling_vs_orthogonality(t).set_index("metric").loc["failed fraction"]
    assert row["time scaling"] == pytest.approx(1.0) and row["orthogonality"] == pytest.approx(0.0)
    assert row["dominant effect"] == "time scaling"


def test_attribution_skips_t_equal_one_and_uses_node_raw_labels() -> None:
    assert cl.scaling_vs_orthogonality(three_variants(0.4, 0.1, 0.1, big_t=1.0)).empty
    t = frame(
        node("monomial[raw] d=3", 0, 9000.0, T=25.0),
        node("monomial d=3", 0, 1000.0, T=25.0),
        node(cl.LEGENDRE, 0, 1000.0, T=25.0),
    )
    attr = cl.scaling_vs_orthogonality(t)
    nfe = attr[attr["metric"] == "training NFE (mean)"].iloc[0]
    assert nfe["time scaling"] == pytest.approx(9.0) and nfe["dominant effect"] == "time scaling"
    assert "time scaling in 1/1" in cl.attribution_summary(attr[attr["metric"] == "training NFE (mean)"])


# ---------------------------------------------------------------------------------------------- evaluation


def test_evaluate_claims_on_nothing_gives_six_inconclusive_verdicts() -> None:
    out = cl.evaluate_claims(pd.DataFrame(), pd.DataFrame())
    assert [c.id for c in out] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert all(c.verdict == INCONCLUSIVE and c.explanation for c in out)


def test_evaluate_claims_turns_a_crashing_rule_into_inconclusive() -> None:
    broken = frame(run(cl.MONOMIAL), run(cl.LEGENDRE)).drop(columns=["failed"])
    out = {c.id: c for c in cl.evaluate_claims(broken, None)}
    assert out["C2"].verdict == INCONCLUSIVE and "could not be applied" in out["C2"].explanation


def test_rule_texts_state_the_thresholds() -> None:
    assert "r >= 2 on every task" in cl.C1_RULE and "r <= 1.25" in cl.C1_RULE
    assert all(not math.isnan(x) for x in (cl.C1_SUPPORT, cl.C5_GROWTH_ILL))
