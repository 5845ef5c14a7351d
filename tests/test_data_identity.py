"""Data identity in every record and in reuse: no stale results when the data change (issue 11, group 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.io

from ctdnn_bench.cli import main
from ctdnn_bench.data import dcr_standin
from ctdnn_bench.data.fetch import KNOWN_FILES, sha256
from ctdnn_bench.data.identity import data_identity, record_identity
from ctdnn_bench.errors import ConfigError, DataError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

SMALL = ["--degree", "1", "--n-steps", "2", "--width", "4", "--batch-size", "400", "--epochs", "1"]


@pytest.fixture
def fast_standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The stand-in from random numbers (the real generator takes 30 s), cached in a private directory; returns a
    list that counts the generations."""
    calls: list[int] = []

    def generate(n_samples: int = 10_000, seed: int = 0, grid: int = 31) -> tuple[np.ndarray, np.ndarray]:
        calls.append(n_samples)
        rng = np.random.default_rng(seed)
        return rng.uniform(size=(n_samples, 3)), rng.normal(size=(n_samples, dcr_standin.N_OUT))

    monkeypatch.setattr(dcr_standin, "generate", generate)
    monkeypatch.setenv("CTDNN_CACHE_DIR", str(tmp_path / "cache"))
    return calls


def write_dcr_file(path: Path, n: int = 700, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    scipy.io.savemat(path, {"Y": rng.uniform(size=(3, n)), "C": rng.normal(size=(882, n))})


def only_record(results: Path) -> dict[str, Any]:
    (record,) = ResultsStore(results).records()
    return record


def test_real_dcr_file_replaces_a_standin_result(
    tmp_path: Path, fast_standin: list[int], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's reproduction: train on the stand-in, put DCR_Data.mat in the data directory, train again."""
    data, results = tmp_path / "data", tmp_path / "results"
    data.mkdir()
    argv = ["train", "--dataset", "dcr", "--data-dir", str(data), "--results-dir", str(results), *SMALL]
    assert main(argv) == 0
    first = only_record(results)
    assert first["dataset"]["standin"] and first["data_identity"]["standin"]
    assert first["data_identity"]["generator"]["version"] == dcr_standin.VERSION
    capsys.readouterr()

    write_dcr_file(data / "DCR_Data.mat")
    import ctdnn_bench.training.run as run_module

    real_train = run_module.train

    def train_checking_the_old_record(*args: Any, **kwargs: Any) -> Any:
        # while the new run trains, the old record is still there, whole
        assert ResultsStore(results).read(first["key"])["dataset"]["standin"] is True
        return real_train(*args, **kwargs)

    monkeypatch.setattr(run_module, "train", train_checking_the_old_record)
    assert main(argv) == 0
    monkeypatch.setattr(run_module, "train", real_train)
    err = capsys.readouterr().err
    assert "was trained on other data (stand-in data" in err and "now DCR_Data.mat sha256" in err
    second = only_record(results)
    assert second["key"] == first["key"] and not second["dataset"]["standin"]
    assert second["data_identity"]["files"] == {"DCR_Data.mat": sha256(data / "DCR_Data.mat")}
    assert not list((results / "runs").glob(".*"))

    mtime = ResultsStore(results).path(first["key"]).stat().st_mtime_ns
    assert main(argv) == 0  # same data: reused, not retrained
    assert ResultsStore(results).path(first["key"]).stat().st_mtime_ns == mtime
    assert "other data" not in capsys.readouterr().err

    write_dcr_file(data / "DCR_Data.mat", seed=1)  # edited in place
    assert main(argv) == 0
    assert only_record(results)["data_identity"]["files"]["DCR_Data.mat"] == sha256(data / "DCR_Data.mat")


def test_user_file_edited_in_place_is_recomputed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "mine.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x=rng.normal(size=(50, 3)), y=rng.normal(size=(50, 2)))
    cfg = RunConfig(dataset=str(data), model=ModelConfig(degree=1, n_steps=2, width=4), train=TrainConfig(epochs=1))
    assert [s["status"] for s in run_sweep([cfg], tmp_path / "r", workers=1, progress=False)] == ["ok"]
    assert [s["status"] for s in run_sweep([cfg], tmp_path / "r", workers=1, progress=False)] == ["skipped"]
    np.savez(data, x=rng.normal(size=(50, 3)), y=rng.normal(size=(50, 2)))
    capsys.readouterr()
    assert [s["status"] for s in run_sweep([cfg], tmp_path / "r", workers=1, progress=False)] == ["ok"]
    assert "trained on other data (mine.npz sha256" in capsys.readouterr().err
    assert only_record(tmp_path / "r")["data_identity"]["files"] == {"mine.npz": sha256(data)}


def test_identities() -> None:
    for name, file in (("elm", "NNERDS.mat"), ("cdr", "CDR_Data.mat")):
        assert data_identity(name) == {"files": {file: KNOWN_FILES[file][0]}, "standin": False, "generator": None}
    spiral = data_identity("spiral")
    assert spiral["generator"]["n_points"] == 500 and not spiral["standin"]
    with pytest.raises(DataError, match=r"absent\.npz does not exist"):
        data_identity("/nowhere/absent.npz")
    with pytest.raises(ConfigError, match="did you mean 'elm'"):
        data_identity("elmm")


def test_records_without_an_identity_are_judged_by_what_they_say(tmp_path: Path) -> None:
    """Records written before identities existed keep being reused where their dataset entry identifies the data."""
    fixture = Path(__file__).parent / "fixtures" / "report" / "results" / "runs"
    records = [json.loads(p.read_text()) for p in sorted(fixture.glob("*.json"))]
    elm = next(r for r in records if r["config"]["dataset"] == "elm")
    assert "data_identity" not in elm
    assert record_identity(elm) == data_identity("elm")
    standin = {
        **elm,
        "config": {**elm["config"], "dataset": "dcr"},
        "dataset": {"standin": True, "provenance": f"x; {dcr_standin.provenance()}"},
    }
    assert record_identity(standin) == data_identity("dcr", tmp_path)  # no DCR file in tmp_path: the stand-in
    real = {**standin, "dataset": {"standin": False, "provenance": "DCR_Data.mat (sha256 not pinned)"}}
    assert record_identity(real) is None  # unknown data: recomputed rather than trusted


def test_standin_cache_carries_a_checksum(tmp_path: Path, fast_standin: list[int]) -> None:
    y, c = dcr_standin.generate_cached(5, directory=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    with np.load(path) as f:
        assert str(f["sha256"]) == dcr_standin.checksum(y, c)
    dcr_standin.generate_cached(5, directory=tmp_path)
    assert fast_standin == [5]  # read back, not regenerated
    np.savez(path, y=y + 1, c=c, sha256=np.array(dcr_standin.checksum(y, c)))  # numbers changed, zip intact
    y2, _ = dcr_standin.generate_cached(5, directory=tmp_path)
    assert fast_standin == [5, 5] and np.array_equal(y2, y)
    np.savez(path, y=y, c=c)  # a cache written before checksums: regenerated once, then trusted
    dcr_standin.generate_cached(5, directory=tmp_path)
    dcr_standin.generate_cached(5, directory=tmp_path)
    assert fast_standin == [5, 5, 5]
