"""The page's sections, one short builder each, in page order (:data:`SECTIONS`).

A builder takes the page's :class:`~ctdnn_bench.report.sections.common.Context` and returns a
:class:`~ctdnn_bench.report.view.Section`; its introduction is a template under ``templates/sections/``
(:class:`~ctdnn_bench.report.view.Prose`). Builders read stored results only (see :mod:`ctdnn_bench.report.inputs`);
a figure that fails to draw leaves a note (:func:`ctdnn_bench.report.view.safe`).
"""

from __future__ import annotations

from collections.abc import Callable

from ctdnn_bench.report.sections.bases import section_bases, section_conditioning
from ctdnn_bench.report.sections.common import Context, make_context
from ctdnn_bench.report.sections.dto import section_table2, section_table3
from ctdnn_bench.report.sections.harness import section_asv, section_harness
from ctdnn_bench.report.sections.node import section_node, section_table4
from ctdnn_bench.report.sections.provenance import section_environment, section_reference
from ctdnn_bench.report.sections.summary import run_counts, summary
from ctdnn_bench.report.sections.training import section_curves, section_degrees
from ctdnn_bench.report.sections.verdicts import section_attribution, section_claims, section_factors
from ctdnn_bench.report.view import Section

#: Section id -> builder, in page order.
SECTIONS: dict[str, Callable[[Context], Section]] = {
    "claims": section_claims,
    "attribution": section_attribution,
    "bases": section_bases,
    "conditioning": section_conditioning,
    "training-curves": section_curves,
    "degrees": section_degrees,
    "neural-ode": section_node,
    "table4": section_table4,
    "table2": section_table2,
    "table3": section_table3,
    "harness": section_harness,
    "asv-history": section_asv,
    "reference": section_reference,
    "environment": section_environment,
}

__all__ = ["SECTIONS", "Context", "make_context", "run_counts", "section_factors", "summary"]
