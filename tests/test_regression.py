"""The CI regression check: committed baseline, moved metrics named with old and new values, helpful errors."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from ctdnn_bench.cli import main
from ctdnn_bench.errors import ResultsError
from ctdnn_bench.harness import baseline as harness_baseline
from ctdnn_bench.harness import metrics as harness_metrics
from ctdnn_bench.harness.metrics import Metrics
from ctdnn_bench.harness.timing import paired_ratio

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / harness_baseline.DEFAULT_BASELINE
SHARED_DATA = ROOT.parent / "shared" / "data"


def _data_dir() -> Path | None:
    """$CTDNN_DATA_DIR, else ../shared/data beside the checkout; None if ELM is in neither."""
    for d in (os.environ.get("CTDNN_DATA_DIR"), SHARED_DATA):
        if d and (Path(d) / "NNERDS.mat").is_file():
            return Path(d)
    return None


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    """Computed once for the module (about 5 s); without the ELM data, the training metrics are left out."""
    data_dir = _data_dir()
    return harness_metrics.compute_metrics(data_dir, training=data_dir is not None)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch, metrics: Metrics) -> Metrics:
    """Make the CLI reuse the module's metrics instead of computing them again."""
    monkeypatch.setattr(harness_metrics, "compute_metrics", lambda *args, **kwargs: dict(metrics))
    return metrics


def test_committed_baseline_matches(metrics: Metrics) -> None:
    baseline = harness_baseline.load_baseline(BASELINE)
    moved = harness_baseline.compare(baseline, metrics, partial=_data_dir() is None)
    assert not moved, "moved metrics (if deliberate: ctdnn-bench regress --update):\n" + "\n".join(map(str, moved))
    assert any(name.startswith("training/") for name in baseline), "the baseline must hold the short trainings"


def test_perturbed_baseline_fails_naming_the_metric(
    tmp_path: Path, computed: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(BASELINE.read_text())
    nfe = "case/node-legendre-d3-dopri5-otd/nfe_backward"
    cond = "conditioning/monomial-raw/d6/T10/cond_matrix"
    doc["metrics"][nfe] += 1
    doc["metrics"][cond] *= 1.01
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc))

    assert main(["regress", "--baseline", str(path), "--no-training"]) == 1
    err = capsys.readouterr().err
    moved = [line for line in err.splitlines() if line.startswith("MOVED")]
    assert moved[0] == f"MOVED {nfe}: {doc['metrics'][nfe]} -> {computed[nfe]} (tolerance exact)", err
    assert moved[1].startswith(f"MOVED {cond}: {doc['metrics'][cond]!r} -> {computed[cond]!r}"), err
    assert len(moved) == 2 and "regress --update" in err


def test_update_writes_a_baseline_that_then_passes(
    tmp_path: Path, computed: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sub" / "metrics.json"
    assert main(["regress", "--update", "--baseline", str(path)]) == 0
    assert harness_baseline.load_baseline(path) == computed
    assert main(["regress", "--baseline", str(path)]) == 0
    assert f"ok: {len(computed)} metrics match" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text",
    ["{not json", '{"schema": 1}', '{"schema": 1, "metrics": {"a": "12"}}', "[]"],
    ids=["syntax", "no-metrics", "not-a-number", "not-an-object"],
)
def test_malformed_baseline_says_how_to_regenerate(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(text)
    with pytest.raises(ResultsError, match=r"regress --update --baseline"):
        harness_baseline.load_baseline(path)
    assert main(["regress", "--baseline", str(path)]) == 2  # fails before computing anything
    assert "ctdnn-bench regress --update" in capsys.readouterr().err


def test_missing_baseline_says_how_to_regenerate(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match=r"no regression baseline at .*regress --update"):
        harness_baseline.load_baseline(tmp_path / "absent.json")


def test_tolerances() -> None:
    base = {"case/x/nfe_forward": 12, "training/x/test_rel_err": 0.5, "conditioning/x/cond_gram": 1e13}
    same = {"case/x/nfe_forward": 12, "training/x/test_rel_err": 0.5 * (1 + 1e-8), "conditioning/x/cond_gram": 1.001e13}
    assert harness_baseline.compare(base, same) == []  # cond 1e13 is only known to about 1e-2 in float64
    moved = harness_baseline.compare(base, {**same, "case/x/nfe_forward": 13, "training/x/test_rel_err": 0.5001})
    assert [m.name for m in moved] == ["case/x/nfe_forward", "training/x/test_rel_err"]
    assert "12 -> 13 (tolerance exact)" in str(moved[0])
    extra = harness_baseline.compare(base, {**same, "case/y/nfe_forward": 3})
    assert [str(m) for m in extra] == ["case/y/nfe_forward: new metric 3, not in the baseline"]
    assert harness_baseline.compare(base, {"case/x/nfe_forward": 12}, partial=True) == []
    assert len(harness_baseline.compare(base, {"case/x/nfe_forward": 12})) == 2


def test_paired_ratio_is_a_positive_number() -> None:
    ratio = paired_ratio(lambda: sum(range(100)), lambda: sum(range(100)), rounds=3)
    assert math.isfinite(ratio) and ratio > 0
