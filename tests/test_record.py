"""The typed run record (issue 9): built by a real training run, stored byte for byte as before, read back equal;
old records read and write back unchanged; a record of a newer schema is refused with a message naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ctdnn_bench.errors import ResultsError
from ctdnn_bench.models import ModelConfig
from ctdnn_bench.record import RECORD_KEYS, SCHEMA, RunRecord, tidy_row
from ctdnn_bench.runner import run_sweep
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.training.run import execute

FIXTURE_RUNS = Path(__file__).parent / "fixtures" / "report" / "results" / "runs"


def tiny(seed: int = 20) -> RunConfig:
    return RunConfig(
        dataset="cdr",
        model=ModelConfig(degree=1, n_steps=2, width=4),
        train=TrainConfig(epochs=1, batch_size=400),
        seed_init=seed,
        label="legendre d=1",
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run one tiny config alone and two stacked; return the records' file texts by key."""
    root = tmp_path_factory.mktemp("results")
    assert execute(tiny(), str(root), experiments=("custom",), profile="quick")["status"] == "ok"
    run_sweep([tiny(1), tiny(2)], root, workers=1, progress=False)
    return {p.stem: p.read_text() for p in sorted((root / "runs").glob("*.json"))}


def test_a_real_record_round_trips_byte_for_byte(stored: dict[str, str]) -> None:
    assert len(stored) == 3
    for key, text in stored.items():
        doc = json.loads(text)
        record = RunRecord.from_dict(doc, key)
        assert record.to_dict() == doc
        assert list(record.to_dict()) == list(doc)  # same key order: the same bytes when written again
        assert json.dumps(record.to_dict(), indent=1, allow_nan=True) == text
        assert RunRecord.from_dict(record.to_dict()) == record
        assert record.schema == SCHEMA and record.absent == frozenset() and record.extra == {}
        assert record.run_config().key() == key
        assert record.tidy_row() == tidy_row(doc)
        assert record.tidy_row()["label"] == "legendre d=1" and record.tidy_row()["domain"] == "symmetric"
    stacked = [json.loads(t) for t in stored.values() if "group" in json.loads(t)]
    assert len(stacked) == 2 and all(d["group"]["size"] == 2 for d in stacked)  # trained as one stacked model
    assert [k for k in RECORD_KEYS if k in stacked[0]] == list(stacked[0])


def test_the_store_writes_and_reads_run_records(stored: dict[str, str], tmp_path: Path) -> None:
    store = ResultsStore(tmp_path)
    records = [RunRecord.from_dict(json.loads(t)) for t in stored.values()]
    for r in records:
        store.write(r)
        assert store.path(r.key).read_text() == stored[r.key]
    assert sorted(store.run_records(), key=lambda r: r.key) == sorted(records, key=lambda r: r.key)
    assert list(store.table()["key"]) == sorted(stored)


def test_old_records_read_and_write_back_unchanged() -> None:
    paths = sorted(FIXTURE_RUNS.glob("*.json"))
    assert paths
    for path in paths:
        doc = json.loads(path.read_text())
        record = RunRecord.from_dict(doc, path.stem)
        assert record.to_dict() == doc, path.name
        # written before these keys existed: they stay absent rather than appear as nulls
        assert {"data_identity", "baseline"} <= record.absent
        assert record.tidy_row() == tidy_row(doc)
    doc = {**json.loads(paths[0].read_text()), "note": "from a future minor version"}
    assert RunRecord.from_dict(doc).to_dict() == doc  # unknown keys are kept


def test_records_that_cannot_be_read_are_refused_naming_the_problem(stored: dict[str, str]) -> None:
    key, text = next(iter(stored.items()))
    doc = json.loads(text)
    with pytest.raises(ResultsError, match=r"newer ctdnn_bench \(record schema 2; this version reads schema 1\)"):
        RunRecord.from_dict({**doc, "schema": 2})
    with pytest.raises(ResultsError, match="schema 'ctdnn-2'"):
        RunRecord.from_dict({**doc, "schema": "ctdnn-2"})
    with pytest.raises(ResultsError, match="does not match its file name"):
        RunRecord.from_dict(doc, "0" * 16)
    with pytest.raises(ResultsError, match="has no 'status'"):
        RunRecord.from_dict({k: v for k, v in doc.items() if k != "status"})
    with pytest.raises(ResultsError, match=r"final 'test_rel_err' is '0.1', not a number"):
        RunRecord.from_dict({**doc, "final": {**doc["final"], "test_rel_err": "0.1"}})
    with pytest.raises(ResultsError, match="not a run record"):
        RunRecord.from_dict([doc])
    assert RunRecord.from_dict(doc, key).key == key


def test_workers_receive_run_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ctdnn_bench import runner

    tasks: list[tuple[Any, ...]] = []

    def dispatch(args: list[tuple[Any, ...]], workers: int | None, scheduler: Any) -> Any:
        tasks.extend(args)
        yield from ()

    monkeypatch.setattr(runner, "_dispatch", dispatch)
    run_sweep([tiny(1), tiny(2), tiny(3)], tmp_path, workers=2, progress=False)
    groups = [task[0] for task in tasks]
    assert sum(len(g) for g in groups) == 3 and all(isinstance(c, RunConfig) for g in groups for c in g)
