"""The claim rules on run tables with a known truth (verdicts.md section 6): simulated draws check the error rates,
hand-made tables check each branch of each rule, and the quick-profile fixture store must be inconclusive."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ctdnn_bench.conditioning import conditioning_table
from ctdnn_bench.report import attribution
from ctdnn_bench.report import claims as cl
from ctdnn_bench.report import paired as st
from ctdnn_bench.report.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"


def run(label: str, seed: int = 0, **kw: Any) -> dict[str, Any]:
    """One row of the tidy run table (defaults: a finished ELM ResNet run at the paper's full budget)."""
    row: dict[str, Any] = {
        "key": f"{label}-{seed}-{kw.get('task', 't')}",
        "label": label,
        "status": "ok",
        "reason": None,
        "stalled": False,
        "experiment": "table2",
        "profile": "standard",
        "task": "t",
        "seed_init": seed,
        "dataset": "elm",
        "standin": False,
        "architecture": "resnet",
        "optimizer": "adam",
        "T": 1.0,
        "epochs": 10_000,
        "iterations_cfg": 0,
        "nfe_train": 1000.0,
        "nfe_forward_train": 500.0,
        "train_rel_err": 0.1,
        "test_rel_err": 0.1,
        "theta": 1200,
        "finished": True,
        "flattened": True,
        "budget_fraction": 1.0,
        "spikes": 0,
        "grad_fs_peak": math.nan,
        "grad_norm_peak": 1.0,  # the coefficient gradient norm: only the attribution section reads it
        "linear_train_rel_err": math.nan,
        "budget_hit": False,
        "diverged": False,
    }
    row.update(kw)
    row["failed"] = row["status"] != "ok" or bool(row["stalled"])
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def node(label: str, seed: int, nfe: float, task: str = "elm", **kw: Any) -> dict[str, Any]:
    base = {"nfe_forward_train": nfe / 2, "architecture": "node", "experiment": "node", "epochs": 0}
    base.update({"iterations_cfg": 2000, "dataset": task, "task": task, "nfe_train": nfe})
    return run(label, seed, **{**base, **kw})


# ----------------------------------------------------------------------------------- C1: simulated truth

SIGMA = 0.1  # seed-to-seed noise of log NFE per run (coefficient of variation about 10 %)


def simulate_c1(rng: np.random.Generator, ratio: float, *, tasks: tuple[str, ...] = ("spiral", "elm")) -> pd.DataFrame:
    """5 seeds per task; monomial NFE = ratio x Legendre's in truth, each run with log-normal noise (sd SIGMA); the
    forward NFE shares 80 % of the run's noise (correlation 0.8)."""
    n = len(tasks) * 5 * 2
    z = rng.normal(0.0, SIGMA, n)
    zf = 0.8 * z + 0.6 * rng.normal(0.0, SIGMA, n)
    rows, i = [], 0
    for task in tasks:
        for s in range(5):
            for lab, r in ((cl.MONOMIAL, ratio), (cl.LEGENDRE, 1.0)):
                rows.append(node(lab, s, 1e5 * r * math.exp(z[i]), task, nfe_forward_train=5e4 * r * math.exp(zf[i])))
                i += 1
    return frame(*rows)


def verdict_rates(draws: int, ratio: float, **kw: Any) -> dict[str, int]:
    rng = np.random.default_rng(20)
    counts = dict.fromkeys(cl.VERDICTS, 0)
    for _ in range(draws):
        counts[cl.claim_c1(simulate_c1(rng, ratio, **kw)).verdict] += 1
    return counts


def test_c1_a_true_threefold_saving_with_five_seeds_is_supported_in_95_percent_of_draws() -> None:
    # 200 fixed-seed draws, two tasks (Holm across them). The rule passes 199/200 here; a Clopper-Pearson 95 %
    # interval for a rate observed at exactly 0.95 with 200 draws is [0.91, 0.98], so requiring >= 190/200 leaves
    # no room for a rule whose true power is much below 0.95. (With noise sd 0.2 instead of 0.1 the power of 5
    # seeds drops to about 0.6: x3 against a threshold of 2 is then too close to call.)
    counts = verdict_rates(200, 3.0)
    assert counts[SUPPORTED] >= 190, counts


def test_c1_at_the_threshold_and_under_the_null_is_supported_in_at_most_5_percent_of_draws() -> None:
    # the hardest null: a true ratio of exactly 2 (the threshold); one task, 100 draws (<= 5 supported allowed)
    at_threshold = verdict_rates(100, 2.0, tasks=("elm",))
    assert at_threshold[SUPPORTED] <= 5, at_threshold
    # under the null (no saving) the rule must come out 'not supported' or 'inconclusive' in >= 95 % of draws; it
    # refutes (both CI upper bounds < 1.25x) in about 3/4 of them at this noise
    null = verdict_rates(100, 1.0, tasks=("elm",))
    assert null[SUPPORTED] == 0 and null[NOT_SUPPORTED] >= 50, null


def five_seeds_c1(mono: float = 3000.0, **kw: Any) -> pd.DataFrame:
    jitter = (1.0, 1.02, 0.97, 1.05, 0.99)
    return frame(
        *(node(cl.MONOMIAL, s, mono * jitter[s], **kw) for s in range(5)),
        *(node(cl.LEGENDRE, s, 1000.0 * jitter[(s + 2) % 5], **kw) for s in range(5)),
    )


def test_c1_one_seed_is_inconclusive_with_the_command() -> None:
    res = cl.claim_c1(frame(node(cl.MONOMIAL, 20, 9000.0), node(cl.LEGENDRE, 20, 1000.0)))
    assert res.verdict == INCONCLUSIVE
    assert "fewer than 5 paired seeds" in res.explanation and "1 seed(s)" in res.explanation
    assert "ctdnn-bench run node --profile standard  (>= 5 seeds)" in res.commands


def test_c1_stand_in_data_and_short_budgets_are_inconclusive() -> None:
    standin = cl.claim_c1(five_seeds_c1(standin=True))
    assert standin.verdict == INCONCLUSIVE and "no task with real data" in standin.explanation
    assert any("DCR_Data.mat" in c for c in standin.commands)
    short = cl.claim_c1(five_seeds_c1(finished=False, budget_fraction=0.03, iterations_cfg=60))
    assert short.verdict == INCONCLUSIVE and "still improving at 3.00%" in short.explanation
    assert "ctdnn-bench run node --profile paper  (the paper's full budget; 6 seeds)" in short.commands
    assert "3.00% of the paper's 2,000 iterations" in short.budget


def test_c1_supported_and_refuted_cases_show_the_effect_with_its_ci() -> None:
    res = cl.claim_c1(five_seeds_c1(3000.0))
    assert res.verdict == SUPPORTED
    assert res.n == "5 seeds x 1 task(s) (5 pairs)" and res.data == "real: ELM neural ODE T=1"
    assert res.effect.startswith("ELM neural ODE T=1: 3") and "[" in res.effect and "(n=5)" in res.effect
    assert cl.claim_c1(five_seeds_c1(1000.0)).verdict == NOT_SUPPORTED


def test_c1_the_saving_must_also_show_in_forward_nfe() -> None:
    # x3 in forward+backward NFE but none in forward NFE: the difference is in the backward solves, whose default
    # adjoint norm depends on the basis's scale; not a basis-invariant saving
    t = five_seeds_c1(3000.0)
    t["nfe_forward_train"] = 500.0 * np.array([1.0, 1.02, 0.97, 1.05, 0.99] * 2)
    res = cl.claim_c1(t)
    assert res.verdict == INCONCLUSIVE and "forward NFE ratio" in " ".join(res.evidence)


def test_c1_keeps_censored_runs_in_the_conservative_direction() -> None:
    t = five_seeds_c1(3000.0)
    mono = t["label"] == cl.MONOMIAL
    t.loc[mono & (t["seed_init"] == 0), ["status", "budget_hit"]] = ["diverged", True]
    res = cl.claim_c1(t)  # a censored monomial value is a lower bound: it can only understate the saving
    assert res.verdict == SUPPORTED
    assert res.evidence["ELM neural ODE T=1: censored (diverged / budget hit) runs, monomial vs Legendre"] == "1 vs 0"
    t.loc[~mono & (t["seed_init"] == 1), "status"] = "diverged"
    assert cl.claim_c1(t).verdict == INCONCLUSIVE  # a censored Legendre value would overstate it


def test_c1_every_real_task_must_support() -> None:
    t = pd.concat([five_seeds_c1(3000.0, task="spiral"), five_seeds_c1(1000.0, task="elm")])
    res = cl.claim_c1(t)
    assert res.verdict == INCONCLUSIVE and res.evidence["tasks supporting / refuting"].startswith("1 of 2")


def test_c1_shows_the_seminorm_probe_and_nfe_to_target_when_recorded() -> None:
    t = five_seeds_c1(3000.0)
    t["probe_nfe_forward"] = 100.0
    t["probe_nfe_backward_default"] = np.where(t["label"] == cl.MONOMIAL, 900.0, 100.0)
    t["probe_nfe_backward_seminorm"] = 100.0
    t["curve_val"] = [[0.9, 0.5, 0.3]] * len(t)
    t["curve_nfe"] = [[v / 3, 2 * v / 3, v] for v in t["nfe_train"]]
    ev = cl.claim_c1(t).evidence
    assert ev["ELM neural ODE T=1: probe fwd+bwd NFE ratio, adjoint seminorm"].startswith("1x")
    assert ev["ELM neural ODE T=1: probe fwd+bwd NFE ratio, default adjoint norm"].startswith("5x")
    assert ev["ELM neural ODE T=1: NFE to validation error 0.3"].startswith("3")


def test_c1_without_neural_odes_is_inconclusive() -> None:
    res = cl.claim_c1(frame(run(cl.MONOMIAL), run(cl.LEGENDRE)))
    assert res.verdict == INCONCLUSIVE and "no neural-ODE task" in res.explanation
    assert cl.claim_c1(pd.DataFrame()).verdict == INCONCLUSIVE


# ------------------------------------------------------------------------------------------------------ C2


def grid_c2(arch: str = "resnet", n_tasks: int = 4, **per_label: dict[str, Any]) -> pd.DataFrame:
    """5 seeds x ``n_tasks`` tasks of one architecture; ``per_label`` overrides columns of one variant."""
    rows = []
    for k in range(n_tasks):
        for s in range(5):
            for lab in (cl.MONOMIAL, cl.LEGENDRE, "legendre d=6"):
                kw = {"task": f"{arch}{k}", "architecture": arch, "T": float(k + 1), **per_label.get(lab, {})}
                rows.append(run(lab, s, **kw))
    return frame(*rows)


MONO, LEG = cl.MONOMIAL, cl.LEGENDRE


def test_c2_stalls_against_the_linear_baseline_support() -> None:
    t = grid_c2(**{MONO: {"train_rel_err": 0.5}})
    t["linear_train_rel_err"] = 0.4  # the monomial never beats the linear least-squares map
    res = cl.claim_c2(t)
    assert res.verdict == SUPPORTED
    assert res.evidence["resnet: failed runs (diverged, budget hit or stalled), monomial vs Legendre"].startswith(
        "20/20 [0.83, 1.00] vs 0/20 [0.00, 0.17]; discordant pairs 20 vs 0"
    )


def test_c2_stall_is_judged_against_the_best_variant_not_the_records_own_flag() -> None:
    # the record's old flag ('stalled' vs its own epoch 1) is ignored; 3x the best variant's error is a stall
    flagged = grid_c2(**{MONO: {"stalled": True}}, **{"legendre d=6": {"grad_fs_peak": 1.0}})
    flagged["grad_fs_peak"] = 1.0
    assert cl.claim_c2(flagged).verdict == NOT_SUPPORTED
    stuck = grid_c2(**{MONO: {"train_rel_err": 0.3}})
    assert cl.claim_c2(stuck).verdict == SUPPORTED


def test_c2_function_space_gradient_blow_up_supports_and_absence_needs_it_recorded() -> None:
    t = grid_c2(**{MONO: {"grad_fs_peak": 30.0}, LEG: {"grad_fs_peak": 1.0}})
    t.loc[t["label"] == MONO, "grad_fs_peak"] *= np.tile([1.0, 1.1, 0.9, 1.2, 0.95], 4)
    assert cl.claim_c2(t).verdict == SUPPORTED
    quiet = cl.claim_c2(grid_c2())
    assert quiet.verdict == INCONCLUSIVE and "function-space gradient norm not recorded" in quiet.explanation
    assert "not recorded" in quiet.evidence["resnet: function-space gradient peak ratio"]


def test_c2_legendre_failing_more_rejects_and_architectures_are_separate() -> None:
    t = grid_c2(**{LEG: {"status": "diverged", "diverged": True}})
    assert cl.claim_c2(t).verdict == NOT_SUPPORTED
    mixed = pd.concat(
        [grid_c2("resnet", **{MONO: {"train_rel_err": 0.5}}), grid_c2("hamiltonian", **{LEG: {"status": "diverged"}})]
    )
    res = cl.claim_c2(mixed)
    assert res.verdict == INCONCLUSIVE
    assert "resnet: supported" in res.explanation and "hamiltonian: not supported" in res.explanation


def test_c2_spikes_count() -> None:
    assert cl.claim_c2(grid_c2(**{MONO: {"spikes": 2}})).verdict == SUPPORTED


def test_c2_does_not_pair_different_tasks() -> None:
    t = frame(run(MONO, 0, task="a", stalled=True), run(LEG, 0, task="b"))
    assert cl.claim_c2(t).verdict == INCONCLUSIVE


# ------------------------------------------------------------------------------------------------------ C3

JITTER = (1.0, 1.01, 0.99, 1.02, 0.985)


def grid_c3(mono: dict[str, Any], leg_vs_none: float = 1.0, arch: str = "resnet", n_tasks: int = 2) -> pd.DataFrame:
    rows = []
    for k in range(n_tasks):
        for s in range(5):
            task = {"task": f"{arch}{k}", "architecture": arch, "T": float(k + 1)}
            rows += [
                run(MONO, s, **task, **mono),
                run(LEG, s, **task, test_rel_err=0.1 * leg_vs_none * JITTER[s], theta=1200),
                run(NONE, s, **task, test_rel_err=0.1 * JITTER[(s + 1) % 5], theta=3120),
            ]
    return frame(*rows)


NONE = cl.NONE


def test_c3_supported_when_monomial_resnets_fail_and_legendre_matches_unconstrained() -> None:
    res = cl.claim_c3(grid_c3({"train_rel_err": 0.2}))  # 2x the best variant's training error
    assert res.verdict == SUPPORTED, res.explanation
    assert res.evidence["monomial failure rate, pooled over deciding ResNet tasks"].startswith("10/10 = 100% [0.69, 1")


def test_c3_failure_is_against_the_linear_baseline_or_the_best_variant() -> None:
    near = grid_c3({"train_rel_err": 0.14})  # 1.4x the best: converged, just worse
    assert cl.claim_c3(near).verdict == NOT_SUPPORTED
    near["linear_train_rel_err"] = 0.13  # ... but no better than the linear least-squares map
    assert cl.claim_c3(near).verdict == SUPPORTED


def test_c3_rejected_when_legendre_is_clearly_worse_than_unconstrained() -> None:
    res = cl.claim_c3(grid_c3({"train_rel_err": 0.2}, leg_vs_none=1.5))
    assert res.verdict == NOT_SUPPORTED and "significantly more than 1.1x" in res.explanation


def test_c3_is_about_resnets_only() -> None:
    res = cl.claim_c3(grid_c3({"status": "diverged"}, arch="hamiltonian"))
    assert res.verdict == INCONCLUSIVE and "no ResNet task" in res.explanation


def test_c3_unfinished_runs_are_inconclusive_not_failures() -> None:
    t = grid_c3({"train_rel_err": 0.2, "finished": False, "flattened": False, "budget_fraction": 0.0015})
    res = cl.claim_c3(t)
    assert res.verdict == INCONCLUSIVE and "still improving" in res.explanation
    assert "ctdnn-bench run table2 --profile paper  (the paper's full budget; 6 seeds)" in res.commands


def test_c3_diverged_runs_are_failures() -> None:
    assert cl.claim_c3(grid_c3({"status": "diverged", "diverged": True})).verdict == SUPPORTED


# ------------------------------------------------------------------------------------------------------ C4


def grid_c4(leg: float, mono: float, none: float, n_tasks: int = 3, **kw: Any) -> pd.DataFrame:
    rows = []
    for k in range(n_tasks):
        for s in range(5):
            j = JITTER[s]
            rows += [
                run(LEG, s, task=f"t{k}", T=float(k + 1), test_rel_err=leg * j, **kw),
                run(MONO, s, task=f"t{k}", T=float(k + 1), test_rel_err=mono * JITTER[(s + 2) % 5], **kw),
                run(NONE, s, task=f"t{k}", T=float(k + 1), test_rel_err=none * JITTER[(s + 4) % 5], **kw),
            ]
    return frame(*rows)


@pytest.mark.parametrize(
    ("leg", "mono", "none", "verdict"),
    [
        (0.10, 0.10, 0.10, SUPPORTED),
        (0.05, 0.50, 0.10, SUPPORTED),
        (0.20, 0.10, 0.10, NOT_SUPPORTED),
        (0.10, 0.10, 0.05, NOT_SUPPORTED),  # worse than the unconstrained model
        (0.107, 0.10, 0.10, INCONCLUSIVE),  # 7 % worse: cannot be shown within the 10 % margin with 5 seeds
    ],
)
def test_c4_non_inferiority_with_a_fixed_margin(leg: float, mono: float, none: float, verdict: str) -> None:
    res = cl.claim_c4(grid_c4(leg, mono, none))
    assert res.verdict == verdict, res.explanation


def test_c4_a_diverging_legendre_counts_as_a_failure() -> None:
    t = grid_c4(0.10, 0.10, 0.10)
    t.loc[t["label"] == LEG, "status"] = "diverged"
    assert cl.claim_c4(t).verdict == NOT_SUPPORTED


def test_c4_needs_an_unconstrained_comparison() -> None:
    t = grid_c4(0.10, 0.10, 0.10)
    res = cl.claim_c4(t[t["label"] != NONE])
    assert res.verdict == INCONCLUSIVE and "no deciding 'none' comparison" in res.explanation


def test_c4_spiral_and_stand_in_never_decide() -> None:
    t = grid_c4(0.50, 0.10, 0.10, dataset="dcr", standin=True)
    res = cl.claim_c4(t)
    assert res.verdict == INCONCLUSIVE and "no task with real data" in res.explanation


def test_c4_reports_whether_the_basis_effect_survives_under_gnvpro() -> None:
    adam = grid_c4(0.10, 0.10, 0.10)
    gn = grid_c4(0.10, 0.10, 0.10)
    gn["optimizer"], gn["task"] = "gnvpro", gn["task"] + "-gn"
    res = cl.claim_c4(pd.concat([adam, gn]))
    assert res.verdict == SUPPORTED
    assert res.evidence["under gnvpro only"].startswith("supported")
    assert "Under GNvpro alone the verdict is 'supported': the basis effect survives" in res.explanation


def test_c4_at_the_margin_is_supported_in_at_most_5_percent_of_draws() -> None:
    # true error ratio exactly 1.1 (the margin) against both competitors; 5 seeds, log-normal noise sd 0.05
    rng = np.random.default_rng(3)
    supported = 0
    for _ in range(100):
        z = rng.normal(0.0, 0.05, (3, 5))
        rows = [
            run(lab, s, test_rel_err=err * math.exp(z[i, s]))
            for i, (lab, err) in enumerate(((LEG, 0.11), (MONO, 0.1), (NONE, 0.1)))
            for s in range(5)
        ]
        supported += cl.claim_c4(frame(*rows)).verdict == SUPPORTED
    assert supported <= 5


# ------------------------------------------------------------------------------------------------------ C6


def grid_c6(gap_leg: float, leg: float = 0.1, slope: float = 0.0, n_tasks: int = 2) -> pd.DataFrame:
    """Legendre d=3..6 and unconstrained; test error = train error + gap; error of degree d = leg x exp(slope d)."""
    rows = []
    for k in range(n_tasks):
        for s in range(5):
            j = JITTER[s]
            task = {"task": f"t{k}", "T": float(k + 1)}
            for d in cl.C6_DEGREES:
                err = leg * math.exp(slope * (d - 3)) * j
                rows.append(run(f"legendre d={d}", s, **task, train_rel_err=err - gap_leg * j, test_rel_err=err))
            rows.append(run(NONE, s, **task, train_rel_err=0.05 * JITTER[(s + 1) % 5], test_rel_err=0.1, theta=3120))
    return frame(*rows)


def test_c6_smaller_gap_comparable_error_and_flat_degrees_support() -> None:
    res = cl.claim_c6(grid_c6(gap_leg=0.02))  # Legendre's gap 0.02 vs the unconstrained 0.05
    assert res.verdict == SUPPORTED, res.explanation


def test_c6_a_larger_generalization_gap_refutes() -> None:
    assert cl.claim_c6(grid_c6(gap_leg=0.09)).verdict == NOT_SUPPORTED


def test_c6_fewer_parameters_alone_decide_nothing() -> None:
    t = grid_c6(gap_leg=0.05)  # the same gap and error as the unconstrained model, with far fewer weights
    t.loc[t["label"] == NONE, "train_rel_err"] = 0.05 * np.tile(JITTER, 2)
    t.loc[t["label"] == NONE, "test_rel_err"] = 0.1 * np.tile(JITTER, 2)
    assert cl.claim_c6(t).verdict == INCONCLUSIVE


def test_c6_error_falling_with_degree_means_the_subspace_costs_accuracy() -> None:
    res = cl.claim_c6(grid_c6(gap_leg=0.02, slope=-0.1))  # d=3 is exp(0.3) = 1.35x worse than d=6
    assert res.verdict == INCONCLUSIVE
    assert res.evidence["elm resnet T=1: fitted error ratio d=3/d=6".replace("elm", "ELM")].startswith("1.35x")


# ------------------------------------------------------------------------------------------------------ C5


def real_conditioning() -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(r) for r in conditioning_table()])


def test_c5_supported_on_the_real_bases() -> None:
    res = cl.claim_c5(pd.DataFrame(), real_conditioning())
    verdict, evidence = res.verdict, res.evidence
    assert verdict == SUPPORTED
    assert evidence["Legendre: largest condition number"] == "13"


def test_c5_rejected_when_roles_are_swapped() -> None:
    c = real_conditioning()
    mono, leg = c[(c["basis"] == "monomial") & (c["domain"] == "raw")].copy(), c[c["basis"] == "legendre"].copy()
    mono[["cond_matrix", "cond_gram"]], leg[["cond_matrix", "cond_gram"]] = (
        leg[["cond_matrix", "cond_gram"]].to_numpy(),
        mono[["cond_matrix", "cond_gram"]].to_numpy(),
    )
    assert cl.claim_c5(pd.DataFrame(), pd.concat([mono, leg])).verdict == NOT_SUPPORTED


def test_c5_slow_monomial_growth_is_inconclusive() -> None:
    c = real_conditioning()
    mono = c["basis"] == "monomial"
    c.loc[mono, ["cond_matrix", "cond_gram"]] = c.loc[mono, ["degree"]].to_numpy() ** 2 * [[1.0, 1.0]] * 10.0
    assert cl.growth_per_degree(c[mono & (c["T"] == 1.0) & (c["domain"] == "raw")], "cond_matrix") < 3
    assert cl.claim_c5(pd.DataFrame(), c).verdict == INCONCLUSIVE


def test_c5_without_a_table_is_inconclusive() -> None:
    assert cl.claim_c5(pd.DataFrame(), pd.DataFrame()).verdict == INCONCLUSIVE


def test_growth_per_degree_is_exact_for_exponentials() -> None:
    df = pd.DataFrame({"degree": [3, 4, 5, 6], "x": [4.0**d for d in (3, 4, 5, 6)]})
    assert cl.growth_per_degree(df, "x") == pytest.approx(4.0)


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
    attr = attribution.scaling_vs_orthogonality(three_variants(0.4, 0.1, 0.1))
    row = attr[attr["metric"] == "test error (mean)"].iloc[0]
    assert row["time scaling"] == pytest.approx(4.0)
    assert row["orthogonality"] == pytest.approx(1.0)
    assert row["dominant effect"] == "time scaling"


def test_attribution_names_orthogonality_and_both() -> None:
    row = attribution.scaling_vs_orthogonality(three_variants(0.4, 0.4, 0.1)).iloc[0]
    assert row["dominant effect"] == "orthogonality"
    row = attribution.scaling_vs_orthogonality(three_variants(0.8, 0.4, 0.1)).iloc[0]
    assert row["dominant effect"] == "both, mostly orthogonality"


def test_attribution_failed_fraction_is_a_difference() -> None:
    t = three_variants(0.1, 0.1, 0.1)
    t.loc[t["label"] == "monomial d=3", "failed"] = True
    row = attribution.scaling_vs_orthogonality(t).set_index("metric").loc["failed fraction"]
    assert row["time scaling"] == pytest.approx(1.0) and row["orthogonality"] == pytest.approx(0.0)
    assert row["dominant effect"] == "time scaling"


def test_attribution_skips_t_equal_one_and_reads_node_runs_by_the_same_labels() -> None:
    assert attribution.scaling_vs_orthogonality(three_variants(0.4, 0.1, 0.1, big_t=1.0)).empty
    t = frame(
        node("monomial d=3", 0, 9000.0, T=25.0),  # raw time [0, T], as in Table 2
        node("monomial[0,1] d=3", 0, 1000.0, T=25.0),
        node(cl.LEGENDRE, 0, 1000.0, T=25.0),
    )
    attr = attribution.scaling_vs_orthogonality(t)
    nfe = attr[attr["metric"] == "training NFE (mean)"].iloc[0]
    assert nfe["time scaling"] == pytest.approx(9.0) and nfe["dominant effect"] == "time scaling"
    assert "time scaling in 1/1" in attribution.attribution_summary(attr[attr["metric"] == "training NFE (mean)"])


# ---------------------------------------------------------------------------------------------- evaluation


def test_evaluate_claims_on_nothing_gives_six_inconclusive_verdicts() -> None:
    out = cl.evaluate_claims(pd.DataFrame(), pd.DataFrame())
    assert [c.id for c in out] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert all(c.verdict == INCONCLUSIVE and c.explanation and c.result is not None for c in out)


def test_evaluate_claims_turns_a_crashing_rule_into_inconclusive() -> None:
    broken = frame(run(MONO), run(LEG)).drop(columns=["seed_init"])
    out = {c.id: c for c in cl.evaluate_claims(broken, None)}
    assert out["C2"].verdict == INCONCLUSIVE


def test_rule_texts_state_the_thresholds_from_the_constants() -> None:
    assert f">= {cl.C1_SUPPORT:g}x" in cl.C1_RULE and f"< {cl.C1_REJECT:g}x" in cl.C1_RULE
    assert f">= {cl.MIN_SEEDS} seeds" in cl.C1_RULE and f"Holm-corrected across tasks at {st.ALPHA:g}" in cl.C1_RULE
    assert f"> {cl.STALL_FACTOR:g}x" in cl.C2_RULE and f"< {cl.C2_RARE:g}" in cl.C2_RULE
    assert f"lower bound >= {cl.C3_CONSISTENT:g}" in cl.C3_RULE and "ResNet tasks only" in cl.C3_RULE
    assert f"<= log {cl.MARGIN:g}" in cl.C4_RULE
    assert "decides nothing" in cl.C6_RULE


def test_quick_profile_fixture_is_inconclusive_for_every_empirical_claim() -> None:
    from ctdnn_bench.report.inputs import load_runs

    table = load_runs(FIXTURE, profile="quick").table
    cond = pd.DataFrame([dataclasses.asdict(r) for r in conditioning_table()])
    out = {c.id: c for c in cl.evaluate_claims(table, cond)}
    for cid in ("C1", "C2", "C3", "C4", "C6"):
        res = out[cid].result
        assert res is not None and out[cid].verdict == INCONCLUSIVE, (cid, out[cid].explanation)
        assert "fewer than 5 paired seeds" in res.gate and "--profile" in " ".join(res.commands), cid
        assert res.test and res.threshold and "of the paper's" in res.budget and res.data.startswith("real:"), cid
    assert "DCR hamiltonian T=1 (generated stand-in data)" in out["C6"].result.data  # type: ignore[union-attr]
    assert out["C5"].verdict == SUPPORTED


def test_c1_from_records_on_disk_with_the_new_measures(tmp_path: Path) -> None:
    """Records -> load_runs -> rule: five seeds of a finished ELM neural ODE, monomial at 3x Legendre's NFE, with the
    fields that newer records carry (function-space gradient norms, linear baseline, seminorm probes)."""
    import json

    from ctdnn_bench.report.inputs import load_runs

    template = json.loads((FIXTURE / "runs" / "ae1f10baeda4419c.json").read_text())
    (tmp_path / "runs").mkdir()
    for s, jitter in enumerate((1.0, 1.03, 0.98, 1.05, 0.97)):
        for basis, domain, factor in (("monomial", "unit", 3.0), ("legendre", None, 1.0)):
            rec = json.loads(json.dumps(template))
            rec["key"] = f"{basis}{s}".ljust(16, "0")
            rec["label"] = f"{basis} d=3"
            rec["profile"] = "standard"
            cfg = rec["config"]
            cfg.update(seed_init=s, seed_batch=s, label=rec["label"])
            cfg["model"].update(basis=basis, domain=domain)
            cfg["train"]["iterations"] = 2000
            nfe = factor * jitter * np.array([100, 200, 300, 400, 500, 600])
            rec["history"] = {
                "iteration": [400, 800, 1200, 1600, 1800, 2000],
                "train_loss": [0.3, 0.2, 0.15, 0.14, 0.14, 0.14],
                "val_rel_err": [0.6, 0.4, 0.35, 0.34, 0.34, 0.34],
                "cum_nfe_forward": list(nfe / 2),
                "cum_nfe_backward": list(nfe / 2),
                "grad_norm_fs_max": [1.0, 1.1, 0.9, 1.0, 1.0, 1.0],
            }
            rec["final"].update(
                nfe_forward_train=nfe[-1] / 2,
                nfe_backward_train=nfe[-1] / 2,
                probe_nfe_forward=50 * factor,
                probe_nfe_backward_default=60 * factor,
                probe_nfe_backward_seminorm=40 * factor,
            )
            rec["baseline"] = {"linear_train_rel_err": 0.5, "linear_val_rel_err": 0.5, "linear_test_rel_err": 0.5}
            (tmp_path / "runs" / f"{rec['key']}.json").write_text(json.dumps(rec))
    table = load_runs(tmp_path).table
    assert table["finished"].all() and table["flattened"].all() and (table["grad_fs_peak"] == 1.1).all()
    res = cl.claim_c1(table)
    assert res.verdict == SUPPORTED, res.explanation
    assert res.budget.startswith("neural ODE: 100.00% of the paper's 2,000 iterations")
    assert res.evidence["ELM neural ODE T=1: probe fwd+bwd NFE ratio, adjoint seminorm"].startswith("3x [3x, 3x]")
    assert res.evidence["ELM neural ODE T=1: NFE to validation error 0.34"].startswith("3")
    c2 = cl.claim_c2(table)
    assert c2.evidence["node: function-space gradient peak ratio monomial/Legendre"].startswith("1x [1x, 1x]")


# ------------------------------------------------------------------------------------------- roles of labels


def test_paper_roles_pick_the_authors_monomial_of_each_architecture() -> None:
    t = frame(
        run("monomial d=3", 0),  # resnet: the authors' MATLAB monomial, time on [0, T]
        run("monomial[0,1] d=3", 0),
        node("monomial[0,1] d=3", 0, 1000.0),  # neural ODE: the revised code's monomial, time on [0, 1]
        node("monomial d=3", 0, 1000.0),
        node(cl.LEGENDRE, 0, 1000.0),
    )
    roles = cl.paper_roles(t)["label"].tolist()
    assert roles == [cl.MONOMIAL, "monomial[0,1] d=3", cl.MONOMIAL, "monomial d=3", cl.LEGENDRE]
    assert t["label"].tolist()[0] == "monomial d=3"  # the caller's table is not modified


def test_c1_compares_the_neural_ode_monomial_on_unit_time_only() -> None:
    jitter = [1.0, 1.05, 0.95, 1.1, 0.9]
    legendre = [node(cl.LEGENDRE, s, 1000.0 * jitter[(s + 2) % 5], T=25.0) for s in range(5)]
    unit = [node("monomial[0,1] d=3", s, 9000.0 * jitter[s], T=25.0) for s in range(5)]
    raw = [node("monomial d=3", s, 9000.0 * jitter[s], T=25.0) for s in range(5)]
    by_label = cl.claim_c1(frame(*unit, *legendre))
    by_role = cl.claim_c1(frame(*(dict(r, label=cl.MONOMIAL) for r in unit), *legendre))
    assert by_label == by_role and by_label.evidence
    assert "no neural-ODE task has both 'monomial[0,1] d=3'" in cl.claim_c1(frame(*raw, *legendre)).explanation
