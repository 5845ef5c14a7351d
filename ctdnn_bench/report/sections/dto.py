"""The discretize-then-optimize sections: Table 2 (errors, with GNvpro's objective against work) and Table 3 (error
against degrees of freedom, with the paper's Figure 6 analogue).

They read the Table-2 runs of the tidy run table: ResNet / Hamiltonian / Leapfrog, the labels of
:data:`~ctdnn_bench.report.labels.DTO_LABELS`, under ADAM and GNvpro.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import tables as tb
from ctdnn_bench.report import training_figures as tf
from ctdnn_bench.report.inputs import Runs
from ctdnn_bench.report.labels import DTO_LABELS, TABLE2_ARCHS, TABLE2_OPTIMIZERS, dataset_name, describe_runs
from ctdnn_bench.report.sections.common import Context, curve_t, datasets, dto_runs, histories, parts_by_arch
from ctdnn_bench.report.view import Details, Prose, Section, add_figure

GNVPRO_LABELS = ("monomial d=3", "monomial[0,1] d=3", "legendre d=3", "legendre d=6", "none")


def draw_objective(runs: Runs, parts: dict[str, pd.DataFrame], short: str, big_t: float) -> Any:
    """One panel per architecture: GNvpro's objective against work units, per label."""
    fig, axes = fg.new_figure(1, len(parts), width=10.5, height=3.4)
    for ax, (arch, p) in zip(axes.flat, parts.items(), strict=True):
        tf.plot_objective_vs_work(ax, histories(runs, p, GNVPRO_LABELS), title=f"{short}: {arch}, T = {big_t:g}")
    return fig


def _add_work_figure(s: Section, runs: Runs, g: pd.DataFrame, big_t: float) -> None:
    """GNvpro's work figure of one data set's runs ``g``."""
    parts = parts_by_arch(g)
    short = dataset_name(g, short=True)
    used = pd.concat(list(parts.values()))
    caption = (
        f"{dataset_name(g)}: GNvpro's objective (half-MSE + alpha1/2 ||theta||^2 + alpha2/2 ||W||^2 with the "
        "ridge decoder W) against the work units spent, one line per seed, colour = basis; flat stretches are "
        f"rejected trust-region steps. Runs: {describe_runs(used)}"
    )
    draw = partial(draw_objective, runs, parts, short, big_t)
    add_figure(s, f"the {short} GNvpro work figure", f"fig-gnvpro-{g['dataset'].iloc[0]}", caption, draw)


def _add_work_figures(s: Section, runs: Runs, gn: pd.DataFrame) -> None:
    """Per data set: GNvpro's objective against work units, per basis, one panel per architecture (at T = 1)."""
    if gn.empty:
        s.notes.append("No GNvpro runs in the results store: `ctdnn-bench run table2` trains them beside ADAM's.")
        return
    big_t = curve_t(gn)
    at_t = gn[gn["T"] == big_t]
    for ds in datasets(at_t):
        _add_work_figure(s, runs, at_t[at_t["dataset"] == ds], big_t)


def section_table2(ctx: Context) -> Section:
    """Table 2 (test errors; train and validation folded away)."""
    s = Section("table2", "Table 2: errors by data set, T, architecture and basis", prose=Prose("table2"))
    table = ctx.table
    t = tb.table2(table)
    if t is None:
        s.notes.append("No Table-2 runs in the results store: run `ctdnn-bench run table2`.")
        return s
    dto = table[table["architecture"].isin(TABLE2_ARCHS) & table["label"].isin(DTO_LABELS)]
    s.intro.append(f"Runs: {describe_runs(dto)}")
    s.tables.append(t)
    extra = [tb.table2(table, "train_rel_err", "train"), tb.table2(table, "val_rel_err", "validation")]
    s.details.append(Details("Training and validation errors", [x for x in extra if x is not None]))
    _add_work_figures(s, ctx.inputs.runs, dto_runs(table, "gnvpro"))
    return s


def draw_dof(points: pd.DataFrame, at_t: pd.DataFrame, big_t: float) -> Any:
    """One panel per data set: test error against the number of weights."""
    names = datasets(at_t)
    fig, axes = fg.new_figure(1, len(names), width=10.5, height=3.4)
    for i, (ax, ds) in enumerate(zip(axes.flat, names, strict=True)):
        name = dataset_name(at_t[at_t["dataset"] == ds], short=True)
        last = i == len(names) - 1
        tf.plot_error_vs_dof(ax, points[points["dataset"] == ds], title=f"{name}, T = {big_t:g}", legend=last)
    return fig


def _dof_points(ok: pd.DataFrame) -> pd.DataFrame:
    """Per data set, label and architecture: median theta and mean / std test error (columns ``theta, mean, std``)."""
    return (
        ok.groupby(["dataset", "label", "architecture"])
        .agg(theta=("theta", "median"), mean=("test_rel_err", "mean"), std=("test_rel_err", "std"))
        .reset_index()
    )


def section_table3(ctx: Context) -> Section:
    """Table 3 and Figure 6 (error vs degrees of freedom)."""
    s = Section("table3", "Table 3: error vs degrees of freedom")
    tables = [tb.table3(ctx.table, opt) for opt in TABLE2_OPTIMIZERS]
    s.tables += [t for t in tables if t is not None]
    if not s.tables:
        s.notes.append("No DCR Hamiltonian T = 1 runs in the results store: run `ctdnn-bench run table3`.")
    dto = dto_runs(ctx.table, "adam")  # the figure: ADAM, as the paper's Table 3
    if dto.empty:
        return s
    big_t = curve_t(dto)
    at_t = dto[dto["T"] == big_t]
    ok = at_t[at_t["status"] == "ok"]
    if ok.empty:
        return s
    caption = (
        "Test error (mean ± std over seeds) against the number of weights theta (encoder + dynamics), per variant "
        f"and architecture; grey lines join Legendre d = 3..6. Runs: {describe_runs(at_t)}"
    )
    add_figure(s, "the error-vs-dof figure", "fig-dof", caption, partial(draw_dof, _dof_points(ok), at_t, big_t))
    return s
