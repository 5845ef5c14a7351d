"""The rendered page from the fixture store, compared byte for byte with tests/snapshots/report.html.

The date, the rendering environment (versions, commit, machine), the render time and the fixture's path are fixed
or normalized, so the page depends only on the stored results and the code. Regenerate after a deliberate change:

    CTDNN_UPDATE_SNAPSHOT=1 python -m pytest tests/test_report_snapshot.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ctdnn_bench.report import build_page, load_inputs

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"
SNAPSHOT = Path(__file__).parent / "snapshots" / "report.html"
REGENERATE = "CTDNN_UPDATE_SNAPSHOT=1 python -m pytest tests/test_report_snapshot.py"
ENV = {"python": "3.x", "ctdnn_bench": "0.0.0", "git_commit": "0000000", "platform": "snapshot", "cpu_count": 1}


def render() -> str:
    html = build_page(load_inputs(FIXTURE), generated="2000-01-01 00:00 UTC", env=ENV)
    html = html.replace(str(FIXTURE), "<fixture>")
    return re.sub(r"rendered in [0-9.]+ s", "rendered in <t> s", html)


def test_page_matches_the_snapshot() -> None:
    html = render()
    if os.environ.get("CTDNN_UPDATE_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(html, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.is_file() else ""
    if html != expected:
        pairs = enumerate(zip(html, expected, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(html), len(expected)))
        raise AssertionError(
            f"the rendered report differs from {SNAPSHOT} at character {at}:\n"
            f"  got      {html[max(0, at - 80) : at + 80]!r}\n  expected {expected[max(0, at - 80) : at + 80]!r}\n"
            f"if the change is deliberate, regenerate the snapshot with:\n    {REGENERATE}"
        )
