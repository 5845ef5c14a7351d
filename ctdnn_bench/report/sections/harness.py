"""The benchmark-harness sections: pytest-benchmark times and NFE per pass with the work-precision diagram, and the
asv history over commits.

They read ``results/pytest-benchmark/``, ``results/workprecision.json`` and ``results/asv/``
(:mod:`ctdnn_bench.report.bench_inputs`), not the run records.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import harness_figures as hf
from ctdnn_bench.report import tables as tb
from ctdnn_bench.report.bench_inputs import latest_benchmarks
from ctdnn_bench.report.inputs import WorkPrecision
from ctdnn_bench.report.sections.common import Context
from ctdnn_bench.report.view import Details, Prose, Section, add_figure, safe, svg_figure

NO_BENCH = (
    "No pytest-benchmark results under results/pytest-benchmark: run the benchmark tests with "
    "--benchmark-json results/pytest-benchmark/<name>.json (or --benchmark-autosave with "
    "--benchmark-storage file://results/pytest-benchmark)."
)
BENCH_COLUMNS = ("group", "name", "basis", "degree", "phase", "median", "stddev", "rounds")


def draw_times(latest: pd.DataFrame) -> Any:
    """Median time per call of each benchmark."""
    fig, axes = fg.new_figure(1, 1, width=10.5, height=max(2.2, 0.2 * len(latest) + 0.8))
    hf.plot_bench_times(axes[0, 0], latest, title="median time per call")
    return fig


def draw_nfe(latest: pd.DataFrame, nfe_cols: list[str]) -> Any:
    """Function evaluations per call of the benchmarks that record them."""
    sub = latest.dropna(subset=nfe_cols, how="all")
    fig, axes = fg.new_figure(1, 1, width=10.5, height=max(2.2, 0.2 * len(sub) + 0.8))
    hf.plot_bench_nfe(axes[0, 0], sub, nfe_cols, title="function evaluations per call")
    return fig


def _bench_details(latest: pd.DataFrame, nfe_cols: list[str]) -> Details:
    """Every benchmark's numbers (times in ms)."""
    view = latest[[c for c in (*BENCH_COLUMNS, *nfe_cols) if c in latest.columns]].copy()
    view["median"] = view["median"] * 1e3
    view["stddev"] = view["stddev"] * 1e3
    view = view.rename(columns={"median": "median (ms)", "stddev": "stddev (ms)"})
    return Details("All benchmark numbers", [tb.frame_table(view, "bench-table", "pytest-benchmark")])


def _add_bench(s: Section, bench: pd.DataFrame) -> None:
    """The time and NFE figures of the latest result of each benchmark, and all numbers folded away."""
    latest = latest_benchmarks(bench)
    nfe_cols = [c for c in latest.columns if c.startswith("nfe") and latest[c].notna().any()]
    files = sorted(latest["file"].unique())
    commits = sorted(c for c in latest["commit"].unique() if c)
    when = f"from {', '.join(files)}" + (f" (commit {', '.join(commits)})" if commits else "")
    caption = (
        f"Median time per call of each benchmark (whisker: standard deviation), {len(latest)} "
        f"benchmarks, latest result of each, {when}."
    )
    add_figure(s, "the benchmark times", "fig-bench-time", caption, partial(draw_times, latest))
    if nfe_cols:
        caption = (
            f"Function evaluations per call recorded by the benchmarks ({', '.join(nfe_cols)}; "
            f"deterministic given the seeds), {when}."
        )
        add_figure(s, "the benchmark NFE", "fig-bench-nfe", caption, partial(draw_nfe, latest, nfe_cols))
    s.details.append(_bench_details(latest, nfe_cols))


def draw_work_precision(rows: pd.DataFrame) -> Any:
    """Error at T against NFE, per basis, points labelled with rtol."""
    fig, axes = fg.new_figure(1, 1, width=6.5, height=4.0)
    hf.plot_work_precision(axes[0, 0], rows, title="work-precision, dopri5")
    return fig


def _work_precision_caption(setup: dict[str, Any]) -> str:
    return (
        f"Work-precision diagram (results/workprecision.json): a seeded field f(t, u) = tanh(K(t) u + b(t)) (width "
        f"{setup['width']}, degree {setup['degree']}, all coefficients random, seed(s) "
        f"{', '.join(map(str, setup['seeds']))}) on [0, {setup['final_time']:g}], batch of {setup['batch']} "
        f"states, dopri5 at rtol {', '.join(f'{r:.0e}' for r in setup['rtols'])} (atol = rtol x "
        f"{setup['atol_factor']:g}); error at T against a dopri8 reference (rtol 1e-10). Lower-left is better; "
        "points are labelled with rtol."
    )


def _add_work_precision(s: Section, wp: WorkPrecision) -> None:
    s.notes += wp.notes
    if wp.notes:
        return
    if wp.rows.empty:
        s.notes.append("The work-precision solves all failed.")
        return
    caption = _work_precision_caption(wp.setup)
    s.figures.append(svg_figure("fig-work-precision", caption, partial(draw_work_precision, wp.rows)))


def section_harness(ctx: Context) -> Section:
    """Figure 7: pytest-benchmark times and NFE, and the work-precision diagram."""
    s = Section("harness", "Benchmark harness: time and function evaluations per pass", prose=Prose("harness"))
    if ctx.inputs.bench.empty:
        s.notes.append(NO_BENCH)
    else:
        _add_bench(s, ctx.inputs.bench)
    safe(s, "the work-precision diagram", partial(_add_work_precision, s, ctx.inputs.workprecision))
    return s


def draw_asv(asv: pd.DataFrame, ranked: list[str]) -> Any:
    """One panel per benchmark: its value per commit."""
    rows = math.ceil(len(ranked) / 2)
    fig, axes = fg.new_figure(rows, 2, width=10.5, height=2.8)
    for ax, bench in zip(axes.flat, ranked, strict=False):
        h = asv[asv["benchmark"] == bench]
        hf.plot_asv_history(ax, h, title=bench, unit=str(h["unit"].iloc[0]))
    for ax in list(axes.flat)[len(ranked) :]:
        ax.set_visible(False)
    return fig


def section_asv(ctx: Context) -> Section:
    """Figure 8: history of the key asv benchmarks over commits."""
    s = Section("asv-history", "asv: benchmark history over commits")
    asv = ctx.inputs.asv
    if asv.empty:
        s.notes.append("No asv results under results/asv: run `asv run` (results_dir results/asv) to track history.")
        return s
    n_commits = asv.groupby("benchmark")["commit"].nunique()
    multi = n_commits[n_commits >= 2]
    s.intro.append(
        f"{asv['benchmark'].nunique()} benchmarks, {asv['commit'].nunique()} commit(s), machine(s) "
        f"{', '.join(sorted(asv['machine'].unique()))}."
    )
    if multi.empty:
        s.notes.append(
            "asv results exist for one commit only: the history appears once results for several commits exist "
            "(`asv run` on more commits, or `asv continuous`)."
        )
        return s
    # deterministic tracks (NFE, condition numbers) first, then timings; the most-measured first
    ranked = sorted(multi.index, key=lambda b: (".track_" not in f".{b.rsplit('.', 1)[-1]}", -multi[b], b))[:6]
    caption = (
        f"Value per commit (ordered by commit date) of the {len(ranked)} most-tracked benchmarks with results for "
        "two or more commits; deterministic track_* benchmarks first."
    )
    add_figure(s, "the asv history", "fig-asv", caption, partial(draw_asv, asv, ranked))
    return s
