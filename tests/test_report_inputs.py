"""Reading the report's inputs, and a page that still renders (with notes) when inputs are missing or broken."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ctdnn_bench.report import build_page, load_inputs, write_report
from ctdnn_bench.report.bench_inputs import describe_benchmark, load_asv, load_pytest_benchmark
from ctdnn_bench.report.inputs import load_runs

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"


def sections(html: str) -> set[str]:
    return set(re.findall(r'<section id="([^"]+)">', html))


def test_load_runs_reads_the_fixture_and_adds_columns() -> None:
    runs = load_runs(FIXTURE)
    t = runs.table
    assert len(t) == len(list((FIXTURE / "runs").glob("*.json"))) and runs.notes == []
    assert {"task", "failed", "grad_norm_peak", "nfe_train", "experiment"} <= set(t.columns)
    # runs that differ only in basis share a task signature; a different T or optimizer does not
    elm = t[(t["dataset"] == "elm") & (t["architecture"] == "resnet")]
    adam = elm[elm["optimizer"] == "adam"]
    assert adam.groupby("T")["task"].nunique().eq(1).all() and adam["task"].nunique() == 2
    assert elm.loc[elm["optimizer"] == "gnvpro", "task"].nunique() == 1 and elm["task"].nunique() == 3
    assert t.loc[t["dataset"] == "dcr", "standin"].all()
    key = t["key"].iloc[0]
    assert len(runs.history(key)) == runs.records[key]["history"]["train_loss"].__len__()


def test_profile_filter() -> None:
    assert len(load_runs(FIXTURE, "quick").table) == len(load_runs(FIXTURE).table)
    runs = load_runs(FIXTURE, "paper")
    assert runs.table.empty and "of profile 'paper'" in runs.notes[0]


def test_pytest_benchmark_json_is_read() -> None:
    df, notes = load_pytest_benchmark(FIXTURE / "pytest-benchmark")
    assert notes == [] and len(df) == 4
    assert set(df["phase"]) == {"forward", "backward"} and set(df["basis"]) == {"monomial", "legendre"}
    assert (df["degree"] == 3).all() and (df["median"] > 0).all()
    assert (df["nfe_forward"] > 0).all()


def test_describe_benchmark_falls_back_to_the_name() -> None:
    assert describe_benchmark("test_adjoint_legendre_d5", None, None) == {
        "basis": "legendre",
        "degree": 5,
        "phase": "adjoint",
    }
    assert describe_benchmark("x", {"basis": "fourier", "degree": 2}, {"phase": "backward"})["phase"] == "backward"
    assert describe_benchmark("time_something", None, None) == {"basis": "", "degree": None, "phase": ""}


def test_asv_results_are_read_with_parameters_expanded() -> None:
    df, notes = load_asv(FIXTURE / "asv")
    assert notes == []
    assert df["commit"].nunique() == 2 and set(df["machine"]) == {"fixture"}
    nfe = df[df["benchmark"] == "bench_fixture.NodeForward.track_nfe"]
    assert set(nfe["params"]) == {"basis=monomial", "basis=legendre"}
    assert (nfe["unit"] == "evaluations").all() and (nfe["value"] > 0).all()


def test_an_empty_results_directory_gives_a_page_of_notes(tmp_path: Path) -> None:
    html = build_page(load_inputs(tmp_path / "nothing-here"))
    assert {"summary", "claims", "table2", "table3", "neural-ode", "harness", "asv-history", "environment"} <= sections(
        html
    )
    # summary + details; C5 too: it reads results/conditioning.json, absent here
    assert html.count('class="verdict verdict-inconclusive"') == 2 * 6
    for text in (
        "no results store at",
        "No Table-2 (ResNet / Hamiltonian) runs",
        "No neural-ODE runs",
        "No pytest-benchmark results",
        "No asv results",
        "run `ctdnn-bench run workprecision`",
        "run `ctdnn-bench run conditioning`",
    ):
        assert text in html, text


def test_broken_inputs_leave_notes_and_the_rest_renders(tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(FIXTURE, results)
    (results / "runs" / "0000000000000000.json").write_text("{not json")
    (results / "pytest-benchmark" / "broken.json").write_text(json.dumps({"no": "benchmarks"}))
    (results / "asv" / "fixture" / "deadbeef-broken.json").write_text(json.dumps({"results": {}}))

    (results / "workprecision.json").write_text("{not json")
    html = build_page(load_inputs(results))
    assert "skipped unreadable record 0000000000000000.json" in html
    assert "skipped broken.json: not a pytest-benchmark file" in html
    assert "skipped asv result fixture/deadbeef-broken.json" in html
    assert "skipped unreadable workprecision.json (JSONDecodeError" in html
    assert 'id="fig-bench-time"' in html and 'id="fig-asv"' in html and 'id="fig-dof"' in html


def test_one_asv_commit_gives_a_note_instead_of_a_history(tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(FIXTURE / "asv", results / "asv")
    first = sorted((results / "asv" / "fixture").glob("*-existing-*.json"))[0]
    first.unlink()
    html = build_page(load_inputs(results))
    assert "asv results exist for one commit only" in html and 'id="fig-asv"' not in html


def test_only_index_html_is_written(tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(FIXTURE, results)
    before = sorted(p.relative_to(results) for p in results.rglob("*"))
    path = write_report(results, tmp_path / "out" / "report", profile="paper")  # no runs: quick to draw
    assert path == tmp_path / "out" / "report" / "index.html"
    assert sorted(p.relative_to(results) for p in results.rglob("*")) == before
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]
