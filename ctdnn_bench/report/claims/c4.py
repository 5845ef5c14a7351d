"""C4: Legendre accuracy is comparable to or better than monomial and unconstrained (one weight set per step) models.

Every real task except the toy spiral, ``legendre d=3`` against each competitor (``monomial d=3``; ``none``, Table 2
only), paired by seed. "Comparable" is non-inferiority: the paired log ratio of test error Legendre/competitor, with
diverged runs given the error :data:`~.base.FAIL_ERROR`, must lie below the margin :data:`~.base.MARGIN` fixed in
advance, Holm-corrected across all task-competitor pairs. The full rule is :data:`C4_RULE`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report.claims.base import (
    FAIL_ERROR,
    INCONCLUSIVE,
    LEGENDRE,
    MARGIN,
    MONOMIAL,
    MONOMIAL_TEXT,
    NONE,
    NOT_SUPPORTED,
    SUPPORTED,
    Paired,
    Result,
    _has,
    _holm_map,
    _noninferiority,
    _tasks,
    paper_roles,
)
from ctdnn_bench.report.claims.gate import (
    _budget_text,
    _by_optimizer,
    _data_text,
    _gate_result,
    _inconclusive_gate,
    _n_text,
    _no_runs,
)
from ctdnn_bench.report.evidence import MIN_SEEDS, Gate
from ctdnn_bench.report.paired import ALPHA

C4_RULE = (
    f"Every real task except the toy spiral (Table 2 and the surrogate neural ODEs), '{LEGENDRE}' against each "
    f"competitor ({MONOMIAL_TEXT}; '{NONE}' = one weight set per step, Table 2 only) on >= {MIN_SEEDS} paired seeds, "
    f"training finished. Non-inferiority per task and competitor: the paired log ratio of test error "
    f"Legendre/competitor (diverged runs given the error {FAIL_ERROR:g}) has a bootstrap CI upper bound <= log "
    f"{MARGIN:g} (margin fixed in advance) and a one-sided t-test p-value <= {ALPHA:g} after Holm's correction across "
    f"all task-competitor pairs. Supported if Legendre is non-inferior in every comparison (and at least one "
    f"comparison with '{NONE}' exists); not supported if it is significantly worse than {MARGIN:g}x in some "
    f"comparison; otherwise inconclusive."
)

REPRODUCE = "ctdnn-bench reproduce --profile standard"
COMPETITORS = (MONOMIAL, NONE)
#: (competitor label, the task's runs, the task's gate for Legendre vs that competitor)
Comparison = tuple[str, pd.DataFrame, Gate]
#: "task vs competitor" -> (test error ratio Legendre/competitor, p non-inferior, p inferior)
Effects = dict[str, tuple[Paired, float, float]]


def _c4_comparisons(table: pd.DataFrame) -> list[Comparison]:
    """Every task with Legendre and a competitor, per competitor, with its gate."""
    comps: list[Comparison] = []
    for other in COMPETITORS:
        for g in _tasks(table, (LEGENDRE, other)):
            comps.append((other, g, ev.gate(g, (LEGENDRE, other), finished=True)))
    return comps


def _c4_effects(res: Result, comps: Sequence[Comparison]) -> Effects:
    """The non-inferiority test of every real comparison with >= 2 paired seeds, recorded in ``res.evidence``."""
    eff: Effects = {}
    for other, g, gt in comps:
        if ev.REAL in gt.failed or len(gt.seeds) < 2:
            continue
        name = f"{gt.task} vs {other}"
        eff[name] = _noninferiority(g, gt.seeds, LEGENDRE, other)
        res.evidence[f"{name}: test error ratio Legendre/{other}"] = eff[name][0].effect.text(ratio=True)
    return eff


def _c4_tests(eff: Effects, deciding: Sequence[str]) -> tuple[list[str], list[str]]:
    """The deciding comparisons where Legendre is non-inferior, and where significantly worse (Holm across them)."""
    adj_ni = _holm_map({k: eff[k][1] for k in deciding})
    adj_inf = _holm_map({k: eff[k][2] for k in deciding})
    m = math.log(MARGIN)
    non_inf = [k for k in deciding if eff[k][0].effect.high <= m and adj_ni[k] <= ALPHA]
    inferior = [k for k in deciding if eff[k][0].effect.low > m and adj_inf[k] <= ALPHA]
    return non_inf, inferior


def _c4_counts(res: Result, deciding: Sequence[str], non_inf: Sequence[str], inferior: Sequence[str]) -> None:
    """Record, per competitor, how many deciding comparisons were non-inferior and significantly worse."""
    for other in COMPETITORS:
        d = [k for k in deciding if k.endswith(f"vs {other}")]
        if d:
            res.evidence[f"vs '{other}': non-inferior / significantly worse"] = (
                f"{sum(k in non_inf for k in d)}/{len(d)} / {sum(k in inferior for k in d)}/{len(d)} deciding tasks"
            )


def _c4_refuted(res: Result, inferior: Sequence[str]) -> Result:
    """``not supported``: Legendre is significantly worse than the margin in the comparisons ``inferior``."""
    res.verdict = NOT_SUPPORTED
    res.explanation = (
        f"Legendre's test error is significantly more than {MARGIN:g}x the competitor's in {len(inferior)} "
        f"comparison(s): {', '.join(inferior)}."
    )
    return res


def _c4_verdict(res: Result, deciding: Sequence[str], non_inf: Sequence[str]) -> Result:
    """The verdict once no comparison refutes and every real task passed the gate: supported if Legendre is
    non-inferior in every deciding comparison, one of them against the unconstrained model."""
    with_none = any(k.endswith(f"vs {NONE}") for k in deciding)
    if len(non_inf) == len(deciding) and with_none:
        res.verdict = SUPPORTED
        res.explanation = (
            f"Legendre was non-inferior (margin {MARGIN:g}x) in all {len(deciding)} comparisons with monomial and "
            "the unconstrained model."
        )
    else:
        missing = "" if with_none else f" (no deciding '{NONE}' comparison)"
        res.explanation = f"Legendre was non-inferior in {len(non_inf)} of {len(deciding)} comparisons{missing}."
    return res


def claim_c4(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C4: Legendre accuracy is comparable to or better than monomial and unconstrained models (and per optimizer
    where several exist)."""
    table = paper_roles(table)
    res = _c4(table)
    _by_optimizer(table, _c4, res)
    return res


def _c4(table: pd.DataFrame) -> Result:
    """C4's rule on ``table`` (all optimizers together)."""
    res = Result(
        INCONCLUSIVE,
        "",
        test="per task and competitor: paired log ratio of test error, bootstrap CI + one-sided t-test "
        "(non-inferiority), Holm across all comparisons",
        threshold=f"error ratio CI upper bound <= {MARGIN:g} (margin fixed in advance)",
    )
    if not _has(table, "label", "task", "architecture"):
        return _no_runs(res, "no runs in the results store.", REPRODUCE)
    comps = _c4_comparisons(table)
    if not comps:
        return _no_runs(res, f"no task has '{LEGENDRE}' and a competitor.", REPRODUCE)
    gates = [c[2] for c in comps]
    used = pd.concat([g[g["label"].isin((LEGENDRE, o))] for o, g, _ in comps]).drop_duplicates("key")
    res.budget, res.data, res.n = _budget_text(used), _data_text([], gates), _n_text(gates)
    eff = _c4_effects(res, comps)
    res.effect = "; ".join(f"{k}: {v[0].effect.text(ratio=True)}" for k, v in eff.items()) or "n/a"
    real, passed, early = _gate_result(gates, res)
    if early:
        return early
    deciding = [f"{gt.task} vs {o}" for o, _g, gt in comps if gt.ok and f"{gt.task} vs {o}" in eff]
    non_inf, inferior = _c4_tests(eff, deciding)
    _c4_counts(res, deciding, non_inf, inferior)
    if inferior:
        return _c4_refuted(res, inferior)
    if len(passed) < len(real):
        return _inconclusive_gate(res, real, f"non-inferior in {len(non_inf)}/{len(deciding)} deciding comparisons")
    return _c4_verdict(res, deciding, non_inf)
