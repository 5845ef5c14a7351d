"""The sections on the time bases themselves: their shape (the paper's Figure 1) and their conditioning (Figure 2).

Both read ``results/conditioning.json`` (:class:`~ctdnn_bench.report.inputs.Conditioning`); no training run is needed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import tables as tb
from ctdnn_bench.report.sections.common import Context
from ctdnn_bench.report.view import Prose, Section, add_figure

OTHER_BASES = ("monomial", "legendre", "chebyshev", "fourier", "piecewise_linear", "piecewise_constant")
BASES_CAPTION = (
    "The six time bases of ctdnn_bench at degree 3 (four functions p_0..p_3 each, darker = higher "
    "index) on [0, 1], evaluated directly (no training). Monomial and Legendre are the paper's "
    "Figure 1; piecewise_constant with one cell per step is the paper's unconstrained model."
)
CONDITIONING_CAPTION = (
    "2-norm condition numbers vs degree, computed by ctdnn_bench.conditioning (exact, "
    "no training). Monomial on [0, T] is drawn for T = 1 (solid), 5 (dashed) and 10 (dotted); the "
    "other bases do not depend on T. Values beyond about 1e16 are limited by float64 round-off."
)
NO_CONDITIONING = "No conditioning results under results/: run `ctdnn-bench run conditioning`."


def draw_bases(t: Any, values: dict[str, Any]) -> Any:
    """The six bases, one panel each."""
    fig, axes = fg.new_figure(2, 3, width=10.5, height=2.8)
    for i, (ax, name) in enumerate(zip(axes.flat, OTHER_BASES, strict=True)):
        fg.plot_basis(ax, name, t, values[name], legend=i == 0)
    return fig


def draw_conditioning(wide: pd.DataFrame) -> Any:
    """Condition numbers of the basis matrix and of the Gram matrix against degree."""
    fig, axes = fg.new_figure(1, 2, width=10.5, height=3.8)
    fg.plot_conditioning(axes[0, 0], wide, "cond_matrix", title="basis matrix A (12 grid points)")
    fg.plot_conditioning(axes[0, 1], wide, "cond_gram", title="Gram matrix on [0, T]")
    axes[0, 1].legend(frameon=False, fontsize=7, loc="upper left")
    return fig


def section_bases(ctx: Context) -> Section:
    """Figure 1: the basis functions on [0, 1]."""
    s = Section("bases", "Time bases", prose=Prose("bases"))
    bases = ctx.inputs.conditioning.bases
    if not bases:
        s.notes.append("No basis values in results/conditioning.json: run `ctdnn-bench run conditioning`.")
        return s
    draw = partial(draw_bases, bases["t"], bases["values"])
    add_figure(s, "the basis figure", "fig-bases", BASES_CAPTION, draw)
    return s


def section_conditioning(ctx: Context) -> Section:
    """Figure 2 and the conditioning table."""
    s = Section("conditioning", "Conditioning of the bases", prose=Prose("conditioning"))
    cond = ctx.inputs.conditioning
    if not cond.curves.empty:
        draw = partial(draw_conditioning, cond.curves)
        add_figure(s, "the conditioning figure", "fig-conditioning", CONDITIONING_CAPTION, draw)
    t = tb.conditioning_html(cond.table)
    if t is None:
        s.notes.append(NO_CONDITIONING)
    else:
        t.caption += " (from results/conditioning.json)"
        s.tables.append(t)
    return s
