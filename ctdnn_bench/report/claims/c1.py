"""C1: Legendre-parameterized neural ODEs need far fewer function evaluations (NFE) than monomial ones.

Neural-ODE tasks only (the toy spiral task counts), ``monomial d=3`` vs ``legendre d=3`` paired by seed. Two
paired log ratios per task: the claim's measure, cumulative forward+backward training NFE, and forward NFE alone,
which does not depend on the basis's units. Runs that diverged or hit the solver budget are kept, censored at the NFE
they had used: a lower bound, so a censored Legendre run blocks support and a censored monomial run blocks a
refutation. The full rule is :data:`C1_RULE`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import paired as st
from ctdnn_bench.report.claims.base import (
    INCONCLUSIVE,
    LEGENDRE,
    MONOMIAL,
    NOT_SUPPORTED,
    SUPPORTED,
    Paired,
    Result,
    _failed,
    _has,
    _holm_map,
    _pivot,
    _tasks,
    paired_effect,
    paper_roles,
)
from ctdnn_bench.report.claims.gate import _describe, _gate_result, _inconclusive_gate, _no_runs
from ctdnn_bench.report.evidence import MIN_SEEDS, Gate
from ctdnn_bench.report.paired import ALPHA
from ctdnn_bench.variants import PAPER_MONOMIAL

#: The authors' monomial of these tasks' architecture (see :func:`~ctdnn_bench.report.claims.base.paper_roles`).
MONOMIAL_LABEL = PAPER_MONOMIAL["node"]
C1_SUPPORT, C1_REJECT = 2.0, 1.25  # NFE ratio monomial / Legendre: "far fewer" >= 2x; "no real saving" < 1.25x

C1_RULE = (
    "Neural-ODE tasks (the toy spiral task counts: it is the paper's own neural-ODE evidence; a stand-in never "
    f"does), '{MONOMIAL_LABEL}' vs '{LEGENDRE}' paired by seed, >= {MIN_SEEDS} seeds, training finished. Per task "
    "two paired log ratios monomial/Legendre: (a) cumulative forward+backward training NFE, the claim's measure; "
    "(b) cumulative forward NFE only, which does not depend on the basis's units (backward NFE under torchdiffeq's "
    "default adjoint norm includes the parameter adjoint, whose scale does); each with a 95% BCa bootstrap CI and "
    "a one-sided t-test on the log ratios, the task's p-value the larger of the two, Holm-corrected across tasks "
    f"at {ALPHA:g}. Runs that diverged or hit the solver budget are kept, censored at the NFE they had used (a "
    "lower bound): a task with a censored Legendre run cannot support, one with a censored monomial run cannot "
    f"refute. A task supports if both CI lower bounds are >= {C1_SUPPORT:g}x (adjusted p <= {ALPHA:g}); it refutes "
    f"if both CI upper bounds are < {C1_REJECT:g}x. Supported if every real task supports, not supported if every "
    "real task refutes, otherwise inconclusive. Shown, not deciding: NFE to reach a target validation error (the "
    "worse of the two variants' median best validation errors) and, where recorded, the end-of-training probe "
    "under the adjoint seminorm."
)

LABELS = (MONOMIAL, LEGENDRE)
NODE_COMMAND = "ctdnn-bench run node --profile standard"
#: (key in a task's results, probe backward-NFE column, evidence name)
PROBES = (
    ("probe", "probe_nfe_backward_seminorm", "probe fwd+bwd NFE ratio, adjoint seminorm"),
    ("probe_default", "probe_nfe_backward_default", "probe fwd+bwd NFE ratio, default adjoint norm"),
)


def _c1_task(g: pd.DataFrame, seeds: Sequence[int]) -> dict[str, Any]:
    """The paired NFE effects of one task (runs ``g``) on ``seeds``: ``a`` (fwd+bwd), ``b`` (forward), their
    support/refute p-values, censored run counts, mean NFE, and the shown-only probe and NFE-to-target effects."""
    tot = _pivot(g, LABELS, seeds, "nfe_train")
    fwd = _pivot(g, LABELS, seeds, "nfe_forward_train")
    fail = _pivot(g.assign(_f=_failed(g)), LABELS, seeds, "_f").astype(bool)
    a = paired_effect(st.log_ratios(tot[MONOMIAL], tot[LEGENDRE]))
    b = paired_effect(st.log_ratios(fwd[MONOMIAL], fwd[LEGENDRE]))
    lo_s, lo_r = math.log(C1_SUPPORT), math.log(C1_REJECT)
    out: dict[str, Any] = {
        "a": a,
        "b": b,
        "p_support": max(st.p_greater(a.values, lo_s), st.p_greater(b.values, lo_s)),
        "p_refute": max(st.p_less(a.values, lo_r), st.p_less(b.values, lo_r)),
        "censored_m": int(fail[MONOMIAL].sum()),
        "censored_l": int(fail[LEGENDRE].sum()),
        "mean_nfe": (float(tot[MONOMIAL].mean()), float(tot[LEGENDRE].mean())),
    }
    for key, col, _name in PROBES:
        if col in g and g[col].notna().any() and "probe_nfe_forward" in g:
            pr = _pivot(g.assign(_p=g["probe_nfe_forward"] + g[col]), LABELS, seeds, "_p")
            out[key] = paired_effect(st.log_ratios(pr[MONOMIAL], pr[LEGENDRE]))
    if "curve_val" in g and "curve_nfe" in g:
        out["to_target"] = _nfe_to_target(g, seeds)
    return out


def _nfe_to_target(g: pd.DataFrame, seeds: Sequence[int]) -> tuple[float, Paired, int] | None:
    """The target (the worse variant's median best validation error), the paired log ratio of the NFE to reach it,
    and how many runs never did; None where a variant has no validation curve."""
    sel = g[g["label"].isin(LABELS) & g["seed_init"].isin(seeds)].drop_duplicates(["label", "seed_init"])
    best = sel.apply(lambda r: np.nanmin(r["curve_val"]) if len(r["curve_val"] or []) else np.nan, axis=1)
    medians = best.groupby(sel["label"]).median()
    if medians.isna().any() or len(medians) < 2:
        return None
    target = float(medians.max())
    reached = sel.apply(lambda r: ev.nfe_to_target(r["curve_val"], r["curve_nfe"], target), axis=1)
    sel = sel.assign(_nfe=[r[0] for r in reached], _reached=[r[1] for r in reached])
    wide = _pivot(sel, LABELS, seeds, "_nfe")
    return target, paired_effect(st.log_ratios(wide[MONOMIAL], wide[LEGENDRE])), int((~sel["_reached"]).sum())


def _c1_evidence(res: Result, task: str, r: dict[str, Any]) -> None:
    """Add one task's effects (from :func:`_c1_task`) to ``res.evidence``."""
    res.evidence[f"{task}: (a) fwd+bwd NFE ratio monomial/Legendre"] = r["a"].effect.text(ratio=True)
    res.evidence[f"{task}: (b) forward NFE ratio"] = r["b"].effect.text(ratio=True)
    res.evidence[f"{task}: mean training NFE (monomial, Legendre)"] = (
        f"{r['mean_nfe'][0]:,.0f} vs {r['mean_nfe'][1]:,.0f}"
    )
    if r["censored_m"] or r["censored_l"]:
        res.evidence[f"{task}: censored (diverged / budget hit) runs, monomial vs Legendre"] = (
            f"{r['censored_m']} vs {r['censored_l']}"
        )
    for key, _source, name in PROBES:
        if key in r:
            res.evidence[f"{task}: {name}"] = r[key].effect.text(ratio=True)
    if r.get("to_target"):
        target, eff, n_cens = r["to_target"]
        res.evidence[f"{task}: NFE to validation error {target:.3g}"] = eff.effect.text(ratio=True) + (
            f"; {n_cens} run(s) never reached it (censored)" if n_cens else ""
        )


def _c1_measure(res: Result, tasks: Sequence[pd.DataFrame], gates: Sequence[Gate]) -> dict[str, dict[str, Any]]:
    """Every task's effects (task name -> :func:`_c1_task`), recorded in ``res.evidence``; tasks with < 2 paired
    seeds are noted and skipped."""
    results: dict[str, dict[str, Any]] = {}
    for g, gt in zip(tasks, gates, strict=True):
        if len(gt.seeds) < 2:
            res.evidence[f"{gt.task}"] = f"{len(gt.seeds)} paired seed(s): no effect can be estimated"
            continue
        results[gt.task] = _c1_task(g, gt.seeds)
        _c1_evidence(res, gt.task, results[gt.task])
    return results


def _c1_decide(res: Result, results: dict[str, dict[str, Any]], names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The deciding tasks ``names`` that support and that refute (Holm across them; adjusted p-values recorded)."""
    adj_s = _holm_map({k: results[k]["p_support"] for k in names})
    adj_r = _holm_map({k: results[k]["p_refute"] for k in names})
    lo_s, lo_r = math.log(C1_SUPPORT), math.log(C1_REJECT)
    support, refute = [], []
    for k in names:
        r = results[k]
        a, b = r["a"].effect, r["b"].effect
        if a.low >= lo_s and b.low >= lo_s and adj_s[k] <= ALPHA and r["censored_l"] == 0:
            support.append(k)
        if a.high < lo_r and b.high < lo_r and adj_r[k] <= ALPHA and r["censored_m"] == 0:
            refute.append(k)
        res.evidence[f"{k}: Holm-adjusted p (support, refute)"] = f"{adj_s[k]:.3g}, {adj_r[k]:.3g}"
    return support, refute


def _c1_verdict(res: Result, support: Sequence[str], refute: Sequence[str], n_passed: int, counts: str) -> Result:
    """The verdict once every real task passed the gate: all support, all refute, or between."""
    if len(support) == n_passed:
        res.verdict = SUPPORTED
        res.explanation = f"monomial needed >= {C1_SUPPORT:g}x the NFE of Legendre on every real task ({res.effect})."
    elif len(refute) == n_passed:
        res.verdict = NOT_SUPPORTED
        res.explanation = (
            f"monomial needed < {C1_REJECT:g}x the NFE of Legendre on every real task ({res.effect}): no large saving."
        )
    else:
        res.explanation = f"{counts}; the effects ({res.effect}) are between the thresholds or disagree."
    return res


def claim_c1(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C1: Legendre neural ODEs need far fewer function evaluations than monomial ones."""
    res = Result(
        INCONCLUSIVE,
        "",
        test="paired log ratio of NFE per task: 95% BCa bootstrap CI + one-sided t-test, Holm across tasks",
        threshold=f"CI lower bound >= {C1_SUPPORT:g}x to support, upper bound < {C1_REJECT:g}x to refute",
    )
    if not _has(table, "architecture", "nfe_train"):
        return _no_runs(res, "no neural-ODE runs in the results store.", NODE_COMMAND)
    table = paper_roles(table)
    tasks = _tasks(table[table["architecture"] == "node"], LABELS)
    if not tasks:
        return _no_runs(res, f"no neural-ODE task has both '{MONOMIAL_LABEL}' and '{LEGENDRE}' runs.", NODE_COMMAND)
    gates = [ev.gate(g, LABELS, finished=True, toy_ok=True) for g in tasks]
    _describe(res, tasks, gates, LABELS)
    results = _c1_measure(res, tasks, gates)
    res.effect = "; ".join(f"{k}: {v['a'].effect.text(ratio=True)}" for k, v in results.items()) or "n/a"
    real, passed, early = _gate_result(gates, res)
    if early:
        return early
    support, refute = _c1_decide(res, results, [g.task for g in passed])
    counts = f"{len(support)} of {len(passed)} deciding task(s) support, {len(refute)} refute"
    res.evidence["tasks supporting / refuting"] = counts
    if len(passed) < len(real):
        return _inconclusive_gate(res, real, counts)
    return _c1_verdict(res, support, refute, len(passed), counts)
