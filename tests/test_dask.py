"""Dask: absolute results directory, workers that cannot write, unreachable schedulers (issue 11, group 5)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ctdnn_bench import runner
from ctdnn_bench.cli import main
from ctdnn_bench.errors import ClusterError, ConfigError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import check_scheduler_address, run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

distributed = pytest.importorskip("distributed")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")


def tiny() -> RunConfig:
    return RunConfig(
        dataset="cdr", model=ModelConfig(degree=1, n_steps=2, width=4), train=TrainConfig(epochs=1, batch_size=400)
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


@needs_data
def test_relative_results_dir_is_resolved_before_work_is_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers started in another directory write where the client looks, not relative to their own cwd."""
    (tmp_path / "workers").mkdir()
    (tmp_path / "client").mkdir()
    monkeypatch.chdir(tmp_path / "workers")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        monkeypatch.chdir(tmp_path / "client")
        (summary,) = run_sweep([tiny()], "rel", data_dir=SHARED_DATA, scheduler=lc.scheduler_address, progress=False)
    assert summary["status"] == "ok"
    assert ResultsStore(tmp_path / "client" / "rel").has(tiny().key())
    assert not (tmp_path / "workers" / "rel").exists()


@needs_data
def test_workers_that_cannot_use_the_results_dir_stop_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one in-process worker shares this process' file system: make its probe answer as a worker on a machine
    # without the shared file system would
    monkeypatch.setattr(runner, "_probe_results_dir", lambda results_dir, token: "it does not see the directory")
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as lc,
        pytest.raises(ClusterError, match=r"1 of 1 Dask workers cannot use .*it does not see the directory"),
    ):
        run_sweep([tiny()], tmp_path / "r", data_dir=SHARED_DATA, scheduler=lc.scheduler_address, progress=False)
    assert not list((tmp_path / "r" / "runs").iterdir())  # no run was sent, no probe file left


def test_probe_names_the_problem(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.runs.mkdir()
    (store.runs / ".probe-1").write_text("")
    assert runner._probe_results_dir(str(tmp_path), ".probe-1") is None
    assert "does not see" in str(runner._probe_results_dir(str(tmp_path), ".probe-2"))


@needs_data
def test_unreachable_scheduler_exits_1_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ctdnn_bench.experiments import EXPERIMENTS

    monkeypatch.setattr(runner, "DASK_TIMEOUT_S", 1.0)
    monkeypatch.setitem(EXPERIMENTS, "tiny", lambda profile, seeds, protocol: [tiny()])
    address = f"tcp://127.0.0.1:{closed_port()}"
    assert main(["run", "tiny", "--results-dir", str(tmp_path), "--scheduler", address, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at {address} within 1 s" in err and "Traceback" not in err


@needs_data
def test_no_live_worker_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "DASK_TIMEOUT_S", 1.0)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as lc,
        pytest.raises(ClusterError, match=r"no Dask worker is alive at .* after 1 s"),
    ):
        run_sweep([tiny()], tmp_path, data_dir=SHARED_DATA, scheduler=lc.scheduler_address, progress=False)


@pytest.mark.parametrize(
    "address", ["tcp://head:8786", "tls://10.0.0.1:8786", "head:8786", "tcp://[::1]:8786", "ucx://node-3.cluster:1"]
)
def test_scheduler_addresses_accepted(address: str) -> None:
    assert check_scheduler_address(address) == address


@pytest.mark.parametrize(
    "address", ["head", "tcp://head", "http://head:8786", "tcp://head:0", "tcp://head:99999", 8786]
)
def test_malformed_scheduler_addresses_refused(address: object) -> None:
    with pytest.raises(ConfigError, match=f"like tcp://host:8786.*got {address!r}"):
        check_scheduler_address(address)
