"""Figure functions: each takes a matplotlib ``Axes`` (and data), draws on it and returns it.

No pyplot and no global state: :func:`new_figure` makes a :class:`matplotlib.figure.Figure` (Agg canvas) and
:func:`to_svg` turns it into an SVG string for inline embedding, inside :func:`figure_style` (the report's fonts
and seaborn style, set with context managers).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: One colour per variant label, the same in every figure.
COLORS: dict[str, str] = {
    "monomial d=3": "#d62728",
    "monomial[raw] d=3": "#8c1515",
    "monomial[0,1] d=3": "#ff7f0e",
    "legendre d=3": "#1f77b4",
    "legendre d=4": "#4a98c9",
    "legendre d=5": "#2166ac",
    "legendre d=6": "#08306b",
    "none": "#7f7f7f",
    "static": "#2ca02c",
    "monomial": "#d62728",
    "legendre": "#1f77b4",
    "chebyshev": "#9467bd",
    "fourier": "#8c564b",
    "piecewise_linear": "#e377c2",
    "piecewise_constant": "#7f7f7f",
}
PHASE_COLORS = {"forward": "#1f77b4", "backward": "#ff7f0e", "adjoint": "#2ca02c", "": "#7f7f7f"}
_FALLBACK = sns.color_palette("tab10").as_hex()

RC: dict[str, Any] = {
    "svg.fonttype": "path",  # glyphs as paths: the page looks the same without the fonts installed
    "svg.hashsalt": "ctdnn_bench",  # reproducible ids
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.titleweight": "bold",
}


def color(label: str) -> str:
    """The colour of a variant label (unknown labels: a tab10 colour chosen by a stable hash of the label)."""
    return COLORS.get(label) or _FALLBACK[zlib.crc32(label.encode()) % len(_FALLBACK)]


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """The report's matplotlib/seaborn style, active only inside the block."""
    with sns.axes_style("whitegrid"), mpl.rc_context(cast(Any, RC)):  # matplotlib types keys as Literals
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 9.0, height: float = 3.0) -> tuple[Figure, Any]:
    """A figure of ``nrows x ncols`` axes (``height`` per row, inches), constrained layout, no pyplot."""
    fig = Figure(figsize=(width, height * nrows), layout="constrained")
    FigureCanvasAgg(fig)  # Agg measures the text for the layout; no pyplot, no GUI backend
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def to_svg(fig: Figure, prefix: str) -> str:
    """The figure as an ``<svg>`` element whose ids all start with ``prefix`` (unique within a page)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # RDF boilerplate with http:// URIs
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return svg


def _plain(v: float, _pos: int | None = None) -> str:
    if v == 0:
        return "0"
    if 1e3 <= abs(v) < 1e5:
        return f"{v:,.0f}"
    if 1e-3 <= abs(v) < 1e3:
        return f"{v:.3g}"
    return f"{v:.0e}"


def readable_log(ax: Axes, axis: str = "y") -> Axes:
    """Plain tick labels (``0.3``, ``2``, ``1e+04``) on a log axis; within about a decade, label 2x and 5x ticks too
    (matplotlib's defaults would show ``3 x 10^-1`` or no label at all)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    plain = mpl.ticker.FuncFormatter(_plain)
    target.set_major_formatter(plain)
    if lo > 0 and hi / lo < 30:
        target.set_minor_locator(mpl.ticker.LogLocator(subs=(2.0, 3.0, 5.0)))
        target.set_minor_formatter(plain)
    else:
        target.set_minor_formatter(mpl.ticker.NullFormatter())
    return ax


def _log_if_wide(ax: Axes, values: Sequence[float] | np.ndarray | pd.Series, axis: str = "y") -> None:
    """Log scale with readable labels if the positive values span more than a factor 3, else a linear axis."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) and v.max() / v.min() > 3:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        readable_log(ax, axis)
    else:  # no "1e-5 + 1.34e-1" offset labels on a narrow linear axis
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(mpl.ticker.ScalarFormatter(useOffset=False))


# -------------------------------------------------------------------------------------------------- bases


def plot_basis(
    ax: Axes, name: str, t: Sequence[float], values: Sequence[Sequence[float]], *, legend: bool = True
) -> Axes:
    """The functions of basis ``name`` sampled at ``t`` (``values[i][k] = p_k(t_i)``; paper Figure 1); darker = higher
    index k. The values are stored by ``ctdnn-bench run conditioning``."""
    v = np.asarray(values, dtype=float)
    n_functions = v.shape[1]
    degree = n_functions - 1
    shades = sns.light_palette(color(name), n_colors=n_functions + 2)[2:]
    for k in range(n_functions):
        ax.plot(t, v[:, k], color=shades[k], lw=1.6, label=f"$p_{k}$")
    ax.set_title(f"{name} (d={degree})")
    ax.set_xlabel("t")
    ax.axhline(0, color="0.6", lw=0.6)
    if legend:
        ax.legend(loc="best", ncols=2, frameon=True, framealpha=0.85, handlelength=1.2)
    return ax


def plot_conditioning(ax: Axes, cond: pd.DataFrame, column: str = "cond_matrix", *, title: str = "") -> Axes:
    """Condition number vs degree, one line per (basis, time domain, T); log scale.

    Args:
        cond: columns ``basis, domain, degree, T`` and ``column``.
        column: ``cond_matrix`` or ``cond_gram``.
    """
    styles = {1.0: "-", 5.0: "--", 10.0: ":"}
    for (basis, domain, big_t), g in cond.groupby(["basis", "domain", "T"], sort=False):
        if domain != "raw" and big_t != cond["T"].min():
            continue  # independent of T: one line is enough
        g = g.sort_values("degree")
        label = f"{basis} [0,T], T={big_t:g}" if domain == "raw" else f"{basis} ({domain})"
        hue = color("monomial[raw] d=3" if domain == "raw" else ("monomial[0,1] d=3" if basis == "monomial" else basis))
        ax.plot(
            g["degree"],
            g[column],
            styles.get(big_t, "-") if domain == "raw" else "-",
            marker="o",
            ms=3,
            color=hue,
            label=label,
        )
    ax.set_yscale("log")
    ax.set_xlabel("degree d")
    ax.set_ylabel("condition number")
    ax.set_title(title)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    return ax


# ------------------------------------------------------------------------------------------ training curves


def _mean_band(frames: Sequence[pd.DataFrame], x: str, y: str) -> pd.DataFrame:
    stacked = pd.concat([f[[x, y]] for f in frames if x in f and y in f and len(f)], ignore_index=True)
    if stacked.empty:
        return stacked
    return stacked.groupby(x)[y].agg(["mean", "min", "max", "count"]).reset_index()


def plot_error_curves(
    ax: Axes,
    histories: Mapping[str, Sequence[pd.DataFrame]],
    *,
    x: str = "epoch",
    columns: Mapping[str, str] | None = None,
    title: str = "",
    logy: bool = True,
) -> Axes:
    """Error vs epoch per variant: mean over seeds (line) and min-max band.

    Args:
        histories: variant label -> one history DataFrame per seed.
        x: the x column (``epoch`` or ``iteration``).
        columns: y column -> line style; default train error dashed, validation error solid.
    """
    columns = columns or {"train_rel_err": "--", "val_rel_err": "-"}
    seen: list[float] = []
    for label, frames in histories.items():
        for col, style in columns.items():
            band = _mean_band(frames, x, col)
            if band.empty:
                continue
            ax.plot(band[x], band["mean"], style, color=color(label), lw=1.4, marker="o" if len(band) < 3 else None)
            seen += [*band["min"], *band["max"]]
            if band["count"].max() > 1:
                ax.fill_between(band[x], band["min"], band["max"], color=color(label), alpha=0.15, lw=0)
    handles = [mpl.lines.Line2D([], [], color=color(lab), lw=2, label=lab) for lab in histories]
    handles += [mpl.lines.Line2D([], [], color="0.3", ls=s, label=_nice(c)) for c, s in columns.items()]
    ax.legend(handles=handles, frameon=True, framealpha=0.85, ncols=1)
    if logy:
        _log_if_wide(ax, seen)
    ax.set_xlabel(x)
    ax.set_ylabel("relative error")
    ax.set_title(title)
    return ax


def _nice(column: str) -> str:
    return {"train_rel_err": "train", "val_rel_err": "validation", "train_loss": "train loss"}.get(column, column)


def plot_error_vs_nfe(
    ax: Axes, histories: Mapping[str, Sequence[pd.DataFrame]], *, column: str = "val_rel_err", title: str = ""
) -> Axes:
    """Error vs cumulative training NFE (forward + backward), one thin line per seed (paper Figure 6)."""
    seen: list[float] = []
    for label, frames in histories.items():
        for i, f in enumerate(frames):
            if column not in f or "cum_nfe_forward" not in f or f.empty:
                continue
            nfe = f["cum_nfe_forward"] + f.get("cum_nfe_backward", 0)
            ax.plot(
                nfe,
                f[column],
                "-",
                marker="o",
                ms=2.5 if len(f) > 3 else 5,
                color=color(label),
                lw=1.2,
                alpha=0.85,
                label=label if i == 0 else None,
            )
            seen += list(f[column])
    _log_if_wide(ax, seen)
    ax.set_xlabel("cumulative training NFE (forward + backward)")
    ax.set_ylabel(f"{_nice(column)} relative error")
    ax.xaxis.set_major_formatter(mpl.ticker.EngFormatter(sep=""))
    ax.legend(frameon=True, framealpha=0.85)
    ax.set_title(title)
    return ax


def plot_objective_vs_work(
    ax: Axes, histories: Mapping[str, Sequence[pd.DataFrame]], *, column: str = "objective", title: str = ""
) -> Axes:
    """GNvpro: objective against work units spent, one thin step line per seed, colour = variant (basis).

    Args:
        histories: variant label -> one GNvpro history DataFrame per seed (columns ``work_units`` and ``column``;
            rows where theta did not move repeat the objective, hence the steps).
        column: the y column (``objective``: loss + regularization with the ridge decoder; or ``train_rel_err``).
    """
    seen: list[float] = []
    for label, frames in histories.items():
        for i, f in enumerate(frames):
            if column not in f or "work_units" not in f or f.empty:
                continue
            ax.plot(
                f["work_units"],
                f[column],
                drawstyle="steps-post",
                color=color(label),
                lw=1.2,
                alpha=0.85,
                label=label if i == 0 else None,
            )
            seen += list(f[column])
    _log_if_wide(ax, seen)
    ax.set_xlabel("work units (objective + gradient 2, Gauss-Newton product 2, trial 1)")
    ax.set_ylabel(_nice(column) if column != "objective" else "objective (loss + regularization)")
    ax.legend(frameon=True, framealpha=0.85)
    ax.set_title(title)
    return ax


def plot_nfe_bars(ax: Axes, nfe: pd.DataFrame, *, title: str = "") -> Axes:
    """Stacked horizontal bars of mean cumulative forward and backward training NFE per variant.

    Args:
        nfe: index = variant label (the tick label); columns ``forward`` and ``backward``.
    """
    y = np.arange(len(nfe))
    ax.barh(y, nfe["forward"], color="#1f77b4", label="forward")
    ax.barh(y, nfe["backward"], left=nfe["forward"], color="#ff7f0e", label="backward (adjoint)")
    ax.set_yticks(y, [str(i) for i in nfe.index])
    ax.invert_yaxis()
    ax.set_xlabel("mean cumulative training NFE")
    ax.xaxis.set_major_formatter(mpl.ticker.EngFormatter(sep=""))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
    ax.set_title(title)
    return ax


def plot_error_vs_dof(ax: Axes, points: pd.DataFrame, *, title: str = "", legend: bool = True) -> Axes:
    """Test error (mean +- std over seeds) vs number of weights theta; colour = variant, marker = architecture.

    Args:
        points: columns ``label, architecture, theta, mean, std``.
    """
    markers = {"resnet": "o", "hamiltonian": "s"}
    for _, r in points.iterrows():
        ax.errorbar(
            r["theta"],
            r["mean"],
            yerr=0 if pd.isna(r["std"]) else r["std"],
            fmt=markers.get(r["architecture"], "^"),
            color=color(r["label"]),
            ms=5,
            capsize=2,
        )
    for _arch, g in points.groupby("architecture"):
        g = g[g["label"].str.startswith("legendre")].sort_values("theta")
        ax.plot(g["theta"], g["mean"], "-", color="0.6", lw=0.8, zorder=0)
    if legend:
        labels = list(dict.fromkeys(points["label"]))
        handles = [mpl.lines.Line2D([], [], color=color(lab), marker="o", ls="", label=lab) for lab in labels]
        handles += [mpl.lines.Line2D([], [], color="0.3", marker=m, ls="", label=a) for a, m in markers.items()]
        ax.legend(handles=handles, frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set_xscale("log")
    readable_log(ax, "x")
    _log_if_wide(ax, points["mean"])
    ax.set_xlabel("weights theta (encoder + dynamics)")
    ax.set_ylabel("test relative error")
    ax.set_title(title)
    return ax


# ----------------------------------------------------------------------------------------------- harnesses


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
        key = {"monomial [0,T]": "monomial[raw] d=3", "monomial [0,1]": "monomial[0,1] d=3"}.get(str(basis), str(basis))
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
