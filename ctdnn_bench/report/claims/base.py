"""The vocabulary every claim rule shares: verdicts, variant labels, :class:`Result` and :class:`Claim`, and the
run-table helpers that pair runs by seed.

"Monomial" is the authors' monomial of a run's architecture (:data:`ctdnn_bench.variants.PAPER_MONOMIAL`): on the
fixed grids of Table 2 ``monomial d=3``, time on [0, T] (their MATLAB), in the neural ODEs ``monomial[0,1] d=3``,
time mapped to [0, 1] (their revised code). :func:`paper_roles` gives those runs the role :data:`MONOMIAL` before a
rule reads the table; :func:`ctdnn_bench.report.attribution.scaling_vs_orthogonality` separates the two effects with
both monomial variants.

Runs are compared only within a task (the ``task`` column: identical configs apart from the time basis and the
seeds) and paired by seed (``seed_init``). Failures are kept: :func:`failure_imputed` gives a diverged run the error
of predicting zero (relative error :data:`FAIL_ERROR`) or the task's worst, whichever is larger.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import paired as st
from ctdnn_bench.report.paired import Effect
from ctdnn_bench.variants import PAPER_MONOMIAL

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)

#: The role of the authors' monomial in the rules (see :func:`paper_roles`), and the labels of Legendre and ``none``.
MONOMIAL, LEGENDRE, NONE = "monomial", "legendre d=3", "none"
#: How a rule's text names :data:`MONOMIAL`.
MONOMIAL_TEXT = (
    f"the authors' monomial ('{PAPER_MONOMIAL['resnet']}' on the fixed grids, '{PAPER_MONOMIAL['node']}' in the "
    "neural ODEs)"
)
DTO_ARCHS = ("resnet", "hamiltonian")
ARCHS = (*DTO_ARCHS, "node")

# Thresholds shared by several rules, fixed in advance (the rule texts are built from these, so text and code agree).
MARGIN = 1.10  # non-inferiority margin on error ratios ("comparable": upper CI bound <= 1.10)
FAIL_ERROR = 1.0  # error given to a diverged run (predicting zero has relative error 1), or the task's worst if larger

ClaimFn = Callable[[pd.DataFrame, pd.DataFrame], "Result"]


@dataclass
class Result:
    """What a rule found.

    Attributes:
        verdict: one of :data:`VERDICTS`.
        explanation: why, in one or two sentences.
        evidence: the numbers the rule used (name -> display value).
        test: the statistical test(s).
        n: the evidence base (seeds x tasks).
        effect: the effect(s) with 95% CI.
        threshold: the threshold(s) the effect was held against.
        budget: the fraction of the paper's budget that was run.
        data: whether the deciding data were real.
        gate: the evidence-gate conditions that failed ("" when every deciding task passed).
        commands: commands that would meet the failed conditions.
    """

    verdict: str
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    test: str = ""
    n: str = ""
    effect: str = ""
    threshold: str = ""
    budget: str = ""
    data: str = ""
    gate: str = ""
    commands: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    """One claim with its computed verdict (the fields of :class:`Result` plus the claim's text).

    Attributes:
        id: ``C1`` .. ``C6``.
        statement: the claim as the paper's summaries state it.
        measure: what is measured.
        rule: the decision rule, in words, with its thresholds.
        verdict: one of :data:`VERDICTS`.
        evidence: the numbers the rule used (name -> value).
        explanation: why this verdict.
        result: the full :class:`Result` (test, n, effect, threshold, budget, data, gate, commands).
    """

    id: str
    statement: str
    measure: str
    rule: str
    verdict: str
    evidence: dict[str, Any]
    explanation: str
    result: Result | None = None


def _fmt(x: float | None, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits; ``n/a`` for None or NaN, ``inf`` for infinity."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}"


def paper_roles(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a copy) with the label of each run that is the authors' monomial of its architecture
    (:data:`~ctdnn_bench.variants.PAPER_MONOMIAL`) replaced by the role :data:`MONOMIAL`; every other label stays."""
    if table.empty or not {"label", "architecture"} <= set(table.columns):
        return table
    out = table.copy()
    out.loc[out["label"] == out["architecture"].map(PAPER_MONOMIAL), "label"] = MONOMIAL
    return out


def _has(table: pd.DataFrame, *cols: str) -> bool:
    """Is ``table`` non-empty with all of ``cols``?"""
    return not table.empty and all(c in table.columns for c in cols)


def _col(df: pd.DataFrame, name: str, default: Any = math.nan) -> pd.Series:
    """Column ``name`` of ``df``, or a column of ``default`` where it is missing."""
    return df[name] if name in df.columns else pd.Series(default, index=df.index)


def _truthy(s: pd.Series) -> pd.Series:
    """``s`` as booleans, missing values False."""
    return s.fillna(False).astype(bool)


def _tasks(table: pd.DataFrame, labels: Sequence[str]) -> list[pd.DataFrame]:
    """The runs of every task that has all ``labels`` (sorted by data set, architecture, T)."""
    if not _has(table, "label", "task", "seed_init"):
        return []
    out = [g for _t, g in table.groupby("task", sort=True) if set(labels) <= set(g["label"])]
    order = {"spiral": 0, "elm": 1, "cdr": 2, "dcr": 3}
    return sorted(out, key=lambda g: (order.get(str(g["dataset"].iloc[0]), 9), ev.task_name(g)))


def _failed(g: pd.DataFrame) -> pd.Series:
    """Per run: did it fail (``status`` other than ``ok``)?"""
    return g["status"] != "ok"


def _pivot(g: pd.DataFrame, labels: Sequence[str], seeds: Sequence[int], column: str) -> pd.DataFrame:
    """seed x label table of ``column`` (the first record per seed and label; NaN where there is none)."""
    sel = g[g["label"].isin(labels) & g["seed_init"].isin(seeds)]
    keys = zip(sel["label"], sel["seed_init"].astype(int), strict=True)
    found = dict(reversed(list(zip(keys, sel[column], strict=True))))  # the first record wins
    return pd.DataFrame({lab: [found.get((lab, int(s)), math.nan) for s in seeds] for lab in labels}, index=seeds)


def failure_imputed(g: pd.DataFrame, column: str = "test_rel_err") -> pd.Series:
    """``column`` with diverged runs (and missing values) set to ``max(FAIL_ERROR, worst finite value in the
    task)``: failures count as failures, never dropped."""
    v = pd.to_numeric(_col(g, column), errors="coerce").where(~_failed(g))
    worst = float(np.nanmax(v.to_numpy(dtype=float))) if v.notna().any() else FAIL_ERROR
    return v.fillna(max(FAIL_ERROR, worst))


@dataclass
class Paired:
    """A paired effect on one task: per-seed values, their mean with CI, and the p-values used."""

    values: np.ndarray
    effect: Effect
    p: dict[str, float] = field(default_factory=dict)


def paired_effect(values: Sequence[float] | np.ndarray) -> Paired:
    """Mean and bootstrap CI of per-seed values (NaNs dropped)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    return Paired(x, st.mean_ci(x))


def _holm_map(pvalues: dict[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values, by the same keys."""
    keys = list(pvalues)
    return dict(zip(keys, st.holm([pvalues[k] for k in keys]), strict=True))


def _noninferiority(
    g: pd.DataFrame, seeds: Sequence[int], a: str, b: str, column: str = "test_rel_err"
) -> tuple[Paired, float, float]:
    """Paired log ratio a/b of ``column`` (failures imputed) with the one-sided p-values for non-inferiority
    (H1: ratio < MARGIN) and for inferiority (H1: ratio > MARGIN)."""
    imp = g.assign(_err=failure_imputed(g, column))
    w = _pivot(imp, (a, b), seeds, "_err")
    p = paired_effect(st.log_ratios(w[a], w[b]))
    m = math.log(MARGIN)
    return p, st.p_less(p.values, m), st.p_greater(p.values, m)
