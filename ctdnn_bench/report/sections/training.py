"""The training-curve sections: error during training per basis (the paper's Figures 2-3) and across Legendre
degrees (Figures 4-5), one figure per data set with a panel per architecture, at one T per data set.

Curves are the epoch histories of the ADAM runs of Table 2; GNvpro's are drawn against work units in the Table-2
section (:mod:`ctdnn_bench.report.sections.dto`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import training_figures as tf
from ctdnn_bench.report.inputs import Runs
from ctdnn_bench.report.labels import dataset_name, describe_runs
from ctdnn_bench.report.sections.common import Context, curve_t, datasets, dto_runs, histories, parts_by_arch
from ctdnn_bench.report.view import Prose, Section, add_figure

NO_RUNS = "No Table-2 (ResNet / Hamiltonian) runs in the results store: run `ctdnn-bench run table2`."


@dataclass(frozen=True)
class CurveSpec:
    """One curve section: its id, title, the labels drawn, the history columns (None: train and validation) and
    the prefix of its figure ids."""

    id: str
    title: str
    labels: tuple[str, ...]
    columns: dict[str, str] | None
    prefix: str


CURVES = CurveSpec(
    "training-curves",
    "Training and validation error: monomial vs Legendre vs unconstrained",
    ("monomial d=3", "legendre d=3", "none"),
    None,
    "fig-curves",
)
DEGREES = CurveSpec(
    "degrees",
    "Validation error across Legendre degrees",
    ("legendre d=3", "legendre d=4", "legendre d=5", "legendre d=6"),
    {"val_rel_err": "-"},
    "fig-deg",
)


def draw_curves(runs: Runs, parts: dict[str, pd.DataFrame], spec: CurveSpec, short: str, big_t: float) -> Any:
    """One panel per architecture: error against epoch, per label."""
    fig, axes = fg.new_figure(1, len(parts), width=10.5, height=3.4)
    for ax, (arch, p) in zip(axes.flat, parts.items(), strict=True):
        hist = histories(runs, p, spec.labels)
        tf.plot_error_curves(ax, hist, x="epoch", columns=spec.columns, title=f"{short}: {arch}, T = {big_t:g}")
    return fig


def _add_dataset_figure(s: Section, spec: CurveSpec, runs: Runs, g: pd.DataFrame, big_t: float) -> None:
    """The figure of one data set's runs ``g`` (nothing when none of them has the spec's labels)."""
    parts = parts_by_arch(g)
    used = pd.concat([p[p["label"].isin(spec.labels)] for p in parts.values()])
    if used.empty:
        return
    name = dataset_name(used)
    what = "train (dashed) and validation (solid) error" if spec.columns is None else "validation error"
    caption = f"{name}: {what} vs epoch; line = mean over seeds, band = min-max over seeds. Runs: {describe_runs(used)}"
    draw = partial(draw_curves, runs, parts, spec, dataset_name(used, short=True), big_t)
    add_figure(s, f"the {name} curves", f"{spec.prefix}-{g['dataset'].iloc[0]}", caption, draw)


def curve_section(ctx: Context, spec: CurveSpec) -> Section:
    """The section of ``spec``: one figure per data set, at T = 1 where that data set ran it, else at its smallest T
    (the standard profile runs ELM and CDR at T = 5 and 10 only)."""
    s = Section(spec.id, spec.title, prose=Prose(spec.id))
    dto = dto_runs(ctx.table, "adam")  # epoch histories; GNvpro's iterations are drawn against work units (Table 2)
    if dto.empty:
        s.notes.append(NO_RUNS)
        return s
    for ds, big_t in curve_settings(dto):
        _add_dataset_figure(s, spec, ctx.inputs.runs, dto[(dto["dataset"] == ds) & (dto["T"] == big_t)], big_t)
    return s


def curve_settings(dto: pd.DataFrame) -> list[tuple[str, float]]:
    """``(data set, T)`` of each curve figure, data sets in the page's order: T = 1 where that data set ran it, else
    its smallest T (columns ``dataset``, ``T``)."""
    return [(ds, curve_t(dto[dto["dataset"] == ds])) for ds in datasets(dto)]


def section_curves(ctx: Context) -> Section:
    """Figure 3: error curves per basis (the paper's Figures 2-3)."""
    return curve_section(ctx, CURVES)


def section_degrees(ctx: Context) -> Section:
    """Figure 4: validation error across Legendre degrees (the paper's Figures 4-5)."""
    return curve_section(ctx, DEGREES)
