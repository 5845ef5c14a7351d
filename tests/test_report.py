"""The HTML report rendered from a fixed set of real run records (tests/fixtures/report/results, made by
tests/fixtures/report/make_fixture.py): every section, verdicts, embedded figures, no external resources, valid
HTML; and, where Chromium is installed, a screenshot that is not blank."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctdnn_bench.report import VERDICTS, write_report

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"
REGENERATE = "CTDNN_DATA_DIR=<data dir> python tests/fixtures/report/make_fixture.py"
SECTIONS = (
    "summary",
    "claims",
    "attribution",
    "bases",
    "conditioning",
    "training-curves",
    "degrees",
    "neural-ode",
    "table4",
    "table2",
    "table3",
    "harness",
    "asv-history",
    "reference",
    "environment",
)
FIGURES = (
    "fig-bases",
    "fig-conditioning",
    "fig-curves-elm",
    "fig-deg-elm",
    "fig-node-spiral",
    "fig-dof",
    "fig-gnvpro-elm",
    "fig-bench-time",
    "fig-bench-nfe",
    "fig-work-precision",
    "fig-asv",
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    assert (FIXTURE / "runs").is_dir(), f"report fixture missing; regenerate it with: {REGENERATE}"
    out = tmp_path_factory.mktemp("report")
    path = write_report(results_dir=FIXTURE, report_dir=out)
    yield path, path.read_text(encoding="utf-8")


def test_write_report_returns_the_written_page(page: tuple[Path, str]) -> None:
    path, html = page
    assert path.name == "index.html" and path.is_file()
    assert html.startswith("<!DOCTYPE html>")
    assert path.stat().st_mode & 0o044 == 0o044, "the page must be readable by others (it is meant to be shared)"


def test_every_section_is_present(page: tuple[Path, str]) -> None:
    html = page[1]
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in html, f"section {sid} missing"
        assert f'href="#{sid}"' in html or sid == "summary", f"no table-of-contents link to {sid}"


def test_every_claim_has_one_of_the_three_verdicts(page: tuple[Path, str]) -> None:
    html = page[1]
    rows = re.findall(r'<tr id="verdict-(C\d)">(.*?)</tr>', html, re.S)
    assert [cid for cid, _ in rows] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    for cid, row in rows:
        verdicts = re.findall(r'<span class="verdict verdict-[\w-]+">([^<]+)</span>', row)
        assert len(verdicts) == 1 and verdicts[0] in VERDICTS, f"{cid}: {verdicts}"
        assert f'<article class="claim" id="claim-{cid}">' in html
    assert html.count("<strong>Rule:</strong>") == 6


def test_figures_are_embedded_inline_with_captions(page: tuple[Path, str]) -> None:
    html = page[1]
    figures = dict(re.findall(r'<figure id="([^"]+)">(.*?)</figure>', html, re.S))
    for fid in FIGURES:
        assert fid in figures, f"figure {fid} missing; present: {sorted(figures)}"
    for fid, body in figures.items():
        assert "<svg" in body and "</svg>" in body, f"{fid} is not inline SVG"
        caption = re.search(r"<figcaption>(.*?)</figcaption>", body, re.S)
        assert caption and len(caption.group(1)) > 60, f"{fid} has no real caption"
    # captions say what was run
    assert re.search(r'id="fig-curves-elm".*?seeds 20, 21; 2 epochs', html, re.S)
    assert re.search(r'id="fig-node-spiral".*?rtol 1e-07, atol 1e-09', html, re.S)
    # ids are unique across the inline SVGs (each figure's ids are prefixed)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_no_external_resources(page: tuple[Path, str]) -> None:
    html = page[1]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.I)
    assert "@import" not in html
    assert "<script" not in html and "<link" not in html
    # the only URLs left are the SVG namespace names, which are never fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]*", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def test_html_parses_with_balanced_tags(page: tuple[Path, str]) -> None:
    parser = _Balance()
    parser.feed(page[1])
    parser.close()
    assert parser.errors == []
    assert parser.stack == []


def test_standin_rows_and_authors_numbers_are_labelled(page: tuple[Path, str]) -> None:
    html = page[1]
    assert "DCR stand-in (generated, not the paper&#39;s data)" in html
    assert html.count('class="group standin"') >= 1
    for tag in ("[C-rev]", "[D]", "[SUM]"):
        assert tag in html
    assert "mean predictor 0.779, linear 0.375 [D]" in html
    assert "8.2132 ± 0.3433" in html


def test_tables_and_environment(page: tuple[Path, str]) -> None:
    html = page[1]
    for tid in ("table2-test", "table3-dof", "node-table", "reference-table", "conditioning-table", "run-counts"):
        assert f'<table id="{tid}">' in html, tid
    assert "torchdiffeq" in html and "git_commit" in html
    assert re.search(r"Profile <strong>quick</strong> · 102 run record", html)
    # Table 2 has the paper's two optimizer column groups; the ELM group row names both budgets
    table2 = re.search(r'<table id="table2-test">(.*?)</table>', html, re.S)
    assert table2 and '<td class="group" colspan="7">ADAM</td>' in table2.group(1)
    assert '<td class="group" colspan="7">GNvpro</td>' in table2.group(1)
    assert "ELM (ADAM: 2 epochs; GNvpro: 250 work units)" in table2.group(1)


def test_chromium_screenshot_is_not_blank(page: tuple[Path, str], tmp_path: Path) -> None:
    exe = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if exe is None:
        pytest.skip("no chromium binary found (apt-get install chromium to run this test)")
    shot = tmp_path / "out.png"
    cmd = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
        page[0].resolve().as_uri(),
    ]  # fmt: skip
    subprocess.run(cmd, capture_output=True, timeout=90, check=False)
    assert shot.is_file(), "chromium wrote no screenshot"
    import matplotlib.image

    img = (matplotlib.image.imread(shot)[..., :3] * 255).astype(np.uint8)
    assert img.shape[:2] == (2000, 1280)
    colours = np.unique(img.reshape(-1, 3), axis=0)
    assert len(colours) > 200, f"only {len(colours)} distinct colours: the page looks blank"
    assert (img.min(axis=2) < 200).mean() > 0.02, "almost no ink on the page"


def test_report_renders_with_torch_unimportable(tmp_path: Path) -> None:
    """``ctdnn-bench report`` reads stored results only: it must work where importing torch fails."""
    root = Path(__file__).resolve().parents[1]
    script = (
        "import sys\n"
        "class NoTorch:  # as if torch were not installed: any `import torch` raises ImportError\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] in ('torch', 'torchdiffeq'):\n"
        "            raise ImportError(f'no module named {name!r} (blocked by the test)')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "from ctdnn_bench.cli import main\n"
        f"code = main(['report', '--results-dir', {str(FIXTURE)!r}, '--report-dir', {str(tmp_path)!r}])\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "could not be drawn" not in html and 'id="fig-work-precision"' in html and 'id="fig-bases"' in html


def test_curve_figures_are_drawn_at_each_data_sets_own_t() -> None:
    from ctdnn_bench.report.sections.training import curve_settings

    runs = pd.DataFrame({"dataset": ["dcr", "elm", "elm", "cdr", "cdr"], "T": [1.0, 10.0, 5.0, 1.0, 5.0]})
    assert curve_settings(runs) == [("elm", 5.0), ("cdr", 1.0), ("dcr", 1.0)]


def test_attribution_rows_are_ordered_by_their_fields_not_by_parsing_the_setting_name() -> None:
    from ctdnn_bench.report.sections.verdicts import _setting_order

    rows = pd.DataFrame(
        {
            "setting": [
                "spiral neural ODE",
                "cdr resnet T=10",
                "cdr resnet T=5 gnvpro",
                "cdr resnet T=5",
                "elm resnet T=5",
            ],
            "dataset": ["spiral", "cdr", "cdr", "cdr", "elm"],
            "architecture": ["node", "resnet", "resnet", "resnet", "resnet"],
            "T": [25.0, 10.0, 5.0, 5.0, 5.0],
            "optimizer": ["rmsprop", "adam", "gnvpro", "adam", "adam"],
        }
    )
    assert _setting_order(rows)["setting"].tolist() == [
        "elm resnet T=5",
        "cdr resnet T=5",
        "cdr resnet T=5 gnvpro",
        "cdr resnet T=10",
        "spiral neural ODE",
    ]
