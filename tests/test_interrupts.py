"""Ctrl-C as a terminal sends it: SIGINT to the whole process group, workers included (issue 11, group 2).

The first Ctrl-C lets every run in progress finish and save its record; the second stops at once, leaving no
partial record, claim or temporary file, and no worker behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")


def sweep_script(results: Path, epochs: int, n_runs: int, group_size: int = 1) -> str:
    return f"""
import sys
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.training import RunConfig, TrainConfig
configs = [RunConfig(dataset="cdr", model=ModelConfig(n_steps=4, degree=2), train=TrainConfig(epochs={epochs}),
                     seed_init=s) for s in range({n_runs})]
try:
    run_sweep(configs, {str(results)!r}, data_dir={str(SHARED_DATA)!r}, workers=2, progress=False,
              group_size={group_size})
except KeyboardInterrupt:
    sys.exit(130)
"""


def start_sweep(results: Path, epochs: int, n_runs: int, group_size: int = 1) -> subprocess.Popen[str]:
    """A sweep in its own process group (its own session), as a shell job in a terminal."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", sweep_script(results, epochs, n_runs, group_size)],
        start_new_session=True,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def claims(runs: Path) -> set[str]:
    return {p.name[1:-6] for p in runs.glob(".*.claim")}


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(("group_size", "n_runs"), [(1, 8), (4, 12)], ids=["alone", "stacked"])
def test_ctrl_c_in_a_terminal_saves_the_runs_in_progress(tmp_path: Path, group_size: int, n_runs: int) -> None:
    """Two workers: two runs (alone) or two stacked groups of four (eight runs) are in progress at Ctrl-C."""
    runs = tmp_path / "runs"
    proc = start_sweep(tmp_path, epochs=25 if group_size == 1 else 60, n_runs=n_runs, group_size=group_size)
    try:
        wait_for(lambda: len(claims(runs)) == 2 * group_size, 180, "two tasks in progress")
        in_progress = claims(runs)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "finishing the runs in progress" in err and "Traceback" not in err
    saved = {r["key"] for r in ResultsStore(tmp_path).records()}
    assert in_progress <= saved, "a run in progress at Ctrl-C was lost"
    assert len(saved) < n_runs  # and it stopped: no new run was started after Ctrl-C
    assert not list(runs.glob(".*"))  # no claim or temporary file left
    wait_for(lambda: group_is_gone(proc.pid), 30, "the workers to exit")


def test_second_ctrl_c_stops_at_once_without_partial_records(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    proc = start_sweep(tmp_path, epochs=5000, n_runs=4)  # minutes per run: only "at once" ends this test quickly
    try:
        wait_for(lambda: len(claims(runs)) == 2, 180, "two runs in progress")
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)
        start = time.monotonic()
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert took < 30 and "Traceback" not in err
    assert not list(runs.glob("*.json")) and not list(runs.glob(".*"))  # no record, claim or temporary file
    wait_for(lambda: group_is_gone(proc.pid), 30, "the workers to exit")  # none left training in the background


def test_ctrl_c_in_process_finishes_the_current_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """workers=1: the run in progress when Ctrl-C arrives is finished and saved, then the sweep stops."""
    import ctdnn_bench.training.run as run_module

    real_train = run_module.train

    def train_then_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of the first run
        return real_train(*args, **kwargs)

    monkeypatch.setattr(run_module, "train", train_then_ctrl_c)
    configs = [
        RunConfig(
            dataset="cdr", model=ModelConfig(degree=1, n_steps=2, width=4), train=TrainConfig(epochs=1), seed_init=s
        )
        for s in range(3)
    ]
    with pytest.raises(KeyboardInterrupt):
        run_sweep(configs, tmp_path, data_dir=SHARED_DATA, workers=1, progress=False, group_size=1)
    assert [r["key"] for r in ResultsStore(tmp_path).records()] == [configs[0].key()]
    assert not list((tmp_path / "runs").glob(".*"))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
