"""Table cells that summarize a group of runs: a statistic over seeds with its counts of failed runs.

``mean [95% CI]`` uses the bootstrap of :func:`ctdnn_bench.report.paired.mean_ci` (``mean ± std`` below
:data:`~ctdnn_bench.report.paired.MIN_CI_N` values). Runs are rows of the tidy run table (columns ``status``,
``stalled_ref`` or ``stalled`` and the measured column).
"""

from __future__ import annotations

import math

import pandas as pd

from ctdnn_bench.report.paired import mean_ci
from ctdnn_bench.report.view import Cell, fmt


def mean_ci_text(values: pd.Series, digits: int = 3) -> str:
    """``mean [95% CI]`` (bootstrap, :func:`ctdnn_bench.report.paired.mean_ci`) when there are enough values for a
    CI, else ``mean ± std`` (or the mean alone for one value)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    text = fmt(v.mean(), digits)
    eff = mean_ci(v.to_numpy(dtype=float))
    if not math.isnan(eff.low):
        return f"{text} [{fmt(eff.low, 2)}, {fmt(eff.high, 2)}]"
    if len(v) > 1 and v.std(ddof=1) > 0:
        text += f" ± {fmt(v.std(ddof=1), 2)}"
    return text


def n_stalled(runs: pd.DataFrame) -> int:
    """Finished runs that stalled (against a reference where recorded, not the run's epoch 1)."""
    stall = "stalled_ref" if "stalled_ref" in runs else "stalled"
    if stall not in runs:
        return 0
    return int(runs.loc[runs["status"] == "ok", stall].fillna(False).astype(bool).sum())


def stat_cell(runs: pd.DataFrame, column: str, digits: int = 3, *, finished_only: bool = True) -> Cell:
    """Mean and 95% CI (``mean ± std`` with fewer than 5 values) of ``column`` over the finished runs (all runs if
    not ``finished_only``), with n and the failure counts as a flag."""
    if runs.empty:
        return Cell("", "empty")
    ok = runs[runs["status"] == "ok"] if finished_only else runs
    values = ok[column].dropna() if column in ok.columns else pd.Series(dtype=float)
    n, n_div = len(runs), int((runs["status"] != "ok").sum())
    n_stall = n_stalled(runs)
    text = ("diverged" if n_div else "n/a") if values.empty else mean_ci_text(values, digits)
    flags = [f"n={len(values)}"] if len(values) else []
    if n_div:
        flags.append(f"{n_div}/{n} diverged")
    if n_stall:
        flags.append(f"{n_stall}/{n} stalled")
    title = f"{n - n_div} of {n} seed(s) finished" + (f"; {', '.join(flags[1:])}" if len(flags) > 1 else "")
    return Cell(text, "bad" if n_div or n_stall else "", title, flag=", ".join(flags))
