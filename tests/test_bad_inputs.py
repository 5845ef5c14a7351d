"""A table of bad inputs through every entry point (issue 11, group 7).

Every command line case must exit with 2 (bad input) or 1 (a failure of the machine: an unwritable directory)
and one line on stderr naming the offending value, with no traceback; every Python API case must raise the
project's error naming the value. In every case the results store and every other file are left as they were:
validation comes before any work, so each case takes milliseconds.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.io

from ctdnn_bench.bases import make_basis
from ctdnn_bench.cli import main
from ctdnn_bench.errors import ConfigError, CTDNNError, DataError, ResultsError, UnwritableError
from ctdnn_bench.experiments import experiment_configs
from ctdnn_bench.models import ModelConfig, build_model
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.training.config import RunConfig, TrainConfig

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURE_RECORD = Path(__file__).parent / "fixtures" / "report" / "results" / "runs" / "01beed0668432fba.json"
NAN, INF = float("nan"), float("inf")


@dataclass(frozen=True)
class Paths:
    """The files a case may refer to, all under one temporary directory."""

    tmp: Path

    @property
    def results(self) -> Path:
        return self.tmp / "results"

    @property
    def blocker(self) -> Path:  # a file where a directory is expected: writing under it fails for root too
        return self.tmp / "blocker"

    def file(self, name: str) -> Path:
        return self.tmp / "files" / name


def make_files(p: Paths) -> None:
    (p.results / "runs").mkdir(parents=True)
    shutil.copy(FIXTURE_RECORD, p.results / "runs")
    p.blocker.write_text("")
    files = p.tmp / "files"
    files.mkdir()
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((10, 3)), y=np.zeros((10, 2)))
    (files / "empty.npz").write_bytes(b"")
    (files / "truncated.npz").write_bytes(buf.getvalue()[:200])
    (files / "garbage.mat").write_bytes(bytes(range(256)) * 4)
    (files / "empty.mat").write_bytes(b"")
    (files / "data.csv").write_text("1,2\n")
    np.savez(files / "few.npz", x=np.zeros((3, 2)), y=np.zeros((3, 1)))
    np.savez(files / "nan.npz", x=np.full((10, 2), NAN), y=np.zeros((10, 1)))
    scipy.io.savemat(files / "names.mat", {"inputs": np.zeros((10, 2)), "targets": np.zeros((10, 1))})
    (files / "baseline.json").write_text("{not json")
    (files / "baseline2.json").write_text(json.dumps({"schema": 2, "metrics": {}}))
    (files / "binary.toml").write_bytes(bytes(range(128, 256)))


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for directories)."""
    return {str(q.relative_to(root)): (None if q.is_dir() else q.read_bytes()) for q in sorted(root.rglob("*"))}


# ------------------------------------------------------------------------------------------ command line

#: (argv, exit code, text the message must contain); {R} results dir, {B} blocker, {F} files dir, {T} tmp dir
TRAIN = ["train", "--results-dir", "{R}", "--data-dir", str(SHARED_DATA), "--dataset", "cdr"]
CLI: list[tuple[list[str], int, str]] = [
    (["list", "extra"], 2, "unrecognized arguments: extra"),
    (["list", "--verbose"], 2, "--verbose"),
    (["conditioning", "--degrees", "-1"], 2, "got -1"),
    (["conditioning", "--degrees", "100000", "--n-points", "200000"], 2, "got 100000"),
    (["conditioning", "--degrees", "three"], 2, "'three'"),
    (["conditioning", "--degrees"], 2, "--degrees"),
    (["conditioning", "-T", "0"], 2, "got 0.0"),
    (["conditioning", "-T", "-1"], 2, "got -1.0"),
    (["conditioning", "-T", "nan"], 2, "got nan"),
    (["conditioning", "-T", "inf"], 2, "got inf"),
    (["conditioning", "--n-points", "0"], 2, "got 0"),
    (["conditioning", "--n-points", "-5"], 2, "got -5"),
    (["conditioning", "--n-points", "3", "--degrees", "6"], 2, "n_points = 3"),
    (["conditioning", "--n-points", "x"], 2, "'x'"),
    (["conditioning", "--json", "{T}"], 2, "is a directory"),
    (["conditioning", "--json", "{B}/c.json"], 1, "not writable"),
    ([*TRAIN, "--grad-clip", "-1"], 2, "grad_clip must be a finite number > 0 or unset (None), got -1.0"),
    ([*TRAIN, "--grad-clip", "0"], 2, "grad_clip must be a finite number > 0 or unset (None), got 0.0"),
    ([*TRAIN, "--grad-clip", "nan"], 2, "grad_clip must be a finite number > 0 or unset (None), got nan"),
    ([*TRAIN, "--grad-clip", "inf"], 2, "got inf"),
    ([*TRAIN, "--alpha1", "nan"], 2, "alpha1 must be a finite number >= 0, got nan"),
    ([*TRAIN, "--alpha1", "-1"], 2, "alpha1 must be a finite number >= 0, got -1.0"),
    ([*TRAIN, "--alpha2", "inf"], 2, "alpha2 must be a finite number >= 0, got inf"),
    ([*TRAIN, "--rtol", "nan"], 2, "rtol must be a finite number > 0, got nan"),
    ([*TRAIN, "--rtol", "0"], 2, "rtol must be a finite number > 0, got 0.0"),
    ([*TRAIN, "--atol=-1e-9"], 2, "atol must be a finite number > 0, got -1e-09"),
    ([*TRAIN, "--lr", "0"], 2, "lr must be a finite number > 0, got 0.0"),
    ([*TRAIN, "--lr", "-0.1"], 2, "got -0.1"),
    ([*TRAIN, "--lr", "nan"], 2, "got nan"),
    ([*TRAIN, "--epochs", "-1"], 2, "epochs must be an integer in [0, 1000000000], got -1"),
    ([*TRAIN, "--epochs", "1.5"], 2, "'1.5'"),
    ([*TRAIN, "--iterations", "-2"], 2, "iterations must be an integer in [0, 1000000000], got -2"),
    ([*TRAIN, "--batch-size", "0"], 2, "batch_size must be an integer in [1, 1000000000], got 0"),
    ([*TRAIN, "--eval-every", "0"], 2, "eval_every must be an integer in [1, 1000000000], got 0"),
    ([*TRAIN, "--loss-tol", "nan"], 2, "loss_tol must be a finite number > 0 or unset (None), got nan"),
    ([*TRAIN, "--loss-tol", "-1"], 2, "got -1.0"),
    ([*TRAIN, "--seed-split", "-1"], 2, "seed_split must be an integer in [0, 9223372036854775807], got -1"),
    ([*TRAIN, "--seed-init", "-1"], 2, "seed_init must be an integer in [0, 9223372036854775807], got -1"),
    ([*TRAIN, "--seed-batch", "-5"], 2, "seed_batch must be an integer in [0, 9223372036854775807], got -5"),
    ([*TRAIN, "--seed-init", "1e3"], 2, "'1e3'"),
    ([*TRAIN, "--degree", "-1"], 2, "degree must be an integer in [0, 1000], got -1"),
    ([*TRAIN, "--degree", "100000"], 2, "got 100000"),
    ([*TRAIN, "--width", "0"], 2, "width must be an integer in [1, 10000], got 0"),
    ([*TRAIN, "--width", "1000000"], 2, "got 1000000"),
    ([*TRAIN, "--n-steps", "0"], 2, "n_steps must be an integer in [1, 100000], got 0"),
    ([*TRAIN, "--n-steps", "10000000"], 2, "got 10000000"),
    ([*TRAIN, "--architecture", "node", "--hidden", "0"], 2, "hidden[0] must be an integer in [1, 10000], got 0"),
    ([*TRAIN, "--hidden", "50"], 2, "hidden widths (50,) apply only to architecture 'node'"),
    ([*TRAIN, "--degree", "500", "--width", "2000"], 2, "501 x 2000 x 2000"),
    ([*TRAIN, "-T", "0"], 2, "final_time T must be a finite number > 0, got 0.0"),
    ([*TRAIN, "-T", "nan"], 2, "got nan"),
    ([*TRAIN, "-T", "inf"], 2, "got inf"),
    ([*TRAIN, "-T", "-5"], 2, "got -5.0"),
    ([*TRAIN, "--basis", "legandre"], 2, "unknown basis 'legandre'"),
    ([*TRAIN, "--architecture", "resnett"], 2, "unknown architecture 'resnett'"),
    ([*TRAIN, "--architecture", "node", "--method", "dopri"], 2, "unknown integrator method 'dopri'"),
    ([*TRAIN, "--domain", "unti"], 2, "unknown time domain 'unti'"),
    ([*TRAIN, "--optimizer", "sgd"], 2, "invalid choice: 'sgd'"),
    ([*TRAIN, "--optimizer", ""], 2, "invalid choice: ''"),
    ([*TRAIN, "--loss", "mse"], 2, "unknown loss 'mse'"),
    ([*TRAIN, "--dtype", "float16"], 2, "'float16'"),
    ([*TRAIN, "--device", "gpu"], 2, "unknown device 'gpu'"),
    ([*TRAIN, "--basis", "static", "--degree", "1"], 2, "got degree=1"),
    ([*TRAIN, "--dataset", "elmm"], 2, "unknown data set 'elmm'"),
    ([*TRAIN, "--dataset", "/nonexistent/x.npz"], 2, "/nonexistent/x.npz does not exist"),
    ([*TRAIN, "--dataset", "{F}/empty.npz"], 2, "empty.npz"),
    ([*TRAIN, "--dataset", "{F}/truncated.npz"], 2, "truncated.npz"),
    ([*TRAIN, "--dataset", "{F}/garbage.mat"], 2, "garbage.mat"),
    ([*TRAIN, "--dataset", "{F}/empty.mat"], 2, "empty.mat"),
    ([*TRAIN, "--dataset", "{F}/data.csv"], 2, "unsupported file type '.csv'"),
    ([*TRAIN, "--dataset", "{F}/few.npz"], 2, "only 3 samples"),
    ([*TRAIN, "--dataset", "{F}/nan.npz"], 2, "NaN or inf"),
    ([*TRAIN, "--dataset", "{F}/names.mat"], 2, "inputs (10, 2)"),
    ([*TRAIN, "--data-dir", "/nonexistent"], 2, "'/nonexistent' does not exist"),
    ([*TRAIN, "--data-dir", "{B}"], 2, "is not a directory"),
    ([*TRAIN, "--config", "/nonexistent.toml"], 2, "cannot read config file /nonexistent.toml"),
    ([*TRAIN, "--config", "{F}/binary.toml"], 2, "binary.toml"),
    (["train", "--results-dir", "{B}", "--dataset", "cdr"], 1, "not writable"),
    (["run", "tabel3", "--results-dir", "{R}"], 2, "unknown experiment 'tabel3'"),
    (["run", "table2", "--results-dir", "{R}", "--seeds", "-1"], 2, "seed must be an integer in"),
    (["run", "table2", "--results-dir", "{R}", "--seeds", "x"], 2, "'x'"),
    (["run", "table2", "--results-dir", "{R}", "--epochs", "0"], 2, "epochs must be an integer in [1, "),
    (["run", "table2", "--results-dir", "{R}", "--epochs", "-5"], 2, "got -5"),
    (["run", "table2", "--results-dir", "{R}", "--workers", "0"], 2, "workers must be an integer in [1, 4096], got 0"),
    (["run", "table2", "--results-dir", "{R}", "--workers", "-1"], 2, "got -1"),
    (["run", "table2", "--results-dir", "{R}", "--scheduler", "notanaddress"], 2, "got 'notanaddress'"),
    (["run", "table2", "--results-dir", "{R}", "--scheduler", "tcp://head:99999"], 2, "'tcp://head:99999'"),
    (["run", "table2", "--results-dir", "{R}", "--profile", "full"], 2, "'full'"),
    (["run", "table2", "--results-dir", "{R}", "--protocol", "v2"], 2, "'v2'"),
    (["run", "table2", "--results-dir", "{R}", "--data-dir", "/nonexistent"], 2, "'/nonexistent' does not exist"),
    (["run", "node", "--results-dir", "{B}"], 1, "not writable"),
    (["run", "conditioning", "--results-dir", "{B}"], 1, "not writable"),
    (["run"], 2, "experiment"),
    (["reproduce", "--results-dir", "{R}", "--seeds", "-1"], 2, "got -1"),
    (["reproduce", "--results-dir", "{R}", "--epochs", "0"], 2, "got 0"),
    (["reproduce", "--results-dir", "{R}", "--workers", "0"], 2, "got 0"),
    (["reproduce", "--results-dir", "{R}", "--scheduler", "bad address"], 2, "'bad address'"),
    (["reproduce", "--results-dir", "{R}", "--data-dir", "/nonexistent"], 2, "'/nonexistent' does not exist"),
    (["reproduce", "--results-dir", "{R}", "--protocol", "v3"], 2, "'v3'"),
    (["reproduce", "--results-dir", "{R}", "--report-dir", "{B}"], 1, "report directory"),
    (["reproduce", "--results-dir", "{B}"], 1, "not writable"),
    (["report", "--results-dir", "{R}", "--profile", "full"], 2, "'full'"),
    (["report", "--results-dir", "{R}", "--report-dir", "{B}"], 1, "report directory"),
    (["report", "--bogus"], 2, "--bogus"),
    (["data", "--data-dir", "/nonexistent"], 2, "'/nonexistent' does not exist"),
    (["data", "--no-download", "--data-dir", "/nonexistent"], 2, "'/nonexistent' does not exist"),
    (["data", "--data-dir", "{B}"], 2, "is not a directory"),
    (["data", "--dcr", "--no-download", "--data-dir", "/nonexistent"], 2, "/nonexistent"),
    (["regress", "--baseline", "/nonexistent.json"], 2, "no regression baseline at /nonexistent.json"),
    (["regress", "--baseline", "{F}/baseline.json"], 2, "baseline.json"),
    (["regress", "--baseline", "{F}/baseline2.json"], 2, "baseline2.json is not a schema-1 regression baseline"),
    (["regress", "--baseline", "{T}"], 2, "cannot read the regression baseline"),
    (["regress", "--update", "--no-training"], 2, "drop --no-training"),
]

CLI_IDS = [" ".join(a for a in argv if a not in TRAIN[1:]) for argv, _, _ in CLI]

#: TOML files for ``train --config``: (text, text the message must contain)
TOML: list[tuple[str, str]] = [
    ("[model\ndegree = 3", "cannot read config file"),
    ('[model]\ndegree = "3"', "degree must be an integer in [0, 1000], got '3' (a str)"),
    ("[train]\nepochs = 1.5", "epochs must be an integer in [0, 1000000000], got 1.5"),
    ("[model]\nwidth = 8.0", "width must be an integer in [1, 10000], got 8.0"),
    ('[model]\narchitecture = "node"\nhidden = 50', "hidden must be a list of at most 64 integers"),
    ('[model]\narchitecture = "node"\nhidden = ["50"]', "hidden[0] must be an integer in [1, 10000], got '50'"),
    ('[model]\nadjoint = "no"', "adjoint must be true or false (a boolean), got 'no' (a str)"),
    ("[model]\nadjoint = 0", "adjoint must be true or false (a boolean), got 0"),
    ('[model]\nfinal_time = "5"', "final_time T must be a finite number > 0, got '5' (a str)"),
    ("[model]\nfinal_time = -inf", "got -inf"),
    ("model = 3", "model must be a table ([model]), got 3"),
    ('train = "fast"', "train must be a table ([train]), got 'fast'"),
    ("[model]\ndepth = 3", "unknown ModelConfig field(s) ['depth']"),
    ("foo = 1", "unknown RunConfig field(s) ['foo']"),
    ("seed_split = -1", "seed_split must be an integer in [0, 9223372036854775807], got -1"),
    ("seed_init = 1.0", "seed_init must be an integer in [0, 9223372036854775807], got 1.0"),
    ("dataset = 5", "dataset must be a non-empty string, got 5"),
    ('dataset = ""', "dataset must be a non-empty string, got ''"),
    ("label = 3", "label must be a string, got 3"),
    ("dtype = 64", "dtype must be one of: float32, float64, got 64"),
    ("[train]\ngrad_clip = nan", "grad_clip must be a finite number > 0 or unset (None), got nan"),
    ("[train]\ngrad_clip = -1", "grad_clip must be a finite number > 0 or unset (None), got -1"),
    ("[model]\ncube_input = 1", "cube_input must be true or false (a boolean), got 1"),
    ('[train]\ndecoder_warm_start = "yes"', "decoder_warm_start must be true or false (a boolean), got 'yes'"),
    ("[train]\nlr = true", "lr must be a finite number > 0, got True"),
    ("[train]\nalpha1 = [1]", "alpha1 must be a finite number >= 0, got [1] (a list)"),
    ("[train]\noptimizer = 1", "optimizer must be one of: adam, adam_meganet, gnvpro, rmsprop, got 1"),
    ("[train]\nstall_ratio = 0", "stall_ratio must be a finite number > 0, got 0"),
    ("[train]\nbatch_time = 1", "batch_time must be an integer in [2, 100000], got 1"),
    ("[model]\nmax_nfe = 0", "max_nfe must be an integer in [1, 1000000000], got 0"),
    ("[model]\ninit_std = nan", "init_std must be a finite number >= 0 or unset (None), got nan"),
    ('[model]\ndomain = ["unit"]', "time domain must be one of: raw, symmetric, unit, got ['unit'] (a list)"),
    ('dataset = "spiral"', "got architecture 'resnet' with width 15"),
]


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    p = Paths(tmp_path)
    make_files(p)
    return p


def fill(argv: list[str], p: Paths) -> list[str]:
    return [a.format(R=p.results, B=p.blocker, F=p.tmp / "files", T=p.tmp) if "{" in a else a for a in argv]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and stderr of ``ctdnn-bench argv``; nothing may have been printed on stdout (no partial output)."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert out == "", out
    return code, err


def check_one_line(err: str, needle: str) -> None:
    assert needle in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")
@pytest.mark.parametrize(("argv", "code", "needle"), CLI, ids=CLI_IDS)
def test_command_line(
    argv: list[str], code: int, needle: str, paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(paths.tmp)
    got, err = run_cli(fill(argv, paths), capsys)
    assert got == code, err
    check_one_line(err, needle)
    assert snapshot(paths.tmp) == before


@pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")
@pytest.mark.parametrize(("text", "needle"), TOML, ids=[t[0].replace("\n", " ")[:40] for t in TOML])
def test_toml_config(text: str, needle: str, paths: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    toml = paths.file("run.toml")
    toml.write_text(text)
    before = snapshot(paths.tmp)
    got, err = run_cli(fill([*TRAIN[:5], "--config", str(toml)], paths), capsys)
    assert got == 2, err
    check_one_line(err, needle)
    assert snapshot(paths.tmp) == before


# -------------------------------------------------------------------------------------------- Python API


def tiny() -> RunConfig:
    return RunConfig(dataset="cdr", model=ModelConfig(degree=1, n_steps=2, width=4), train=TrainConfig(epochs=1))


#: (call, error type, text the message must contain); the call gets the Paths
API: list[tuple[Callable[[Paths], Any], type[Exception], str]] = [
    (lambda p: ModelConfig(final_time="5"), ConfigError, "got '5' (a str)"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(degree=1001), ConfigError, "got 1001"),
    (lambda p: ModelConfig(degree=-1), ConfigError, "got -1"),
    (lambda p: ModelConfig(degree=2.5), ConfigError, "got 2.5"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(degree=True), ConfigError, "got True"),
    (lambda p: ModelConfig(width=0), ConfigError, "width must be an integer in [1, 10000], got 0"),
    (lambda p: ModelConfig(width=8.0), ConfigError, "got 8.0"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(n_steps=0), ConfigError, "n_steps must be an integer in [1, 100000], got 0"),
    (lambda p: ModelConfig(architecture="node", hidden=50), ConfigError, "got 50"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(architecture="node", hidden=("a",)), ConfigError, "got 'a'"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(rtol=NAN), ConfigError, "rtol must be a finite number > 0, got nan"),
    (lambda p: ModelConfig(atol=0), ConfigError, "atol must be a finite number > 0, got 0"),
    (lambda p: ModelConfig(adjoint="no"), ConfigError, "got 'no' (a str)"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(adjoint=1), ConfigError, "adjoint must be true or false (a boolean), got 1"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(max_nfe=0), ConfigError, "max_nfe must be an integer in [1, 1000000000], got 0"),
    (
        lambda p: ModelConfig(init_std=NAN),
        ConfigError,
        "init_std must be a finite number >= 0 or unset (None), got nan",
    ),
    (lambda p: ModelConfig(init_std=-1.0), ConfigError, "got -1.0"),
    (lambda p: ModelConfig(cube_input="yes"), ConfigError, "got 'yes'"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(architecture=None), ConfigError, "architecture must be one of"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(basis=3), ConfigError, "basis must be one of"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(domain="unti"), ConfigError, "'unti'"),
    (lambda p: ModelConfig(time_grid=["left"]), ConfigError, "['left'] (a list)"),  # type: ignore[arg-type]
    (lambda p: ModelConfig(time_init="zero"), ConfigError, "'zero'"),
    (lambda p: ModelConfig(decoder_init="xavier"), ConfigError, "'xavier'"),
    (lambda p: TrainConfig(lr=0), ConfigError, "got 0"),
    (lambda p: TrainConfig(lr=INF), ConfigError, "got inf"),
    (lambda p: TrainConfig(batch_size=0), ConfigError, "batch_size must be an integer in [1, 1000000000], got 0"),
    (lambda p: TrainConfig(batch_size=1.0), ConfigError, "got 1.0"),  # type: ignore[arg-type]
    (lambda p: TrainConfig(epochs=-1), ConfigError, "got -1"),
    (lambda p: TrainConfig(iterations=None), ConfigError, "iterations must be an integer"),  # type: ignore[arg-type]
    (lambda p: TrainConfig(alpha1=-1), ConfigError, "alpha1 must be a finite number >= 0, got -1"),
    (lambda p: TrainConfig(alpha2=NAN), ConfigError, "got nan"),
    (lambda p: TrainConfig(grad_clip=-1), ConfigError, "grad_clip must be a finite number > 0 or unset (None), got -1"),
    (lambda p: TrainConfig(grad_clip=NAN), ConfigError, "got nan"),
    (lambda p: TrainConfig(loss_tol=0), ConfigError, "loss_tol must be a finite number > 0 or unset (None), got 0"),
    (lambda p: TrainConfig(eval_every=0), ConfigError, "got 0"),
    (lambda p: TrainConfig(stall_ratio=NAN), ConfigError, "got nan"),
    (lambda p: TrainConfig(batch_time=1), ConfigError, "got 1"),
    (lambda p: TrainConfig(n_windows=0), ConfigError, "got 0"),
    (lambda p: TrainConfig(optimizer="sgd"), ConfigError, "'sgd'"),
    (lambda p: TrainConfig(loss="mse"), ConfigError, "'mse'"),
    (lambda p: TrainConfig(time_axis="abs"), ConfigError, "'abs'"),
    (lambda p: TrainConfig(decoder_warm_start="no"), ConfigError, "got 'no'"),  # type: ignore[arg-type]
    (lambda p: RunConfig(dataset=""), ConfigError, "dataset must be a non-empty string, got ''"),
    (lambda p: RunConfig(dataset=None), ConfigError, "got None"),  # type: ignore[arg-type]
    (
        lambda p: RunConfig(seed_split=-1),
        ConfigError,
        "seed_split must be an integer in [0, 9223372036854775807], got -1",
    ),
    (lambda p: RunConfig(seed_init=2**64), ConfigError, f"got {2**64}"),
    (lambda p: RunConfig(seed_batch=1.5), ConfigError, "got 1.5"),  # type: ignore[arg-type]
    (lambda p: RunConfig(dtype="float16"), ConfigError, "'float16'"),
    (lambda p: RunConfig(device="gpu"), ConfigError, "'gpu'"),
    (lambda p: RunConfig(device=0), ConfigError, "device must be a non-empty string, got 0"),  # type: ignore[arg-type]
    (lambda p: RunConfig(label=None), ConfigError, "label must be a string, got None"),  # type: ignore[arg-type]
    (lambda p: RunConfig(model={}), ConfigError, "model={}"),  # type: ignore[arg-type]
    (lambda p: RunConfig(train=None), ConfigError, "train=None"),  # type: ignore[arg-type]
    (lambda p: RunConfig.from_dict([]), ConfigError, "got []"),  # type: ignore[arg-type]
    (lambda p: RunConfig.from_dict({"model": 3}), ConfigError, "got 3"),
    (lambda p: RunConfig.from_dict({"train": {"epoch": 3}}), ConfigError, "['epoch']"),
    (lambda p: RunConfig(dataset="spiral"), ConfigError, "got architecture 'resnet'"),
    (lambda p: build_model(None, 3, 2), ConfigError, "build_model needs a ModelConfig, got None"),  # type: ignore[arg-type]
    (lambda p: build_model(ModelConfig(), 0, 3), ConfigError, "n_in must be an integer in [1, 1000000000], got 0"),
    (lambda p: build_model(ModelConfig(), "3", 2), ConfigError, "got '3' (a str)"),  # type: ignore[arg-type]
    (lambda p: build_model(ModelConfig(), 3, 2.0), ConfigError, "n_out must be an integer"),  # type: ignore[arg-type]
    (lambda p: build_model(ModelConfig(), 3, 2, seed=-1), ConfigError, "seed must be an integer in [0, "),
    (lambda p: make_basis("legendre", 10**6), ConfigError, "got 1000000"),
    (lambda p: make_basis("legendre", "3"), ConfigError, "got '3'"),  # type: ignore[arg-type]
    (lambda p: make_basis(None, 3), ConfigError, "unknown basis None"),  # type: ignore[arg-type]
    (lambda p: make_basis("legendre", 3, 0.0, "5"), ConfigError, "'5'"),  # type: ignore[arg-type]
    (lambda p: make_basis("legendre", 3, domain=5), ConfigError, "unknown time domain 5"),  # type: ignore[arg-type]
    (lambda p: make_basis("legendre", 3, 1.0, 0.0), ConfigError, "[1.0, 0.0]"),
    (lambda p: make_basis("legendre", -1), ConfigError, "got -1"),
    (lambda p: experiment_configs("tabel2"), ConfigError, "unknown experiment 'tabel2'"),
    (lambda p: experiment_configs(5), ConfigError, "unknown experiment 5"),  # type: ignore[arg-type]
    (lambda p: experiment_configs("table2", "full"), ConfigError, "'full'"),
    (lambda p: experiment_configs("table2", "quick", (-1,)), ConfigError, "seed must be an integer in [0, "),
    (lambda p: experiment_configs("table2", "quick", None, "v3"), ConfigError, "'v3'"),
    (lambda p: experiment_configs("table2", epochs=1.5), ConfigError, "got 1.5"),  # type: ignore[arg-type]
    (lambda p: experiment_configs("table2", epochs=0), ConfigError, "epochs must be an integer in [1, "),
    (lambda p: experiment_configs("table2", seeds="20"), ConfigError, "got '20'"),  # type: ignore[arg-type]
    (lambda p: experiment_configs("table2", profile=None), ConfigError, "got None"),  # type: ignore[arg-type]
    (
        lambda p: run_sweep([tiny()], p.results, workers=0),
        ConfigError,
        "workers must be an integer in [1, 4096], got 0",
    ),
    (lambda p: run_sweep([tiny()], p.results, workers=-1), ConfigError, "got -1"),
    (lambda p: run_sweep([tiny()], p.results, workers=1.5), ConfigError, "got 1.5"),  # type: ignore[arg-type]
    (lambda p: run_sweep([tiny()], p.results, scheduler="nope"), ConfigError, "got 'nope'"),
    (lambda p: run_sweep([tiny()], p.results, scheduler=8786), ConfigError, "got 8786"),
    (lambda p: run_sweep(["a config"], p.results), ConfigError, "got 'a config' (a str)"),  # type: ignore[list-item]
    (lambda p: run_sweep(5, p.results), ConfigError, "got 5"),  # type: ignore[arg-type]
    (lambda p: run_sweep([tiny()], p.blocker), UnwritableError, "not writable"),
    (lambda p: run_sweep([tiny()], p.results, data_dir="/nonexistent"), DataError, "'/nonexistent' does not exist"),
    (lambda p: run_sweep([tiny()], p.results, data_dir=p.blocker), DataError, "is not a directory"),
]


@pytest.mark.parametrize(("call", "error", "needle"), API, ids=[f"api{i}" for i in range(len(API))])
def test_python_api(call: Callable[[Paths], Any], error: type[Exception], needle: str, paths: Paths) -> None:
    before = snapshot(paths.tmp)
    with pytest.raises(error) as info:
        call(paths)
    assert isinstance(info.value, CTDNNError)
    assert needle in str(info.value)
    assert snapshot(paths.tmp) == before


def test_the_table_is_large_and_covers_every_entry_point() -> None:
    commands = {argv[0] for argv, _, _ in CLI}
    assert commands == {"list", "conditioning", "train", "run", "reproduce", "report", "data", "regress"}
    assert len(CLI) + len(TOML) + len(API) >= 200
    assert issubclass(ResultsError, CTDNNError)
