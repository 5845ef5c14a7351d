"""The closing sections, on where numbers come from: the authors' known numbers beside ours, and the environment the
report and the runs were made in (``environment`` field of each run record).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ctdnn_bench.report.reference import reference_table
from ctdnn_bench.report.sections.common import Context
from ctdnn_bench.report.view import Cell, HtmlTable, Prose, Section


def section_reference(ctx: Context) -> Section:
    """The authors' numbers beside ours."""
    s = Section("reference", "The authors' numbers", prose=Prose("reference"))
    s.tables.append(reference_table(ctx.table))
    return s


def _report_rows(ctx: Context) -> list[list[Cell]]:
    rows = [[Cell(k), Cell(str(v))] for k, v in ctx.env.items()]
    rows += [
        [Cell("profile filter"), Cell(ctx.inputs.profile or "none (all records)")],
        [Cell("results directory"), Cell(str(ctx.inputs.results_dir))],
        [Cell("generated (UTC)"), Cell(ctx.generated)],
    ]
    return rows


def _runs_rows(recs: list[dict[str, Any]]) -> list[list[Cell]]:
    """Per environment field, its values with the number of runs; the span of start times; the total wall time."""
    envs = pd.DataFrame([r.get("environment") or {} for r in recs])
    rows = [
        [Cell(col), Cell(", ".join(f"{v} ({n})" for v, n in envs[col].astype(str).value_counts().items()))]
        for col in envs.columns
    ]
    starts = sorted(str(r.get("started", "")) for r in recs if r.get("started"))
    if starts:
        rows.append([Cell("runs started"), Cell(f"{starts[0]} to {starts[-1]}")])
    wall = sum(float(r.get("wall_time") or 0.0) for r in recs)
    rows.append([Cell("total wall time of the runs"), Cell(f"{wall / 60:.1f} min")])
    return rows


def section_environment(ctx: Context) -> Section:
    """Versions, machine, profile and date; and the environments recorded in the runs."""
    s = Section("environment", "Environment")
    s.tables.append(HtmlTable("env-report", "This report was rendered with", ["item", "value"], _report_rows(ctx)))
    recs = list(ctx.inputs.runs.records.values())
    if recs:
        caption = "The runs were made with (value (number of runs))"
        s.tables.append(HtmlTable("env-runs", caption, ["item", "value"], _runs_rows(recs)))
    return s
