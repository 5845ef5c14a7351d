"""Figure functions: each takes a matplotlib ``Axes`` (and data), draws on it and returns it. Here: the report's
style, colours, SVG embedding and log axes, and the basis and conditioning figures; training figures are in
:mod:`ctdnn_bench.report.training_figures`, the harnesses' in :mod:`ctdnn_bench.report.harness_figures`.

No pyplot and no global state: :func:`new_figure` makes a :class:`matplotlib.figure.Figure` (Agg canvas) and
:func:`to_svg` turns it into an SVG string for inline embedding, inside :func:`figure_style` (the report's fonts
and seaborn style, set with context managers).
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from collections.abc import Iterator, Sequence
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


def log_if_wide(ax: Axes, values: Sequence[float] | np.ndarray | pd.Series, axis: str = "y") -> None:
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
        hue = color("monomial d=3" if domain == "raw" else ("monomial[0,1] d=3" if basis == "monomial" else basis))
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
