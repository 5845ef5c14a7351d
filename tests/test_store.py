"""The results store tolerates foreign files and refuses newer schemas (issue 11, group 4); claim files keep
concurrent sweeps from computing a run twice (group 6)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ctdnn_bench import store as store_module
from ctdnn_bench.cli import main
from ctdnn_bench.data.identity import data_identity
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.record import record_problem
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

FIXTURE_RUNS = Path(__file__).parent / "fixtures" / "report" / "results" / "runs"
VALID = "01beed0668432fba"


def valid_record() -> dict[str, Any]:
    return json.loads((FIXTURE_RUNS / f"{VALID}.json").read_text())


def foreign_files() -> dict[str, bytes]:
    """File name -> content: each is a ``*.json`` that is not a usable run record of schema 1."""
    rec = valid_record()
    newer = {**rec, "schema": 99, "key": "b" * 16}
    other_schema = {**rec, "schema": "ctdnn-2", "key": "c" * 16}
    string_number = {**rec, "key": "d" * 16, "final": {**rec["final"], "test_rel_err": "0.1"}}
    bool_number = {**rec, "key": "e" * 16, "config": {**rec["config"], "seed_init": True}}
    return {
        "a" * 16 + ".json": b"[1, 2, 3]",
        "b" * 16 + ".json": json.dumps(newer).encode(),
        "c" * 16 + ".json": json.dumps(other_schema).encode(),
        "d" * 16 + ".json": json.dumps(string_number).encode(),
        "e" * 16 + ".json": json.dumps(bool_number).encode(),
        "f" * 16 + ".json": bytes(range(256)),
        "0" * 16 + ".json": json.dumps(rec).encode(),  # a valid record under another record's name
        "notes.json": b'"a string"',
    }


def populated(root: Path) -> ResultsStore:
    store = ResultsStore(root)
    store.runs.mkdir(parents=True)
    shutil.copy(FIXTURE_RUNS / f"{VALID}.json", store.runs)
    for name, content in foreign_files().items():
        (store.runs / name).write_bytes(content)
    return store


def test_records_skip_foreign_files_with_a_note_naming_each(tmp_path: Path) -> None:
    store = populated(tmp_path)
    notes: list[str] = []
    assert [r["key"] for r in store.records(notes)] == [VALID]
    assert len(notes) == len(foreign_files())
    for name in foreign_files():
        assert sum(name in n for n in notes) == 1, name
    text = "\n".join(notes)
    assert "newer ctdnn_bench (record schema 99; this version reads schema 1): refused" in text
    assert "not a run record (a JSON list" in text and "final 'test_rel_err' is '0.1', not a number" in text
    assert "does not match its file name" in text and "unreadable record " + "f" * 16 in text
    assert len(store.table()) == 1


def test_record_problem_accepts_every_fixture_record() -> None:
    for path in FIXTURE_RUNS.glob("*.json"):
        assert record_problem(json.loads(path.read_text()), path.stem) is None, path.name


def test_report_is_written_despite_foreign_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    populated(tmp_path / "results")
    argv = ["report", "--results-dir", str(tmp_path / "results"), "--report-dir", str(tmp_path / "report")]
    assert main([*argv, "--profile", "paper"]) == 0  # profile: no run to draw, so this stays fast
    html = (tmp_path / "report" / "index.html").read_text()
    assert "a" * 16 + ".json" in html and "record schema 99" in html


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> list[RunConfig]:
    from ctdnn_bench.experiments import EXPERIMENTS

    configs = [
        RunConfig(
            dataset="cdr",
            model=ModelConfig(degree=1, n_steps=2, width=4),
            train=TrainConfig(epochs=1, batch_size=400),
            seed_init=s,
            label=f"seed {s}",
        )
        for s in (1, 2)
    ]
    monkeypatch.setitem(EXPERIMENTS, "tiny", lambda profile, seeds, protocol: configs)
    return configs


def test_run_survives_foreign_files_and_refuses_a_newer_record(
    tmp_path: Path, tiny: list[RunConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    store = populated(tmp_path)
    newer = {**valid_record(), "schema": 2, "key": tiny[1].key()}
    store.path(tiny[1].key()).write_text(json.dumps(newer))
    argv = ["run", "tiny", "--results-dir", str(tmp_path), "--workers", "1", "--no-progress"]
    assert main(argv) == 1  # the refused run is reported as failed
    out, err = capsys.readouterr()
    assert "tiny: 2 runs (1 new, 0 already done, 0 new diverged, 1 failed)" in out
    assert f"{tiny[1].key()}.json" in err and "newer ctdnn_bench" in err
    assert "a" * 16 + ".json" in err  # the summary table's note on the foreign file
    assert json.loads(store.path(tiny[1].key()).read_text())["schema"] == 2  # neither used nor overwritten


# ------------------------------------------------------------------------------------------ stale records


def small_run() -> RunConfig:
    return RunConfig(
        dataset="cdr", model=ModelConfig(degree=1, n_steps=2, width=4), train=TrainConfig(epochs=1, batch_size=400)
    )


def test_a_junk_record_at_a_runs_key_is_recomputed_and_replaced(tmp_path: Path) -> None:
    cfg, store = small_run(), ResultsStore(tmp_path)
    store.runs.mkdir(parents=True)
    store.path(cfg.key()).write_text("{half a rec")
    (summary,) = run_sweep([cfg], tmp_path, workers=1, progress=False)
    assert summary["status"] == "ok"
    assert store.reusable(cfg.key(), data_identity("cdr"))
    assert sorted(p.name for p in store.runs.iterdir()) == [f"{cfg.key()}.json"]  # no claim or temporary left


# -------------------------------------------------------------------------------------------------- claims


def test_claim_is_exclusive_and_released(tmp_path: Path) -> None:
    a, b = ResultsStore(tmp_path), ResultsStore(tmp_path)
    assert a.claim("k") and not b.claim("k")
    a.release("k")
    assert not a.claim_path("k").exists() and b.claim("k")
    a.release("k")  # not a's claim any more: left alone
    assert b.claim_path("k").exists()


def write_claim(store: ResultsStore, key: str, *, pid: int, host: str, age: float = 0.0) -> None:
    path = store.claim_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host, "token": "x"}))
    then = time.time() - age
    os.utime(path, (then, then))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_claims_are_taken_over_and_live_ones_respected(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    here = socket.gethostname()
    write_claim(store, "dead", pid=dead_pid(), host=here)  # a process of this host that is gone
    write_claim(store, "old", pid=1, host="elsewhere", age=store_module.CLAIM_STALE_S + 5)  # no heartbeat
    write_claim(store, "live", pid=os.getppid(), host=here)
    write_claim(store, "remote", pid=1, host="elsewhere", age=5)  # another machine, refreshed recently
    assert store.claim("dead") and store.claim("old")
    assert not store.claim("live") and not store.claim("remote")
    assert not list(store.runs.glob("*.stale"))


def test_heartbeat_refreshes_a_long_claim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CLAIM_HEARTBEAT_S", 0.05)
    store = ResultsStore(tmp_path)
    with store.claimed("k") as mine:
        assert mine
        path = store.claim_path("k")
        os.utime(path, (0, 0))
        time.sleep(0.3)
        assert time.time() - path.stat().st_mtime < 5
    assert not path.exists()


def test_a_run_claimed_elsewhere_is_not_computed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, store = small_run(), ResultsStore(tmp_path)
    write_claim(store, cfg.key(), pid=os.getppid(), host=socket.gethostname())
    (summary,) = run_sweep([cfg], tmp_path, workers=1, progress=False)
    assert summary["status"] == "claimed" and not store.has(cfg.key())


def test_concurrent_sweeps_compute_each_run_once(tmp_path: Path) -> None:
    """Two sweeps over the same runs in one results directory: every run is computed by exactly one of them."""
    configs = [
        RunConfig(
            dataset="cdr",
            model=ModelConfig(degree=1, n_steps=2, width=4),
            train=TrainConfig(epochs=3, batch_size=100),
            seed_init=s,
        )
        for s in range(6)
    ]
    results: list[list[dict[str, Any]]] = [[], []]

    def sweep(i: int) -> None:
        order = configs if i == 0 else configs[::-1]  # the two meet in the middle
        results[i] = run_sweep(order, tmp_path, workers=1, progress=False)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    computed = [s["key"] for r in results for s in r if s["status"] == "ok"]
    assert sorted(computed) == sorted(c.key() for c in configs)  # each once, none twice
    assert not list(ResultsStore(tmp_path).runs.glob(".*"))


def test_full_disk_while_saving_exits_1_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module.os, "fsync", full)  # only the store syncs: the record's write fails
    argv = ["train", "--results-dir", str(tmp_path), "--dataset", "cdr", "--degree", "1", "--n-steps", "2"]
    assert main([*argv, "--width", "4", "--epochs", "1", "--batch-size", "400"]) == 1
    err = capsys.readouterr().err
    assert "ctdnn-bench train: error: No space left on device" in err and "Traceback" not in err
    assert not list((tmp_path / "runs").iterdir())  # no record, temporary file or claim
