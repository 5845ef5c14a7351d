"""The page's view model: sections, figures, collapsed details; and drawing a figure into a section safely.

Tables are :class:`ctdnn_bench.report.tables.HtmlTable`; a section whose builder fails gets a note instead, so the
page always renders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import tables as tb

log = logging.getLogger(__name__)


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
    tables: list[tb.HtmlTable]


@dataclass
class Section:
    """One section of the page."""

    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[tb.HtmlTable] = field(default_factory=list)
    details: list[Details] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
