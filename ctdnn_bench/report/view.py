"""The page's view model: cells, tables, figures, collapsed details, sections and the one number formatter.

Builders fill these plain records; the templates render them. :func:`fmt` is the report's only way of writing a
number in a table or a sentence (the claim texts in :mod:`ctdnn_bench.report.claims` keep their own). A figure that
fails to draw leaves a note in its section instead (:func:`safe`), so the page always renders.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ctdnn_bench.report import figures as fg

log = logging.getLogger(__name__)


@dataclass
class Cell:
    """One table cell: text, an optional CSS class, an optional tooltip and a column span (group header rows)."""

    text: str
    cls: str = ""
    title: str = ""
    colspan: int = 1
    flag: str = ""  # a short warning shown small after the text (e.g. "1/2 diverged")


@dataclass
class HtmlTable:
    """A table for the template: ``header`` cells, ``rows`` of cells, a caption and notes below it."""

    id: str
    caption: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Figure:
    """An embedded figure: inline SVG markup, a caption saying what was run, a number set at assembly."""

    id: str
    svg: Markup
    caption: str
    number: int = 0


@dataclass
class Details:
    """A collapsed block of extra tables."""

    summary: str
    tables: list[HtmlTable]


@dataclass(frozen=True)
class Prose:
    """A section's introduction: the template ``templates/sections/<name>.txt`` and the numbers it needs."""

    name: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    """One section of the page; ``prose`` (rendered by :mod:`ctdnn_bench.report.page`) comes before ``intro``."""

    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[HtmlTable] = field(default_factory=list)
    details: list[Details] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prose: Prose | None = None


def fmt(x: Any, digits: int = 3, *, signed: bool = False, general: bool = False) -> str:
    """A number as the report writes it.

    Default: ``digits`` significant digits, thousands separators between 100 and 1e7, ``n/a`` for None/NaN, strings
    unchanged. ``signed``: a leading ``+`` on positive values (changes). ``general``: Python's ``{:g}`` (settings such
    as learning rates and tolerances, written as configured).
    """
    if general:
        return f"{x:g}" if isinstance(x, int | float) else str(x)
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    xf = float(x)
    if math.isnan(xf):
        return "n/a"
    text = "inf" if math.isinf(xf) else f"{xf:,.0f}" if 100 <= abs(xf) < 1e7 else f"{xf:.{digits}g}"
    return f"+{text}" if signed and xf > 0 else text


def svg_figure(fig_id: str, caption: str, draw: Callable[[], Any]) -> Figure:
    """Draw a figure inside the report style and embed it as inline SVG."""
    with fg.figure_style():
        fig = draw()
        return Figure(fig_id, Markup(fg.to_svg(fig, fig_id)), caption)


def safe(section: Section, what: str, build: Callable[[], None]) -> None:
    """Run a builder; on failure leave a note in the section instead of breaking the page."""
    try:
        build()
    except Exception as exc:  # the page must render whatever the data look like
        log.exception("report: %s failed", what)
        section.notes.append(f"{what} could not be drawn ({type(exc).__name__}: {exc}).")


def add_figure(section: Section, what: str, fig_id: str, caption: str, draw: Callable[[], Any]) -> None:
    """Draw and append a figure to ``section``; a failure leaves a note instead (see :func:`safe`)."""
    safe(section, what, lambda: section.figures.append(svg_figure(fig_id, caption, draw)))
