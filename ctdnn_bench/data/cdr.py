"""CDR: convection-diffusion-reaction parameter-to-observation data ``CDR_Data.mat`` (paper.md, sections 3.2, 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ctdnn_bench.data.dataset import SurrogateDataset
from ctdnn_bench.data.fetch import KNOWN_FILES, data_path
from ctdnn_bench.data.matfile import read_mat, require
from ctdnn_bench.data.preprocess import split_indices, zscore
from ctdnn_bench.errors import DataError

FILENAME = "CDR_Data.mat"


def read_cdr(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The raw arrays of a ``CDR_Data.mat`` with rows as samples: Y (800, 55) reaction weights, C (800, 72)."""
    v = read_mat(path)
    require(v, path, {"Y": (55, None), "C": (72, None)})
    if v["Y"].shape[1] != v["C"].shape[1]:
        raise DataError(f"{path}: Y has {v['Y'].shape[1]} samples (columns) but C has {v['C'].shape[1]}")
    # The file stores one sample per column.
    return v["Y"].T.astype(np.float64), v["C"].T.astype(np.float64)


def load_cdr(
    data_dir: str | Path | None = None,
    *,
    seed: int = 42,
    normalize_targets: bool = False,
    base_url: str | None = None,
) -> SurrogateDataset:
    """Load CDR with a seeded 400/200/200 split; inputs z-scored with training statistics.

    Args:
        data_dir: directory holding ``CDR_Data.mat``; default ``$CTDNN_DATA_DIR``, else download.
        seed: seed of ``numpy.random.default_rng(seed).permutation``. Not bit-identical to the paper's MATLAB
            ``rng(42); randperm(800)``, so errors differ slightly from the paper's split.
        normalize_targets: also z-score the 72 targets (training statistics); default raw, as in the paper.
        base_url: download address override.

    Returns:
        55 inputs -> 72 targets, sizes 400 / 200 / 200.
    """
    y_raw, c_raw = read_cdr(data_path(FILENAME, data_dir, base_url=base_url))
    idx = split_indices(len(y_raw), 400, 200, seed)
    c = zscore(c_raw, idx[0]) if normalize_targets else c_raw
    return SurrogateDataset.from_indices(
        "cdr",
        zscore(y_raw, idx[0]),
        c,
        idx,
        description=(
            "CDR (convection-diffusion-reaction PDE, Newman et al.), 55 reaction weights -> 72 observations; "
            f"seeded 400/200/200 split (numpy seed {seed}); inputs z-scored with training statistics; targets "
            + ("z-scored with training statistics" if normalize_targets else "raw")
        ),
        provenance=f"{FILENAME} (sha256 {KNOWN_FILES[FILENAME][0]}), authors' repository at commit 218b73f",
    )
