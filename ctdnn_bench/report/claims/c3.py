"""C3: third-order monomial ResNets consistently fail to converge, while Legendre reaches similar accuracy with fewer
weights.

ResNet tasks only (Table 2), ``monomial d=3``, ``legendre d=3`` and ``none`` (unconstrained) on paired seeds.
Two parts: "consistently fail" is the monomial failure rate pooled over the ResNet tasks, held against
:data:`C3_CONSISTENT` with a Clopper-Pearson interval and an exact binomial test; "similar accuracy with fewer
weights" is per-task non-inferiority of Legendre's test error against the unconstrained model's (margin
:data:`~.base.MARGIN`), with fewer weights checked from the ``theta`` column. The full rule is :data:`C3_RULE`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import paired as st
from ctdnn_bench.report.claims.base import (
    FAIL_ERROR,
    INCONCLUSIVE,
    LEGENDRE,
    MARGIN,
    MONOMIAL,
    NONE,
    NOT_SUPPORTED,
    SUPPORTED,
    Paired,
    Result,
    _col,
    _has,
    _holm_map,
    _noninferiority,
    _pivot,
    _tasks,
    paper_roles,
)
from ctdnn_bench.report.claims.gate import _by_optimizer, _describe, _gate_result, _inconclusive_gate, _no_runs
from ctdnn_bench.report.evidence import MIN_SEEDS, Gate
from ctdnn_bench.report.paired import ALPHA
from ctdnn_bench.variants import PAPER_MONOMIAL

#: The authors' monomial of these tasks' architecture (see :func:`~ctdnn_bench.report.claims.base.paper_roles`).
MONOMIAL_LABEL = PAPER_MONOMIAL["resnet"]
C3_FAIL_FACTOR = 1.5  # C3 failure to converge: final training error > 1.5x the best variant's, or >= linear
C3_CONSISTENT = 0.5  # "consistently": Clopper-Pearson lower bound of the monomial failure rate >= this

C3_RULE = (
    f"ResNet tasks only (Table 2; the claim is about ResNets), real data, '{MONOMIAL_LABEL}', '{LEGENDRE}' and "
    f"'{NONE}' on >= {MIN_SEEDS} paired seeds, training finished (learning curve flattened or the paper's full "
    "budget). A run fails to converge if it diverged, hit the solver budget, or ended with a training error >= the "
    f"task's linear least-squares baseline (when recorded) or > {C3_FAIL_FACTOR:g}x the best variant's on the same "
    "task and seed. 'Consistently': the monomial failure rate, pooled over the ResNet tasks, has a Clopper-Pearson "
    f"lower bound >= {C3_CONSISTENT:g} (and an exact binomial p <= {ALPHA:g}). 'Similar accuracy with fewer "
    "weights': per task, the paired log ratio of test error Legendre/unconstrained has a bootstrap CI upper bound "
    f"<= log {MARGIN:g} (non-inferiority, margin fixed in advance; one-sided t-test, Holm across tasks), failures "
    f"given the error {FAIL_ERROR:g}, and Legendre has fewer weights. Supported if all hold on every real ResNet "
    f"task; not supported if the failure rate's upper bound is < {C3_CONSISTENT:g}, or Legendre is significantly "
    "worse than the unconstrained model beyond the margin on some task; otherwise inconclusive."
)

LABELS = (MONOMIAL, LEGENDRE, NONE)
TABLE2_COMMAND = "ctdnn-bench run table2 --profile standard"
#: task -> (test error ratio Legendre/unconstrained, p non-inferior, p inferior, Legendre has fewer weights)
Accuracy = dict[str, tuple[Paired, float, float, bool]]


@dataclass
class FailureRate:
    """Failures to converge pooled over the deciding tasks: ``k`` monomial and ``kl`` Legendre runs out of ``n``
    pairs, with the Clopper-Pearson interval ``lo``, ``hi`` of the monomial rate."""

    k: int = 0
    kl: int = 0
    n: int = 0
    lo: float = math.nan
    hi: float = math.nan

    def text(self) -> str:
        """``"monomial failure rate k/n [lo, hi]; "``, or "" without pairs."""
        return f"monomial failure rate {self.k}/{self.n} [{self.lo:.2f}, {self.hi:.2f}]; " if self.n else ""


def _c3_failures(res: Result, g: pd.DataFrame, gt: Gate, rate: FailureRate) -> None:
    """Record one task's failures to converge; add them to ``rate`` when the task passed the gate."""
    fails = g.assign(_f=ev.reference_failure(g, C3_FAIL_FACTOR))
    w = _pivot(fails, (MONOMIAL, LEGENDRE), gt.seeds, "_f").astype(bool)
    res.evidence[f"{gt.task}: failed to converge, monomial vs Legendre"] = (
        f"{int(w[MONOMIAL].sum())}/{len(w)} vs {int(w[LEGENDRE].sum())}/{len(w)}"
    )
    if gt.ok:
        rate.k, rate.kl, rate.n = rate.k + int(w[MONOMIAL].sum()), rate.kl + int(w[LEGENDRE].sum()), rate.n + len(w)


def _c3_accuracy(res: Result, g: pd.DataFrame, gt: Gate, acc: Accuracy) -> None:
    """Record one task's non-inferiority of Legendre against the unconstrained model in ``acc`` and the evidence."""
    p, p_ni, p_inf = _noninferiority(g, gt.seeds, LEGENDRE, NONE)
    theta = _pivot(g, (LEGENDRE, NONE), gt.seeds, "theta") if "theta" in g else None
    fewer = theta is not None and bool((theta[LEGENDRE] < theta[NONE]).all())
    acc[gt.task] = (p, p_ni, p_inf, fewer)
    res.evidence[f"{gt.task}: test error ratio Legendre/unconstrained"] = p.effect.text(ratio=True) + (
        "" if fewer else "; Legendre does NOT have fewer weights"
    )


def _c3_measure(res: Result, tasks: Sequence[pd.DataFrame], gates: Sequence[Gate]) -> tuple[FailureRate, Accuracy]:
    """The pooled monomial failure rate and the per-task accuracy comparisons of the real tasks."""
    rate, acc = FailureRate(), Accuracy()
    for g, gt in zip(tasks, gates, strict=True):
        if ev.REAL in gt.failed or not gt.seeds:
            continue
        _c3_failures(res, g, gt, rate)
        if len(gt.seeds) >= 2:
            _c3_accuracy(res, g, gt, acc)
    rate.lo, rate.hi = st.clopper_pearson(rate.k, rate.n)
    if rate.n:
        res.evidence["monomial failure rate, pooled over deciding ResNet tasks"] = (
            f"{rate.k}/{rate.n} = {rate.k / rate.n:.0%} [{rate.lo:.2f}, {rate.hi:.2f}]; p(rate <= {C3_CONSISTENT:g}) = "
            f"{st.p_rate_greater(rate.k, rate.n, C3_CONSISTENT):.3g}"
        )
        res.evidence["Legendre failure rate, pooled"] = f"{rate.kl}/{rate.n} = {rate.kl / rate.n:.0%}"
    return rate, acc


def _c3_refuted(res: Result, rate: FailureRate, inferior: Sequence[str]) -> bool:
    """Refute where monomial does not consistently fail or Legendre is inferior somewhere; True if refuted."""
    if rate.n and rate.hi < C3_CONSISTENT:
        res.verdict = NOT_SUPPORTED
        res.explanation = (
            f"monomial ResNets failed in {rate.k}/{rate.n} runs; the rate's upper bound {rate.hi:.2f} is < "
            f"{C3_CONSISTENT:g}: they do not consistently fail."
        )
        return True
    if inferior:
        res.verdict = NOT_SUPPORTED
        res.explanation = (
            f"Legendre's test error is significantly more than {MARGIN:g}x the unconstrained model's on "
            f"{', '.join(inferior)}."
        )
        return True
    return False


def _c3_decide(res: Result, rate: FailureRate, acc: Accuracy, passed: Sequence[Gate], real: Sequence[Gate]) -> Result:
    """The verdict from the pooled failure rate and the deciding tasks' non-inferiority tests (Holm across them)."""
    names = [gt.task for gt in passed if gt.task in acc]
    adj_ni = _holm_map({t: acc[t][1] for t in names})
    adj_inf = _holm_map({t: acc[t][2] for t in names})
    m = math.log(MARGIN)
    non_inf = [t for t in names if acc[t][0].effect.high <= m and adj_ni[t] <= ALPHA and acc[t][3]]
    inferior = [t for t in names if acc[t][0].effect.low > m and adj_inf[t] <= ALPHA]
    if _c3_refuted(res, rate, inferior):
        return res
    counts = f"{rate.text()}Legendre non-inferior on {len(non_inf)}/{len(names)} deciding task(s)"
    if len(passed) < len(real):
        return _inconclusive_gate(res, real, counts)
    consistent = rate.n and rate.lo >= C3_CONSISTENT and st.p_rate_greater(rate.k, rate.n, C3_CONSISTENT) <= ALPHA
    if consistent and len(non_inf) == len(names):
        res.verdict = SUPPORTED
        res.explanation = (
            f"monomial ResNets failed to converge in {rate.k}/{rate.n} runs (lower bound {rate.lo:.2f} >= "
            f"{C3_CONSISTENT:g}) and Legendre d=3 was non-inferior to the unconstrained model with fewer weights on "
            "every real task."
        )
    else:
        res.explanation = f"{counts}: between the thresholds."
    return res


def claim_c3(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C3: third-order monomial ResNets consistently fail to converge; Legendre gets similar accuracy with fewer
    weights. Decided per optimizer too where several exist (bases are compared within one optimizer)."""
    table = paper_roles(table)
    res = _c3(table)
    _by_optimizer(table[_col(table, "architecture", "") == "resnet"] if not table.empty else table, _c3, res)
    return res


def _c3(table: pd.DataFrame) -> Result:
    """C3's rule on ``table`` (all optimizers together)."""
    res = Result(
        INCONCLUSIVE,
        "",
        test="pooled monomial failure rate: Clopper-Pearson CI + exact binomial test; per task non-inferiority of "
        "Legendre vs unconstrained test error: bootstrap CI + one-sided t-test, Holm across tasks",
        threshold=f"failure rate CI lower bound >= {C3_CONSISTENT:g}; error ratio CI upper bound <= {MARGIN:g}",
    )
    if not _has(table, "architecture", "train_rel_err"):
        return _no_runs(res, "no Table-2 (ResNet) runs in the results store.", TABLE2_COMMAND)
    tasks = _tasks(table[table["architecture"] == "resnet"], LABELS)
    if not tasks:
        return _no_runs(res, f"no ResNet task has '{MONOMIAL_LABEL}', '{LEGENDRE}' and '{NONE}' runs.", TABLE2_COMMAND)
    gates = [ev.gate(g, LABELS, finished=True) for g in tasks]
    _describe(res, tasks, gates, LABELS)
    rate, acc = _c3_measure(res, tasks, gates)
    real, passed, early = _gate_result(gates, res)
    res.effect = rate.text() + "; ".join(f"{t}: error ratio {v[0].effect.text(ratio=True)}" for t, v in acc.items())
    if early:
        return early
    return _c3_decide(res, rate, acc, passed, real)
