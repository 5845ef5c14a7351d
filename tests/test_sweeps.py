"""Results store, experiments, and the sweep runner (in process, process pool, Dask LocalCluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ctdnn_bench.cli import PROFILE_NAMES
from ctdnn_bench.errors import ConfigError, DataError, ResultsError
from ctdnn_bench.experiments import EXPERIMENTS, PROFILES, experiment_configs
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")

# results that must not depend on where or when a run was executed
TIMING = {"train_time", "wall_time", "started", "finished", "environment"}


def tiny_configs() -> list[RunConfig]:
    train = TrainConfig(epochs=2, batch_size=64)
    return [
        RunConfig(
            dataset="cdr",
            model=ModelConfig(architecture=a, basis=b, degree=d, n_steps=4),
            train=train,
            label=f"{a} {b}",
        )
        for a, b, d in (("resnet", "legendre", 2), ("hamiltonian", "monomial", 2), ("resnet", "static", 0))
    ]


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k not in TIMING | {"experiments", "profile"}}
    out["history"] = {k: v for k, v in record["history"].items() if k != "train_time"}
    out["final"] = {k: v for k, v in record["final"].items() if k != "train_time"}
    return out


def test_store_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    store.write({"key": "abc", "value": 1})
    store.write({"key": "abc", "value": 2})
    assert store.read("abc")["value"] == 1
    assert [p.name for p in store.runs.iterdir()] == ["abc.json"]  # no temporary files left behind
    (store.runs / "bad.json").write_text("{not json")
    with pytest.raises(ResultsError, match="delete it to recompute"):
        store.read("bad")


def test_unwritable_results_dir_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ResultsError, match="not writable"):
        ResultsStore(blocker).check_writable()


def test_sweep_writes_records_resumes_and_tabulates(tmp_path: Path) -> None:
    configs = tiny_configs()
    first = run_sweep(configs[:1], tmp_path, data_dir=SHARED_DATA, workers=1, progress=False)
    assert [s["status"] for s in first] == ["ok"]
    again = run_sweep(configs, tmp_path, data_dir=SHARED_DATA, workers=1, progress=False)
    assert sorted(s["status"] for s in again) == ["ok", "ok", "skipped"]  # the finished run is not redone
    df = ResultsStore(tmp_path).table()
    assert len(df) == 3 and set(df["dataset"]) == {"cdr"}
    assert set(df["theta"]) == {840 + 3 * 240, 840 + 240}  # encoder 55*15+15; 15*15+15 per coefficient
    assert (df["test_rel_err"] > 0).all()


def test_process_pool_and_dask_match_in_process_runs(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    configs = tiny_configs()
    run_sweep(configs, tmp_path / "local", data_dir=SHARED_DATA, workers=1, progress=False)
    run_sweep(configs, tmp_path / "pool", data_dir=SHARED_DATA, workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        # the address string, as `ctdnn-bench run --scheduler tcp://...` passes it
        run_sweep(configs, tmp_path / "dask", data_dir=SHARED_DATA, scheduler=lc.scheduler_address, progress=False)
    for c in configs:
        ref = comparable(ResultsStore(tmp_path / "local").read(c.key()))
        for where in ("pool", "dask"):
            assert comparable(ResultsStore(tmp_path / where).read(c.key())) == ref, where


def test_bad_data_fails_before_any_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((10, 3)), y=np.zeros((9, 2)))
    results = tmp_path / "results"
    run = RunConfig(dataset=str(bad), model=ModelConfig(), train=TrainConfig(epochs=1))
    with pytest.raises(DataError):
        run_sweep([run], results, workers=1, progress=False)
    assert not list((results / "runs").glob("*.json"))


def test_experiment_grids() -> None:
    t2 = experiment_configs("table2", "quick")
    assert len(t2) == 3 * 3 * 7 * 3 + 3 * 7 * 2 and len({c.key() for c in t2}) == len(t2)  # gnvpro: CDR, 2 archs
    assert {c.key() for c in experiment_configs("table3", "quick")} <= {c.key() for c in t2}
    none = next(c for c in t2 if c.label == "none")
    assert (none.model.basis, none.model.degree, none.model.n_steps) == ("piecewise_constant", 11, 12)
    paper = experiment_configs("table2", "paper")
    assert {c.train.epochs for c in paper if c.train.optimizer == "adam"} == {10_000} and len(paper) == 6 * (
        3 * 3 * 7 * 3 + 3 * 3 * 7 * 2
    )
    assert {(c.train.work_units, c.train.epochs) for c in paper if c.train.optimizer == "gnvpro"} == {(4000, 0)}
    assert {c.seed_init for c in experiment_configs("node", "quick", seeds=(7, 8))} == {7, 8}
    v1 = experiment_configs("table2", "quick", protocol="v1")[0]
    assert v1.train.loss_tol == 0.01 and v1.model.decoder_init == "randn" and not v1.train.decoder_warm_start
    assert v1.train.optimizer == "adam_meganet" and t2[0].train.optimizer == "adam"
    assert set(EXPERIMENTS) == {"table2", "table3", "node", "table4", "factorial"}
    assert tuple(PROFILES) == PROFILE_NAMES  # the CLI names them without importing torch
    standard = experiment_configs("table2", "standard")
    adam = [c for c in standard if c.train.optimizer == "adam"]
    assert len({c.seed_init for c in standard}) >= 5 and {c.train.epochs for c in adam} == {200, 500}
    assert len({c.seed_init for c in experiment_configs("node", "standard")}) >= 3
    with pytest.raises(ConfigError, match="did you mean 'table2'"):
        experiment_configs("tabel2")
    with pytest.raises(ConfigError, match="profile"):
        experiment_configs("table2", "full")


def test_config_round_trip_and_key() -> None:
    c = tiny_configs()[0]
    again = RunConfig.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c and again.key() == c.key()
    assert RunConfig.from_dict({**c.to_dict(), "label": "other"}).key() == c.key()  # labels do not change results
    with pytest.raises(ConfigError, match="unknown TrainConfig field"):
        RunConfig.from_dict({"train": {"epoch": 3}})


def test_interrupted_sweep_saves_finished_runs_and_resumes(tmp_path: Path) -> None:
    """SIGINT to the sweep's process: the runs in progress finish, the command exits, a rerun does the rest."""
    import signal
    import subprocess
    import sys
    import time

    script = f"""
import sys
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.training import RunConfig, TrainConfig
configs = [RunConfig(dataset="cdr", model=ModelConfig(n_steps=4, degree=d % 4), train=TrainConfig(epochs=4 + d))
           for d in range(12)]
try:
    run_sweep(configs, {str(tmp_path)!r}, data_dir={str(SHARED_DATA)!r}, workers=2, progress=False)
except KeyboardInterrupt:
    sys.exit(130)
"""
    runs = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    while not (runs.is_dir() and list(runs.glob("*.json"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130  # exits once the (at most 2) runs in flight are done
    saved = {p.name for p in runs.glob("*.json")}
    assert 1 <= len(saved) < 12 and not list(runs.glob(".*"))  # no half-written files
    assert subprocess.run([sys.executable, "-c", script], timeout=300).returncode == 0
    assert len(list(runs.glob("*.json"))) == 12 and saved <= {p.name for p in runs.glob("*.json")}


def test_factorial_grid() -> None:
    from ctdnn_bench.experiments import REPRODUCED

    cfgs = experiment_configs("factorial", "quick", seeds=(20, 0))
    # 3 bases x (raw: 2 regularizers x 2 lr treatments; unit, symmetric: 2 regularizers) x 2 data sets x 2 T x 2 seeds
    assert len(cfgs) == 3 * (4 + 2 + 2) * 2 * 2 * 2
    assert len({c.key() for c in cfgs}) == len(cfgs)
    assert {c.train.lr_scaling for c in cfgs if c.model.domain != "raw"} == {"none"}
    assert {(c.model.architecture, c.model.degree) for c in cfgs} == {("resnet", 3)}
    # the Table-2 cells are the Table-2 runs (same key, same label)
    t2 = {c.key(): c.label for c in experiment_configs("table2", "quick", seeds=(20, 0))}
    shared = {c.key(): c.label for c in cfgs if c.key() in t2}
    assert len(shared) == 3 * 2 * 2 * 2 and all(t2[k] == v for k, v in shared.items())
    assert "factorial" not in REPRODUCED
    assert experiment_configs("factorial", "quick", protocol="v1")[0].train.optimizer == "adam"
