"""Per-run measures that do not depend on the basis's units, and the evidence gate with its reasons and commands."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import remedies


def record(arch: str = "resnet", **kw: Any) -> dict[str, Any]:
    """A minimal run record as the store holds it (the fields that the measures read)."""
    rec: dict[str, Any] = {
        "status": "ok",
        "reason": None,
        "config": {
            "model": {"architecture": arch},
            "train": {"epochs": 0 if arch == "node" else 15, "iterations": 60 if arch == "node" else 0},
        },
        "history": {
            "train_loss": [1.0, 0.5, 0.4, 0.35, 0.34, 0.34],
            "val_rel_err": [0.9, 0.6, 0.5, 0.45, 0.449, 0.449],
            "cum_nfe_forward": [10, 20, 30, 40, 50, 60],
            "cum_nfe_backward": [5, 10, 15, 20, 25, 30],
            "grad_norm": [3.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        },
        "final": {},
    }
    for k, v in kw.items():
        if k in ("history", "final", "config"):
            rec[k].update(v)
        else:
            rec[k] = v
    return rec


def test_flattened_by_the_best_validation_error_over_the_last_fifth() -> None:
    assert ev.flattened([0.9, 0.6, 0.5, 0.45, 0.449, 0.449])  # tail of 2: best 0.45 -> 0.449, 0.2 % better
    assert not ev.flattened([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])  # still improving
    assert ev.flattened([0.5] * 10)  # a stall is flat too: whether it failed is decided against a reference
    assert not ev.flattened([0.5, 0.4, 0.3])  # too few evaluations to tell
    assert not ev.flattened([0.5, 0.4, 0.3, float("nan"), 0.2])
    # exactly 1 % relative improvement over the tail is not flat
    assert not ev.flattened([1.0, 1.0, 1.0, 1.0, 0.99])


def test_loss_spikes_count_rises_over_ten_fold() -> None:
    assert ev.loss_spikes([1.0, 20.0, 1.0, 1.0]) == 1
    assert ev.loss_spikes([1.0, 9.0, 80.0]) == 0  # 9x then 8.9x: no spike
    assert ev.loss_spikes([1.0, float("inf")]) == 1 and ev.loss_spikes([1.0, float("nan")]) == 1
    assert ev.loss_spikes([]) == 0 and ev.loss_spikes(None) == 0


def test_budget_fraction_of_the_paper() -> None:
    assert ev.budget_fraction(record("resnet")) == pytest.approx(15 / 10_000)
    assert ev.budget_fraction(record("node")) == pytest.approx(60 / 2_000)


def test_budget_hit_is_read_from_the_solver_failure() -> None:
    reason = "the forward solve exceeded its budget of 20000 function evaluations (method dopri5, rtol 1e-07)"
    hit = ev.run_measures(record("node", status="diverged", reason=reason))
    assert hit["budget_hit"] and not hit["diverged"] and hit["finished"]
    nan = ev.run_measures(record("node", status="diverged", reason="non-finite loss at iteration 12"))
    assert nan["diverged"] and not nan["budget_hit"] and nan["finished"]


def test_run_measures_degrade_gracefully_on_old_records() -> None:
    m = ev.run_measures(record("resnet"))
    assert math.isnan(m["grad_fs_peak"]), "the coefficient gradient norm must not stand in for the function-space one"
    assert all(math.isnan(m[f"linear_{s}_rel_err"]) for s in ("train", "val", "test"))
    assert m["flattened"] and m["finished"] and m["spikes"] == 0
    assert "curve_val" not in m


def test_run_measures_read_the_new_fields() -> None:
    m = ev.run_measures(
        record(
            "node",
            history={"grad_norm_fs_max": [2.0, 7.5, 1.0, 1.0, 1.0, 1.0]},
            baseline={"linear_train_rel_err": 0.3, "linear_val_rel_err": 0.31, "linear_test_rel_err": 0.0},
        )
    )
    assert m["grad_fs_peak"] == 7.5
    assert m["linear_train_rel_err"] == 0.3 and m["linear_test_rel_err"] == 0.0
    assert m["curve_nfe"] == [15, 30, 45, 60, 75, 90]


def test_unfinished_runs_are_flagged() -> None:
    m = ev.run_measures(record("resnet", history={"val_rel_err": [1.0, 0.8, 0.6, 0.4, 0.2, 0.1]}))
    assert not m["flattened"] and not m["finished"]
    full = record("resnet", history={"val_rel_err": [1.0, 0.8, 0.6, 0.4, 0.2, 0.1]})
    full["config"]["train"]["epochs"] = 10_000
    assert ev.run_measures(full)["finished"], "the paper's full budget counts as finished"
    early = record("resnet", history={"val_rel_err": [1.0, 0.8, 0.6, 0.4, 0.2, 0.1]}, final={"stopped_early": True})
    assert ev.run_measures(early)["finished"]


def test_nfe_to_target_is_censored_when_not_reached() -> None:
    assert ev.nfe_to_target([0.9, 0.5, 0.3], [10, 20, 30], 0.5) == (20.0, True)
    assert ev.nfe_to_target([0.9, 0.8, 0.7], [10, 20, 30], 0.5) == (30.0, False)
    nfe, reached = ev.nfe_to_target([], [], 0.5)
    assert math.isnan(nfe) and not reached


# ------------------------------------------------------------------------------------------------------ gate


def runs(n_seeds: int, **kw: Any) -> pd.DataFrame:
    rows = []
    for s in range(n_seeds):
        for lab in ("monomial d=3", "legendre d=3"):
            row = {
                "label": lab,
                "seed_init": s,
                "dataset": "elm",
                "architecture": "resnet",
                "T": 1.0,
                "optimizer": "adam",
                "standin": False,
                "experiment": "table2",
                "profile": "quick",
                "finished": True,
                "budget_fraction": 0.0015,
                "grad_fs_peak": np.nan,
            }
            row.update(kw)
            rows.append(row)
    return pd.DataFrame(rows)


LABELS = ("monomial d=3", "legendre d=3")


def test_gate_passes_with_five_finished_real_paired_seeds() -> None:
    g = ev.gate(runs(5), LABELS)
    assert g.ok and g.seeds == [0, 1, 2, 3, 4] and g.task == "ELM resnet T=1"


def test_gate_reasons_and_commands() -> None:
    one = ev.gate(runs(1), LABELS)
    assert set(one.failed) == {ev.SEEDS}
    cmds = remedies.commands([one])
    assert "ctdnn-bench run table2 --profile standard  (>= 5 seeds)" in cmds
    assert any(c.startswith("ctdnn-bench run table2 --profile quick --seeds 0 20 1 2 3") for c in cmds)
    assert "fewer than 5 paired seeds: ELM resnet T=1 (1 seed(s))" in remedies.summarize_failures([one])

    short = ev.gate(runs(5, finished=False), LABELS)
    assert set(short.failed) == {ev.BUDGET} and "10/10 runs still improving at 0.15%" in short.failed[ev.BUDGET]
    assert remedies.commands([short]) == ["ctdnn-bench run table2 --profile paper  (the paper's full budget; 6 seeds)"]
    assert ev.gate(runs(5, finished=False), LABELS, finished=False).ok  # claims not about final accuracy

    standin = ev.gate(runs(5, dataset="dcr", standin=True), LABELS)
    assert standin.failed == {ev.REAL: "generated stand-in data"}
    assert "DCR_Data.mat" in remedies.commands([standin])[0] and "--results-dir" in remedies.commands([standin])[0]

    toy = runs(5, dataset="spiral", architecture="node", experiment="node")
    assert ev.gate(toy, LABELS).failed == {ev.REAL: "toy task"}
    assert ev.gate(toy, LABELS, toy_ok=True).ok

    missing = ev.gate(runs(5), LABELS, measures=("grad_fs_peak",))
    assert missing.failed == {ev.MEASURE: "'grad_fs_peak'"}
    assert "--results-dir results-new" in remedies.commands([missing])[0]


def test_gate_counts_only_seeds_every_variant_has() -> None:
    t = runs(6)
    t = t[~((t["label"] == "legendre d=3") & (t["seed_init"] == 5))]
    t = t[~((t["label"] == "monomial d=3") & (t["seed_init"] == 0))]
    g = ev.gate(t, LABELS)
    assert g.seeds == [1, 2, 3, 4] and ev.SEEDS in g.failed


def test_reference_stalls_need_a_finished_run_stuck_against_the_best_variant_or_the_linear_baseline() -> None:
    rows = []
    for lab, err, fin, status in (
        ("legendre d=3", 0.10, True, "ok"),
        ("monomial d=3", 0.35, True, "ok"),  # 3.5x the best: stalled
        ("none", 0.35, False, "ok"),  # as bad, but still improving: not (yet) a stall
        ("legendre d=6", math.nan, True, "diverged"),  # a failure, not a stall
    ):
        rows.append(
            {"task": "t", "seed_init": 0, "label": lab, "train_rel_err": err, "finished": fin, "status": status}
        )
    t = pd.DataFrame(rows)
    assert ev.reference_stalls(t).tolist() == [False, True, False, False]
    t["linear_train_rel_err"] = 0.09  # nobody beats the linear map: every finished run stalled
    assert ev.reference_stalls(t).tolist() == [True, True, False, False]
    assert ev.reference_failure(t, 2.0).tolist() == [True, True, True, True]
