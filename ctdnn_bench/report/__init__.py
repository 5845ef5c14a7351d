"""The static HTML report: figures, tables and claim verdicts from the results store and benchmark harnesses.

``write_report`` reads ``results/runs/*.json`` (the results store), ``results/conditioning.json``,
``results/pytest-benchmark/**.json`` and ``results/asv/<machine>/*.json`` and writes one self-contained page,
``report/index.html`` (figures as inline SVG, CSS inline, no network access needed to view it). Missing inputs give
a note in their section, never an error. Only :func:`write_report` writes files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ctdnn_bench.report.claims import VERDICTS, Claim, evaluate_claims
from ctdnn_bench.report.inputs import load_inputs
from ctdnn_bench.report.page import build_page


def write_report(
    results_dir: str | Path = "results", report_dir: str | Path = "report", profile: str | None = None
) -> Path:
    """Render the report and write it to ``report_dir/index.html`` (atomically); return that path.

    Args:
        results_dir: the results root (``runs/``, ``conditioning.json``, ``pytest-benchmark/``, ``asv/``).
        report_dir: where ``index.html`` goes (created if needed).
        profile: only records whose ``profile`` field equals this (``quick``, ``paper``); None = all records.
    """
    html = build_page(load_inputs(results_dir, profile))
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".index-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; the page is meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


__all__ = ["VERDICTS", "Claim", "build_page", "evaluate_claims", "load_inputs", "write_report"]
