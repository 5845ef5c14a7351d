"""``train`` and ``run`` give the same bits for the same key: both train on one thread (issue 11, group 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from ctdnn_bench.cli import main
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TIMING = {"train_time", "wall_time", "started", "finished", "environment", "experiments", "profile", "label"}


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k not in TIMING}
    out["history"] = {k: v for k, v in record["history"].items() if k != "train_time"}
    out["final"] = {k: v for k, v in record["final"].items() if k != "train_time"}
    return out


@pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")
def test_train_and_run_use_one_thread_and_agree_bit_for_bit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ctdnn_bench.training.run as run_module

    threads: list[int] = []
    real_train = run_module.train

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(torch.get_num_threads())
        return real_train(*args, **kwargs)

    monkeypatch.setattr(run_module, "train", spy)
    monkeypatch.setattr("os.cpu_count", lambda: 4)  # as on a 4-core machine, whatever this one has
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        flags = ["--dataset", "cdr", "--degree", "2", "--n-steps", "3", "--epochs", "2", "--width", "8"]
        assert main(["train", "--results-dir", str(tmp_path / "train"), *flags]) == 0
        cfg = RunConfig(
            dataset="cdr",
            model=ModelConfig(degree=2, n_steps=3, width=8),
            train=TrainConfig(epochs=2),
            label="legendre d=2",
        )
        torch.set_num_threads(4)
        (summary,) = run_sweep([cfg], tmp_path / "run", workers=1, progress=False)
    finally:
        torch.set_num_threads(previous)
    assert threads == [1, 1]
    assert summary["status"] == "ok"
    from_train = ResultsStore(tmp_path / "train").read(cfg.key())
    from_run = ResultsStore(tmp_path / "run").read(cfg.key())
    assert comparable(from_train) == comparable(from_run)
