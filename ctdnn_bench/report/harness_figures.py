"""Figure functions for the benchmark harnesses: pytest-benchmark times and NFE, work precision, asv history.

Like :mod:`ctdnn_bench.report.figures` (whose style, colours and log axes they use), each takes a matplotlib ``Axes``
and data, draws on it and returns it; no pyplot, no global state.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ctdnn_bench.report.figures import color, readable_log

#: One colour per benchmark phase.
PHASE_COLORS = {"forward": "#1f77b4", "backward": "#ff7f0e", "adjoint": "#2ca02c", "": "#7f7f7f"}


def plot_bench_times(ax: Axes, bench: pd.DataFrame, *, title: str = "") -> Axes:
    """Median time per benchmark (ms; bar = median, whisker = stddev), coloured by phase."""
    b = bench.sort_values(["group", "name"]).reset_index(drop=True)
    y = np.arange(len(b))
    ax.barh(
        y,
        b["median"] * 1e3,
        xerr=b["stddev"].fillna(0) * 1e3,
        color=[PHASE_COLORS.get(p, "#7f7f7f") for p in b["phase"]],
        error_kw={"lw": 0.8, "capsize": 2},
    )
    ax.set_yticks(y, [_short(n) for n in b["name"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    readable_log(ax, "x")
    ax.set_xlabel("median time per call (ms)")
    handles = [mpl.patches.Patch(color=c, label=p) for p, c in PHASE_COLORS.items() if p and p in set(b["phase"])]
    if handles:
        ax.legend(handles=handles, frameon=False, loc="lower right")
    ax.set_title(title)
    return ax


def _short(name: str, width: int = 48) -> str:
    name = name.removeprefix("test_")
    return name if len(name) <= width else name[: width - 1] + "…"


def plot_bench_nfe(ax: Axes, bench: pd.DataFrame, columns: Sequence[str], *, title: str = "") -> Axes:
    """Function evaluations per call recorded by the benchmarks (``extra_info`` columns), grouped bars."""
    b = bench.sort_values(["group", "name"]).reset_index(drop=True)
    y = np.arange(len(b))
    h = 0.8 / max(len(columns), 1)
    for i, col in enumerate(columns):
        ax.barh(y + i * h - 0.4 + h / 2, b[col].astype(float), height=h, label=col)
    ax.set_yticks(y, [_short(n) for n in b["name"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("function evaluations per call")
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(title)
    return ax


def plot_work_precision(ax: Axes, wp: pd.DataFrame, *, title: str = "") -> Axes:
    """Work-precision diagram: NFE vs error, one line per basis, one point per tolerance (geometric mean over seeds).

    Args:
        wp: columns ``basis, rtol, nfe, error`` (see :func:`ctdnn_bench.workprecision.work_precision`).
    """
    agg = wp.groupby(["basis", "rtol"]).agg(
        nfe=("nfe", "mean"), error=("error", lambda e: float(np.exp(np.log(e).mean())))
    )
    agg = agg.reset_index()
    for basis, g in agg.groupby("basis", sort=False):
        g = g.sort_values("rtol")
        key = {"monomial [0,T]": "monomial d=3", "monomial [0,1]": "monomial[0,1] d=3"}.get(str(basis), str(basis))
        ax.plot(g["error"], g["nfe"], "-o", ms=4, color=color(key), label=str(basis))
    ref = agg[agg["basis"] == agg["basis"].iloc[0]] if len(agg) else agg
    for _, r in ref.iterrows():
        ax.annotate(f"{r['rtol']:.0e}", (r["error"], r["nfe"]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("relative error at T (vs reference solve)")
    ax.set_ylabel("NFE per forward solve")
    readable_log(ax, "y")
    ax.legend(frameon=False)
    ax.set_title(title)
    return ax


def plot_asv_history(ax: Axes, history: pd.DataFrame, *, title: str = "", unit: str = "") -> Axes:
    """One asv benchmark over commits (ordered by commit date), one line per parameter combination (at most 8)."""
    commits = history.groupby("commit")["date"].min().sort_values()
    pos = {c: i for i, c in enumerate(commits.index)}
    for params, g in itertools.islice(history.groupby("params", sort=True), 8):
        g = g.assign(x=g["commit"].map(pos)).groupby("x")["value"].mean()
        ax.plot(g.index, g.values, "-o", ms=3, label=params or "(no parameters)")
    ax.set_xticks(range(len(pos)), [c[:8] for c in commits.index], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel(unit or "value")
    ax.set_title(title, fontsize=9)
    ax.legend(frameon=False, fontsize=6)
    return ax
