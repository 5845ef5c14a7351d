"""C6: constraining weights to a low-dimensional polynomial subspace regularizes: fewer degrees of freedom for
similar error.

Table-2/3 tasks (ResNet and Hamiltonian), ``legendre d=3`` vs ``none`` (unconstrained) and Legendre at the degrees
:data:`C6_DEGREES`, paired by seed. Fewer parameters alone is true by construction and decides nothing; a task
supports only if three paired effects agree: a smaller generalization gap, a non-inferior test error, and no
accuracy lost when the degree is lowered (a per-seed slope of log test error against the degree). The full rule is
:data:`C6_RULE`.
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
    DTO_ARCHS,
    FAIL_ERROR,
    INCONCLUSIVE,
    LEGENDRE,
    MARGIN,
    NONE,
    NOT_SUPPORTED,
    SUPPORTED,
    Paired,
    Result,
    _col,
    _failed,
    _has,
    _holm_map,
    _noninferiority,
    _pivot,
    _tasks,
    failure_imputed,
    paired_effect,
)
from ctdnn_bench.report.claims.gate import _by_optimizer, _describe, _gate_result, _inconclusive_gate, _no_runs
from ctdnn_bench.report.evidence import MIN_SEEDS, Gate
from ctdnn_bench.report.paired import ALPHA

C6_DEGREES = (3, 4, 5, 6)

C6_RULE = (
    f"Table-2/3 tasks (ResNet and Hamiltonian) with real data, '{LEGENDRE}' vs '{NONE}' (and Legendre "
    f"d={C6_DEGREES[0]}..{C6_DEGREES[-1]}) on >= {MIN_SEEDS} paired seeds, training finished. Per task, three paired "
    f"effects, each with a bootstrap CI and a one-sided t-test: (i) generalization gap (test - train error) of "
    f"Legendre minus unconstrained, CI upper bound < 0 (Legendre generalizes better); (ii) test error ratio "
    f"Legendre/unconstrained, CI upper bound <= {MARGIN:g} (non-inferior, failures given the error {FAIL_ERROR:g}); "
    f"(iii) per seed, the least-squares slope of log test error against the degree d = {C6_DEGREES[0]}..."
    f"{C6_DEGREES[-1]}, turned into the fitted error ratio d={C6_DEGREES[0]} / d={C6_DEGREES[-1]}: CI upper bound "
    f"<= {MARGIN:g} (fewer degrees of freedom cost no accuracy). Fewer parameters alone is true by construction and "
    f"decides nothing. A task supports if (i)-(iii) hold (its p-value the largest of the three), Holm across tasks "
    f"at {ALPHA:g}; it refutes if Legendre's gap is significantly larger (CI lower bound > 0) or its test error "
    f"significantly more than {MARGIN:g}x. Supported if every real task supports, not supported if some task refutes, "
    f"otherwise inconclusive."
)

DEGREE_LABELS = [f"legendre d={d}" for d in C6_DEGREES]
TABLE2_COMMAND = "ctdnn-bench run table2 --profile standard"


def _degree_effect(g: pd.DataFrame, seeds: Sequence[int]) -> Paired:
    """Per seed with every degree run, the fitted log test-error ratio d_min / d_max (``-slope * span`` of log error
    against the degree, failures imputed), as a paired effect."""
    imp = g.assign(_err=failure_imputed(g))
    w = _pivot(imp, DEGREE_LABELS, seeds, "_err")
    span = C6_DEGREES[-1] - C6_DEGREES[0]
    lr = np.array(
        [
            -st.slope(C6_DEGREES, np.log(row.to_numpy(dtype=float))) * span
            for _s, row in w.iterrows()
            if row.notna().all()
        ]
    )
    return paired_effect(lr)


def _c6_task(g: pd.DataFrame, seeds: Sequence[int]) -> dict[str, Any]:
    """One task's effects on ``seeds``: ``gap`` (Legendre minus unconstrained generalization gap), ``ratio`` (test
    error Legendre/unconstrained), ``dof`` (fitted error ratio over the degrees, where all were run) and the
    one-sided p-values of each."""
    ok = g.assign(_gap=_col(g, "test_rel_err") - _col(g, "train_rel_err"))
    gap = _pivot(ok.assign(_gap=ok["_gap"].where(~_failed(ok))), (LEGENDRE, NONE), seeds, "_gap")
    diff = paired_effect((gap[LEGENDRE] - gap[NONE]).to_numpy(dtype=float))
    ratio, p_ni, p_inf = _noninferiority(g, seeds, LEGENDRE, NONE)
    out: dict[str, Any] = {
        "gap": diff,
        "ratio": ratio,
        "p_gap_less": st.p_less(diff.values, 0.0),
        "p_gap_more": st.p_greater(diff.values, 0.0),
        "p_ni": p_ni,
        "p_inf": p_inf,
    }
    if set(DEGREE_LABELS) <= set(g["label"]):
        out["dof"] = _degree_effect(g, seeds)
        out["p_dof"] = st.p_less(out["dof"].values, math.log(MARGIN))
    return out


def _c6_measure(res: Result, tasks: Sequence[pd.DataFrame], gates: Sequence[Gate]) -> dict[str, dict[str, Any]]:
    """Every real task's effects with >= 2 paired seeds (task name -> :func:`_c6_task`), recorded in the evidence."""
    results: dict[str, dict[str, Any]] = {}
    for g, gt in zip(tasks, gates, strict=True):
        if ev.REAL in gt.failed or len(gt.seeds) < 2:
            continue
        r = results[gt.task] = _c6_task(g, gt.seeds)
        res.evidence[f"{gt.task}: gap (test - train) Legendre minus unconstrained"] = r["gap"].effect.text()
        res.evidence[f"{gt.task}: test error ratio Legendre/unconstrained"] = r["ratio"].effect.text(ratio=True)
        res.evidence[f"{gt.task}: fitted error ratio d={C6_DEGREES[0]}/d={C6_DEGREES[-1]}"] = (
            r["dof"].effect.text(ratio=True) if "dof" in r else "not all degrees run"
        )
    return results


def _c6_decide(results: dict[str, dict[str, Any]], names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The deciding tasks ``names`` that support and that refute (Holm across them)."""
    p_sup = {k: max(results[k]["p_gap_less"], results[k]["p_ni"], results[k].get("p_dof", 1.0)) for k in names}
    adj_sup = _holm_map(p_sup)
    adj_inf = _holm_map({k: results[k]["p_inf"] for k in names})
    adj_gap = _holm_map({k: results[k]["p_gap_more"] for k in names})
    m = math.log(MARGIN)
    support, refute = [], []
    for k in names:
        r = results[k]
        dof_ok = "dof" in r and r["dof"].effect.high <= m
        if r["gap"].effect.high < 0 and r["ratio"].effect.high <= m and dof_ok and adj_sup[k] <= ALPHA:
            support.append(k)
        if (r["ratio"].effect.low > m and adj_inf[k] <= ALPHA) or (r["gap"].effect.low > 0 and adj_gap[k] <= ALPHA):
            refute.append(k)
    return support, refute


def _c6_effect(results: dict[str, dict[str, Any]]) -> str:
    """The gap difference and error ratio of every measured task, in one line."""
    return (
        "; ".join(
            f"{k}: gap difference {v['gap'].effect.text()}, error ratio {v['ratio'].effect.text(ratio=True)}"
            for k, v in results.items()
        )
        or "n/a"
    )


def _c6_verdict(res: Result, support: Sequence[str], refute: Sequence[str], names: Sequence[str], counts: str) -> None:
    """The verdict when every real task passed the gate or some task refutes: not supported if any refutes,
    supported if every deciding task supports, otherwise inconclusive."""
    if refute:
        res.verdict = NOT_SUPPORTED
        res.explanation = (
            f"on {', '.join(refute)} Legendre d=3 generalizes significantly worse than, or is significantly more than "
            f"{MARGIN:g}x as wrong as, the unconstrained model."
        )
    elif len(support) == len(names) and names:
        res.verdict = SUPPORTED
        res.explanation = (
            "on every real task Legendre d=3 had a smaller generalization gap than the unconstrained model, a "
            f"non-inferior test error, and lowering the degree from {C6_DEGREES[-1]} to {C6_DEGREES[0]} cost no "
            "accuracy."
        )
    else:
        res.explanation = f"{counts}: between the thresholds."


def claim_c6(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C6: a low-dimensional polynomial subspace regularizes: fewer degrees of freedom for similar error (and per
    optimizer where several exist)."""
    res = _c6(table)
    _by_optimizer(table, _c6, res)
    return res


def _c6(table: pd.DataFrame) -> Result:
    """C6's rule on ``table`` (all optimizers together)."""
    res = Result(
        INCONCLUSIVE,
        "",
        test="per task: paired generalization-gap difference, test-error log ratio and error-vs-degree slope, each "
        "with a bootstrap CI + one-sided t-test; intersection (largest p) per task, Holm across tasks",
        threshold=f"gap difference CI < 0; error ratio CI upper <= {MARGIN:g}; fitted error ratio "
        f"d={C6_DEGREES[0]}/d={C6_DEGREES[-1]} CI upper <= {MARGIN:g}",
    )
    if not _has(table, "architecture", "test_rel_err", "train_rel_err"):
        return _no_runs(res, "no Table-2/3 runs with errors in the results store.", TABLE2_COMMAND)
    tasks = _tasks(table[table["architecture"].isin(DTO_ARCHS)], (LEGENDRE, NONE))
    if not tasks:
        return _no_runs(res, f"no ResNet/Hamiltonian task has both '{LEGENDRE}' and '{NONE}' runs.", TABLE2_COMMAND)
    gates = [
        ev.gate(g, [NONE, *[lab for lab in DEGREE_LABELS if lab in set(g["label"])]], finished=True) for g in tasks
    ]
    _describe(res, tasks, gates, [NONE, *DEGREE_LABELS])
    results = _c6_measure(res, tasks, gates)
    res.effect = _c6_effect(results)
    real, passed, early = _gate_result(gates, res)
    if early:
        return early
    names = [g.task for g in passed if g.task in results]
    support, refute = _c6_decide(results, names)
    counts = f"{len(support)} of {len(names)} deciding task(s) support, {len(refute)} refute"
    res.evidence["tasks supporting / refuting"] = counts
    if not refute and len(passed) < len(real):
        return _inconclusive_gate(res, real, counts)
    _c6_verdict(res, support, refute, names, counts)
    return res
