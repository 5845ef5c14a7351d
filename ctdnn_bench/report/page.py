"""The page: the report's one jinja2 environment and :func:`build_page`, which returns the HTML string.

:func:`build_page` runs the section builders of :data:`ctdnn_bench.report.sections.SECTIONS` in order, renders each
section's introduction from its template, numbers the figures and renders ``index.html``. Nothing here writes files
(only :func:`ctdnn_bench.report.write_report` does).
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import jinja2
from markupsafe import Markup

from ctdnn_bench.report.inputs import Inputs
from ctdnn_bench.report.sections import SECTIONS, make_context, summary
from ctdnn_bench.report.view import Prose, Section


@functools.cache
def environment() -> jinja2.Environment:
    """The report's one jinja2 environment: templates from the package, autoescaping for HTML (the section prose,
    ``*.txt``, is plain text that the page escapes where it is shown)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ctdnn_bench.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_prose(prose: Prose) -> list[str]:
    """The paragraphs of ``templates/sections/<name>.txt`` (blank lines between paragraphs; lines joined by a
    space)."""
    text = environment().get_template(f"sections/{prose.name}.txt").render(**prose.values)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return [" ".join(line.strip() for line in p.strip().splitlines()) for p in paragraphs]


def with_prose(section: Section) -> Section:
    """The section with its rendered prose before its other introduction paragraphs."""
    if section.prose is not None:
        section.intro[:0] = render_prose(section.prose)
    return section


def number_figures(sections: list[Section]) -> None:
    """Number the figures 1, 2, ... in page order."""
    figures = [f for s in sections for f in s.figures]
    for number, f in enumerate(figures, start=1):
        f.number = number


def build_page(inputs: Inputs, *, generated: str | None = None, env: dict[str, Any] | None = None) -> str:
    """The whole report as one HTML string (nothing is written).

    Args:
        inputs: see :func:`load_inputs`.
        generated: the date line (default: now, UTC); the snapshot test fixes it.
        env: the rendering environment (default :func:`ctdnn_bench.environment.environment`).
    """
    from ctdnn_bench.environment import environment as current_env

    start = time.perf_counter()
    generated = generated or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    ctx = make_context(inputs, generated, current_env() if env is None else env)
    sections = [with_prose(build(ctx)) for build in SECTIONS.values()]
    number_figures(sections)
    css = environment().loader.get_source(environment(), "style.css")[0]  # type: ignore[union-attr]
    return (
        environment()
        .get_template("index.html")
        .render(
            **summary(ctx),
            css=Markup(css),
            env=ctx.env,
            generated=generated,
            render_seconds=f"{time.perf_counter() - start:.1f}",
            sections=sections,
        )
    )
