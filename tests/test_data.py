"""Data containers, the ELM and CDR loaders (against the authors' files), user files and the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from ctdnn_bench.data import (
    DATASETS,
    TASKS,
    SurrogateDataset,
    TrajectoryDataset,
    check_dataset,
    dataset_task,
    load_cdr,
    load_dataset,
    load_elm,
    load_user_file,
)
from ctdnn_bench.data.cdr import read_cdr
from ctdnn_bench.data.elm import elm_from_file
from ctdnn_bench.data.preprocess import zscore
from ctdnn_bench.errors import ConfigError, DataError

# CI clones the repository with shared/ beside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_files = pytest.mark.skipif(
    not (SHARED_DATA / "NNERDS.mat").is_file() or not (SHARED_DATA / "CDR_Data.mat").is_file(),
    reason=f"NNERDS.mat / CDR_Data.mat not found in {SHARED_DATA} (the shared/ directory beside the repository)",
)


def rel_err(pred: np.ndarray, true: np.ndarray) -> float:
    """Per-sample relative L2 error, averaged over samples (the paper's MATLAB metric)."""
    return float(np.mean(np.linalg.norm(pred - true, axis=1) / np.linalg.norm(true, axis=1)))


def linear_baseline(ds: SurrogateDataset) -> tuple[float, float]:
    """(train, test) error of the least-squares affine map fitted on the training split."""
    aug = [np.c_[x, np.ones(len(x))] for x in (ds.x_train, ds.x_test)]
    w = np.linalg.lstsq(aug[0], ds.y_train, rcond=None)[0]
    return rel_err(aug[0] @ w, ds.y_train), rel_err(aug[1] @ w, ds.y_test)


def mean_baseline(ds: SurrogateDataset) -> float:
    return rel_err(np.broadcast_to(ds.y_train.mean(axis=0), ds.y_test.shape), ds.y_test)


def small_dataset(**overrides: object) -> SurrogateDataset:
    rng = np.random.default_rng(0)
    arrays = {
        f"{v}_{s}": rng.normal(size=(n, d))
        for s, n in (("train", 6), ("val", 3), ("test", 2))
        for v, d in (("x", 4), ("y", 2))
    }
    kwargs: dict = {"name": "toy", **arrays, "description": "toy", "provenance": "test"}
    return SurrogateDataset(**{**kwargs, **overrides})


# --- the container -------------------------------------------------------------------------------------------


def test_dataset_properties_and_split() -> None:
    ds = small_dataset()
    assert (ds.n_in, ds.n_out, ds.sizes) == (4, 2, (6, 3, 2))
    x, y = ds.split("val")
    assert x is ds.x_val and y is ds.y_val
    with pytest.raises(ConfigError, match=r"unknown split 'valid'.*did you mean 'val'"):
        ds.split("valid")


def test_dataset_converts_to_float64() -> None:
    ds = small_dataset(x_train=np.ones((6, 4), dtype=np.float32))
    assert ds.x_train.dtype == np.float64 and ds.x_train.flags.c_contiguous


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("y_val", np.zeros((4, 2)), "val split: x has 3 rows but y has 4"),
        ("x_test", np.zeros((2, 5)), "test split: feature counts 5/2 differ"),
        ("y_train", np.zeros(6), "must be 2-D"),
        ("x_val", np.full((3, 4), np.nan), "val split: contains NaN"),
        ("x_train", np.zeros((0, 4)), None),
    ],
)
def test_dataset_rejects_bad_arrays(field: str, value: np.ndarray, match: str | None) -> None:
    if field == "x_train":  # an empty train split with a matching empty y
        with pytest.raises(DataError, match="train split is empty"):
            small_dataset(x_train=value, y_train=np.zeros((0, 2)))
        return
    with pytest.raises(DataError, match=match):
        small_dataset(**{field: value})


# --- ELM -----------------------------------------------------------------------------------------------------


@needs_files
def test_elm_split_and_normalization() -> None:
    ds = load_elm(SHARED_DATA)
    assert (ds.name, ds.n_in, ds.n_out, ds.sizes, ds.standin) == ("elm", 15, 10, (1740, 497, 249), False)
    x_all = np.concatenate([ds.x_train, ds.x_val, ds.x_test])
    assert x_all.min() >= -1.0 and x_all.max() <= 1.0
    assert x_all.min() < -0.999 and x_all.max() > 0.999  # the ranges are actually used, not shrunk
    np.testing.assert_allclose(ds.y_train.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(ds.y_train.max(axis=0), 1.0, rtol=1e-15)
    # The fixed split is a partition of the 2486 samples: no row appears twice.
    rows = np.concatenate([np.c_[ds.x_train, ds.y_train], np.c_[ds.x_val, ds.y_val], np.c_[ds.x_test, ds.y_test]])
    assert len(np.unique(rows, axis=0)) == 2486


@needs_files
def test_elm_trivial_baselines_match_paper() -> None:
    ds = load_elm(SHARED_DATA)
    train, test = linear_baseline(ds)
    assert test == pytest.approx(0.375, abs=0.005)  # paper.md section 3.1: 0.375 (0.400 on train)
    assert train == pytest.approx(0.400, abs=0.005)
    assert mean_baseline(ds) == pytest.approx(0.779, abs=0.005)


def test_elm_rejects_wrong_shapes(tmp_path: Path) -> None:
    path = tmp_path / "NNERDS.mat"
    scipy.io.savemat(path, {"xall": np.zeros((20, 14)), "yall": np.zeros((20, 10)), "paramrange": np.ones((15, 2))})
    with pytest.raises(DataError, match=r"'xall' has shape \(20, 14\), expected nx15"):
        elm_from_file(path)
    scipy.io.savemat(path, {"xall": np.zeros((20, 15)), "yall": np.zeros((20, 10)), "paramrange": np.ones((15, 2))})
    with pytest.raises(DataError, match="idtrain/idval/idtest must be 1-based row indices"):
        elm_from_file(path)


# --- CDR -----------------------------------------------------------------------------------------------------


@needs_files
def test_cdr_raw_file() -> None:
    y, c = read_cdr(SHARED_DATA / "CDR_Data.mat")
    assert y.shape == (800, 55) and c.shape == (800, 72)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-5)  # every input is a composition (paper 3.2)
    assert c.min() > 10.9 and c.max() < 67.0


@needs_files
def test_cdr_split_normalization_and_baseline() -> None:
    ds = load_cdr(SHARED_DATA, seed=42)
    assert (ds.n_in, ds.n_out, ds.sizes) == (55, 72, (400, 200, 200))
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1.0, rtol=1e-12)
    assert abs(ds.x_test.mean()) > 1e-6  # test inputs use the training statistics, not their own
    _, c = read_cdr(SHARED_DATA / "CDR_Data.mat")
    np.testing.assert_array_equal(
        np.sort(np.concatenate([ds.y_train, ds.y_val, ds.y_test]), axis=0), np.sort(c, axis=0)
    )
    train, test = linear_baseline(ds)
    assert 0.02 < test < 0.05 and 0.02 < train < 0.035  # paper: 0.035 (0.027 on train), different seed
    assert 0.12 < mean_baseline(ds) < 0.19  # paper: 0.152


@needs_files
def test_cdr_baselines_reproduce_paper_on_its_split() -> None:
    """paper.md's CDR numbers come from numpy's legacy RandomState(0) permutation; rebuild that split exactly."""
    y, c = read_cdr(SHARED_DATA / "CDR_Data.mat")
    perm = np.random.RandomState(0).permutation(800)  # the legacy generator, on purpose
    tr, va, te = perm[:400], perm[400:600], perm[600:]
    ds = SurrogateDataset.from_indices("cdr", zscore(y, tr), c, (tr, va, te), description="", provenance="")
    train, test = linear_baseline(ds)
    assert test == pytest.approx(0.035, abs=0.001) and train == pytest.approx(0.027, abs=0.001)
    assert mean_baseline(ds) == pytest.approx(0.152, abs=0.001)


@needs_files
def test_cdr_seed_and_target_option() -> None:
    a, b, c = load_cdr(SHARED_DATA, seed=1), load_cdr(SHARED_DATA, seed=1), load_cdr(SHARED_DATA, seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)
    z = load_cdr(SHARED_DATA, seed=1, normalize_targets=True)
    np.testing.assert_allclose(z.y_train.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_array_equal(z.x_test, a.x_test)


# --- user files and the registry -----------------------------------------------------------------------------


def test_user_npz_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 2.0, size=(50, 4))
    y = np.c_[np.arange(50.0), rng.normal(size=50)]  # column 0 remembers each sample's row
    np.savez(tmp_path / "mine.npz", x=x, y=y)
    ds = load_user_file(tmp_path / "mine.npz", seed=7)
    assert (ds.name, ds.sizes, ds.n_in, ds.n_out) == ("mine", (30, 10, 10), 4, 2)
    rows = {s: ds.split(s)[1][:, 0].astype(int) for s in ("train", "val", "test")}
    assert sorted(np.concatenate(list(rows.values()))) == list(range(50))  # a partition
    for s in ("train", "val", "test"):
        np.testing.assert_array_equal(ds.split(s)[1], y[rows[s]])  # targets raw
        # Inputs z-scored with the statistics of the training rows only.
        expect = (x[rows[s]] - x[rows["train"]].mean(axis=0)) / x[rows["train"]].std(axis=0)
        np.testing.assert_allclose(ds.split(s)[0], expect, rtol=1e-12, atol=1e-12)
    again = load_user_file(tmp_path / "mine.npz", seed=7)
    np.testing.assert_array_equal(again.y_val, ds.y_val)


def test_user_mat_columns_are_samples(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    scipy.io.savemat(tmp_path / "cols.mat", {"X": rng.normal(size=(3, 40)), "Y": rng.normal(size=(5, 40))})
    ds = load_dataset(str(tmp_path / "cols.mat"))
    assert (ds.n_in, ds.n_out, ds.sizes) == (3, 5, (24, 8, 8))


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"inputs": np.zeros((10, 2)), "targets": np.zeros((10, 1))}, r"found: inputs \(10, 2\), targets \(10, 1\)"),
        ({"x": np.zeros((10, 2)), "y": np.zeros((9, 3))}, r"sample counts agree.*found: x \(10, 2\), y \(9, 3\)"),
    ],
)
def test_user_file_without_usable_pair(tmp_path: Path, arrays: dict, match: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=match):
        load_user_file(tmp_path / "bad.npz")


def test_user_file_missing_or_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_user_file(tmp_path / "nope.npz")
    (tmp_path / "data.csv").write_text("1,2\n")
    with pytest.raises(DataError, match=r"unsupported file type '.csv'"):
        load_user_file(tmp_path / "data.csv")


def test_registry_and_dispatch(tmp_path: Path) -> None:
    assert sorted(DATASETS) == ["cdr", "dcr", "elm", "spiral"]
    assert {name: spec.task for name, spec in DATASETS.items()} == {
        "elm": "surrogate",
        "cdr": "surrogate",
        "dcr": "surrogate",
        "spiral": "trajectory",
    }
    assert all(spec.task in TASKS for spec in DATASETS.values())
    with pytest.raises(ConfigError, match=r"unknown data set 'elmm'.*did you mean 'elm'"):
        load_dataset("elmm")
    with pytest.raises(ConfigError, match=r"'spiral' is a trajectory task"):
        load_dataset("spiral")
    np.savez(tmp_path / "a.npz", x=np.arange(20.0), y=np.arange(20.0) ** 2)
    ds = load_dataset(str(tmp_path / "a.npz"), seed=0)
    assert (ds.n_in, ds.n_out, ds.sizes) == (1, 1, (12, 4, 4))


@needs_files
def test_load_dataset_by_name_matches_loader() -> None:
    a, b = load_dataset("cdr", data_dir=SHARED_DATA, seed=3), load_cdr(SHARED_DATA, seed=3)
    np.testing.assert_array_equal(a.x_val, b.x_val)
    np.testing.assert_array_equal(a.y_test, b.y_test)


def test_name_validation_uses_the_registry(tmp_path: Path) -> None:
    from ctdnn_bench.data.identity import data_identity

    # every registered name is accepted, by the loader's check and by the identity every run records
    for name in DATASETS:
        assert check_dataset(name) is DATASETS[name]
        assert isinstance(data_identity(name), dict)
    assert check_dataset(str(tmp_path / "mine.npz")) is None and dataset_task("mine.mat") == "surrogate"
    assert dataset_task("spiral") == "trajectory"
    for check in (check_dataset, data_identity):
        with pytest.raises(ConfigError) as exc:
            check("spirl")
        message = str(exc.value)
        assert "unknown data set 'spirl'" in message and "did you mean 'spiral'" in message
        assert all(name in message for name in DATASETS)  # names every registered data set


def test_spiral_loads_through_the_registry() -> None:
    spiral = DATASETS["spiral"].load(None)
    assert isinstance(spiral, TrajectoryDataset) and spiral.y.shape == (500, 2)
