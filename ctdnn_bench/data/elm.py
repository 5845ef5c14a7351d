"""ELM: the E3SM land-model parameter ensemble ``NNERDS.mat`` (paper.md, section 3.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ctdnn_bench.data.dataset import SurrogateDataset
from ctdnn_bench.data.fetch import KNOWN_FILES, data_path, sha256
from ctdnn_bench.data.matfile import read_mat, require
from ctdnn_bench.errors import DataError

FILENAME = "NNERDS.mat"
SIZES = (1740, 497, 249)


def load_elm(data_dir: str | Path | None = None, *, seed: int = 42, base_url: str | None = None) -> SurrogateDataset:
    """Load ELM with the file's fixed split and the paper's normalization.

    Args:
        data_dir: directory holding ``NNERDS.mat``; default ``$CTDNN_DATA_DIR``, else download (see ``fetch``).
        seed: unused (the split is fixed by the file's ``idtrain``/``idval``/``idtest``); kept so that all
            loaders share one signature.
        base_url: download address override, see :func:`ctdnn_bench.data.fetch.data_path`.

    Returns:
        15 inputs mapped to [-1, 1] by ``x <- 2(x - mid)/(hi - lo)`` with the file's ``paramrange``; 10 targets
        scaled per output by ``y <- (y - min_train) / max_train(y - min_train)`` (training rows only), so the
        training targets span exactly [0, 1]. Sizes 1740 / 497 / 249.
    """
    del seed
    return elm_from_file(data_path(FILENAME, data_dir, base_url=base_url))


def elm_from_file(path: str | Path) -> SurrogateDataset:
    """Read and normalize an ``NNERDS.mat`` at ``path`` (no checksum); see :func:`load_elm`."""
    v = read_mat(path)
    require(v, path, {"xall": (None, 15), "yall": (None, 10), "paramrange": (15, 2)})
    x, y, prange = v["xall"].astype(np.float64), v["yall"].astype(np.float64), v["paramrange"]
    if len(x) != len(y):
        raise DataError(f"{path}: xall has {len(x)} rows but yall has {len(y)}")
    # MATLAB index sets are 1-based.
    idx = [np.asarray(v.get(k, np.empty(0)), dtype=np.int64).ravel() - 1 for k in ("idtrain", "idval", "idtest")]
    if tuple(map(len, idx)) != SIZES or min(map(np.min, idx)) < 0 or max(map(np.max, idx)) >= len(x):
        raise DataError(
            f"{path}: idtrain/idval/idtest must be 1-based row indices of sizes {SIZES}, got sizes "
            f"{tuple(map(len, idx))}; re-download {FILENAME} from {KNOWN_FILES[FILENAME][1]}"
        )
    lo, hi = prange[:, 0], prange[:, 1]
    x = 2.0 * (x - (lo + hi) / 2.0) / (hi - lo)
    train = idx[0]
    y = y - y[train].min(axis=0)
    scale = y[train].max(axis=0)
    y = y / np.where(scale > 0, scale, 1.0)  # a constant output column stays 0 instead of NaN
    return SurrogateDataset.from_indices(
        "elm",
        x,
        y,
        (idx[0], idx[1], idx[2]),
        description=(
            "ELM (E3SM land model) ensemble, 15 parameters -> 10 outputs; the file's fixed 1740/497/249 split; "
            "inputs mapped to [-1, 1] with paramrange, targets min-max scaled per output with training statistics"
        ),
        provenance=f"{path} (sha256 {sha256(path)})",
    )
