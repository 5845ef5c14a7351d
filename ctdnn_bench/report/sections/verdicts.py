"""The claims section and its companion, the attribution of the Legendre advantage (three-arm or factorial).

The claims are rendered by the page template from ``Context.claims``; here is only their introduction. The
attribution is the factor analysis when the factorial experiment ran (:mod:`ctdnn_bench.report.factors`), else the
three-arm comparison of :func:`ctdnn_bench.report.attribution.scaling_vs_orthogonality`.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from ctdnn_bench.report import factors as fa
from ctdnn_bench.report import tables as tb
from ctdnn_bench.report.attribution import attribution_summary
from ctdnn_bench.report.evidence import FLAT_REL, FLAT_TAIL, MIN_SEEDS, PAPER_BUDGET
from ctdnn_bench.report.inputs import Conditioning
from ctdnn_bench.report.labels import dataset_rank
from ctdnn_bench.report.paired import ALPHA, N_RESAMPLES
from ctdnn_bench.report.sections.common import Context
from ctdnn_bench.report.view import HtmlTable, Prose, Section, safe

FACTORS_TITLE = "Why does Legendre help? Scaling, centering, orthogonality, learning rate and regularizer"
EQUILIBRATED_CAPTION = (
    "Condition numbers of the basis matrix (d = 3, the paper's 12-point grid), raw and after column "
    "equilibration (each column scaled to unit norm): equilibration removes any diagonal scaling of the "
    "coefficients, i.e. what the learning-rate treatment undoes; what is left is centering and orthogonality."
)


def section_claims(ctx: Context) -> Section:
    """The claims C1-C6 with rule, numbers and verdict (rendered by the template from ``claims``)."""
    numbers = {
        "min_seeds": MIN_SEEDS,
        "flat_tail": FLAT_TAIL,
        "flat_rel": FLAT_REL,
        "epochs": PAPER_BUDGET["epochs"],
        "iterations": PAPER_BUDGET["iterations"],
        "n_resamples": N_RESAMPLES,
        "alpha": ALPHA,
    }
    return Section("claims", "Claims and verdicts", prose=Prose("claims", numbers))


def section_attribution(ctx: Context) -> Section:
    """The factor analysis when the factorial experiment ran, else the three-arm attribution."""
    if ctx.effects.empty:
        return section_three_arm(ctx.attribution)
    return section_factors(ctx.effects, ctx.inputs.conditioning)


def _setting_order(attr: pd.DataFrame) -> pd.DataFrame:
    """``attr`` ordered by setting: real data sets first (the page's order), then the toy one; then architecture, T
    and optimizer."""
    rank = attr["dataset"].map(lambda d: dataset_rank(d, toy_last=True))
    order = attr.assign(_r=rank).sort_values(["_r", "architecture", "T", "optimizer"], kind="stable")
    return order.drop(columns="_r")


def section_three_arm(attr: pd.DataFrame) -> Section:
    """Time scaling vs orthogonality: the rows of :func:`ctdnn_bench.report.attribution.scaling_vs_orthogonality`."""
    s = Section("attribution", "Time scaling or orthogonality?", prose=Prose("attribution"))
    s.intro.append(attribution_summary(attr))
    if not attr.empty:
        s.tables += tb.attribution_tables(_setting_order(attr))
    return s


def _effect_tables(effects: pd.DataFrame) -> list[HtmlTable]:
    """One table per outcome: effects (rows) per task (columns), as ``mean [95% CI] (n)`` texts."""
    out = []
    for outcome, g in effects.groupby("outcome", sort=False):
        wide = g.pivot_table(index=["group", "effect"], columns="setting", values="text", aggfunc="first", sort=False)
        caption = f"{outcome}: effects per task (mean over seeds [95% CI] (n))"
        out.append(tb.frame_table(wide.reset_index(), f"factors-{str(outcome).split()[0]}", caption))
    return out


def section_factors(effects: pd.DataFrame, cond: Conditioning) -> Section:
    """The factorial experiment's factor analysis (replaces :func:`section_three_arm` when factorial runs exist)."""
    prose = Prose("factors", {"n_resamples": N_RESAMPLES, "min_seeds": MIN_SEEDS})
    s = Section("attribution", FACTORS_TITLE, prose=prose)
    s.intro += fa.gap_sentences(effects) or ["No task has every cell of the gap path with matched seeds."]
    if not effects.empty:
        s.tables += _effect_tables(effects)
    safe(s, "condition numbers", partial(_add_conditions, s, cond))
    return s


def _add_conditions(s: Section, cond: Conditioning) -> None:
    table = fa.equilibrated_conditions(cond.table)
    s.tables.append(tb.frame_table(table, "factors-conditioning", EQUILIBRATED_CAPTION))
