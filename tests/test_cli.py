"""The ctdnn-bench command line: every command's help, real small runs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctdnn_bench.cli import COMMANDS, main
from ctdnn_bench.store import ResultsStore

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_files = pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) > 3


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "legendre" in out and "hamiltonian" in out and "dopri5" in out and "table2" in out
    assert "leapfrog" in out and "adam_meganet" in out and "table4" in out
    assert "spiral (trajectory)" in out and "elm (surrogate)" in out  # from the data set registry


@pytest.mark.parametrize("profile", ["quick", "standard", "paper", "custom"])
def test_report_filters_on_every_profile_a_run_can_have(profile: str) -> None:
    from ctdnn_bench.cli import PROFILE_NAMES, RECORD_PROFILES, build_parser

    assert set(PROFILE_NAMES) < set(RECORD_PROFILES)  # reproduce's default profile (standard) among them
    assert build_parser().parse_args(["report", "--profile", profile]).profile == profile


def test_public_api_exports_the_pipeline_without_importing_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ctdnn_bench as c; assert 'torch' not in sys.modules; "
        "names = ('RunConfig', 'execute', 'experiment_configs', 'PROFILES', 'run_sweep', 'ResultsStore', "
        "'write_computed', 'write_report', 'regress', 'DATASETS'); "
        "assert all(n in c.__all__ for n in names); [getattr(c, n) for n in c.__all__]; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_conditioning_prints_the_paper_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_json = tmp_path / "c.json"
    assert main(["conditioning", "--degrees", "3", "6", "-T", "1", "10", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "2.29" in out and "1.88e+04" in out and "6.35e+06" in out
    rows = json.loads(out_json.read_text())
    assert len(rows) == 4 * 2 * 2 and {r["basis"] for r in rows} == {"monomial", "legendre", "chebyshev"}


@needs_files
def test_train_writes_a_record_and_reuses_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "train",
        "--results-dir",
        str(tmp_path),
        "--data-dir",
        str(SHARED_DATA),
        "--dataset",
        "cdr",
        "--basis",
        "monomial",
        "--domain",
        "raw",
        "-T",
        "5",
        "--epochs",
        "2",
        "--n-steps",
        "4",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    (record,) = list(ResultsStore(tmp_path).records())
    assert record["config"]["model"]["domain"] == "raw" and record["config"]["train"]["epochs"] == 2
    assert record["status"] == "ok" and record["history"]["epoch"] == [1, 2]
    assert record["key"] in first
    mtime = ResultsStore(tmp_path).path(record["key"]).stat().st_mtime_ns
    assert main(args) == 0  # second time: read back, not retrained
    assert record["key"] in capsys.readouterr().out
    assert ResultsStore(tmp_path).path(record["key"]).stat().st_mtime_ns == mtime


@needs_files
def test_train_from_toml(tmp_path: Path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text(
        'dataset = "cdr"\n[model]\narchitecture = "hamiltonian"\nbasis = "chebyshev"\ndegree = 2\n'
        "n_steps = 3\n[train]\nepochs = 1\n"
    )
    argv = ["train", "--config", str(toml), "--results-dir", str(tmp_path / "r"), "--data-dir", str(SHARED_DATA)]
    assert main([*argv, "--epochs", "2"]) == 0
    (record,) = list(ResultsStore(tmp_path / "r").records())
    assert record["config"]["model"]["architecture"] == "hamiltonian" and record["config"]["train"]["epochs"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--basis", "legandre"], "did you mean 'legendre'"),
        (["train", "--degree", "-1"], "degree"),
        (["train", "-T", "0"], "final_time T must be a finite number > 0"),
        (["train", "--architecture", "resnet", "--hidden", "50"], "apply only to architecture 'node'"),
        (["run", "tabel3"], "did you mean 'table3'"),
        (["train", "--config", "/nonexistent.toml"], "cannot read config file"),
        (["train", "--device", "gpu"], "unknown device 'gpu'"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--results-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.json"))


def test_unwritable_results_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["train", "--results-dir", str(blocker)]) == 1  # the machine, not the input: exit 1 (issue 11)
    assert "not writable" in capsys.readouterr().err


def test_run_conditioning_writes_json(tmp_path: Path) -> None:
    assert main(["run", "conditioning", "--results-dir", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "conditioning.json").read_text())
    rows = doc["table"]
    assert {(r["degree"], r["T"]) for r in rows} == {(d, t) for d in (3, 4, 5, 6) for t in (1.0, 5.0, 10.0)}
    assert len(doc["curves"]) > len(rows) and set(doc["bases"]["values"]) >= {"monomial", "legendre"}
    assert any(r["basis"] == "legendre" and r["degree"] == 3 and abs(r["cond_matrix"] - 2.29) < 0.01 for r in rows)


def test_data_verifies_without_downloading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if SHARED_DATA.is_dir():
        assert main(["data", "--no-download", "--data-dir", str(SHARED_DATA)]) == 0
        assert capsys.readouterr().out.count("ok ") == 2
    (tmp_path / "NNERDS.mat").write_bytes(b"not the file")
    assert main(["data", "--no-download", "--data-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "CORRUPT  NNERDS.mat" in out and "MISSING  CDR_Data.mat" in out


@needs_files
def test_run_reports_new_and_finished_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ctdnn_bench.experiments import EXPERIMENTS
    from ctdnn_bench.models import ModelConfig
    from ctdnn_bench.training import RunConfig, TrainConfig

    def tiny(profile: object, seeds: tuple[int, ...], protocol: str) -> list[RunConfig]:
        return [
            RunConfig(
                dataset="cdr",
                model=ModelConfig(basis=b, degree=1, n_steps=3),
                train=TrainConfig(epochs=1),
                seed_init=s,
                label=b,
            )
            for b in ("legendre", "monomial")
            for s in seeds
        ]

    monkeypatch.setitem(EXPERIMENTS, "tiny", tiny)
    argv = ["run", "tiny", "--results-dir", str(tmp_path), "--seeds", "1", "2", "--workers", "1", "--no-progress"]
    assert main(argv) == 0
    assert "tiny: 4 runs (4 new, 0 already done, 0 new diverged, 0 failed)" in capsys.readouterr().out
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tiny: 4 runs (0 new, 4 already done, 0 new diverged, 0 failed)" in out
    assert "legendre" in out and "monomial" in out  # the summary table


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_refused_before_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--device", "cuda", "--results-dir", str(tmp_path)]) == 2
    assert "no CUDA device here; use --device cpu" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.json"))


def test_run_harness_stores_pytest_benchmark_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ctdnn_bench.computed import COMPUTED
    from ctdnn_bench.harness import passes
    from ctdnn_bench.harness.cases import BY_NAME
    from ctdnn_bench.report.bench_inputs import load_pytest_benchmark

    cases = (BY_NAME["resnet-legendre-d3"], BY_NAME["node-legendre-d3-dopri5-otd"])
    monkeypatch.setattr(passes, "ROUNDS", {"node": 1, "fixed": 2})
    monkeypatch.setitem(COMPUTED, "harness", ("pytest-benchmark/harness.json", lambda: passes.measure_cases(cases)))
    assert main(["run", "harness", "--results-dir", str(tmp_path)]) == 0
    df, notes = load_pytest_benchmark(tmp_path / "pytest-benchmark")
    assert notes == [] and set(df["phase"]) == {"forward", "backward", "adjoint"}
    assert (df["nfe_forward"] > 0).all() and (df.loc[df["phase"] == "adjoint", "nfe_backward"] > 0).all()


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "ctdnn_bench", "--help"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0 and "reproduce" in done.stdout
