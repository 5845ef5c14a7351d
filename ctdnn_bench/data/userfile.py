"""A user's own data set: a ``.npz`` or ``.mat`` file holding inputs and targets."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ctdnn_bench.data.dataset import SurrogateDataset
from ctdnn_bench.data.fetch import sha256
from ctdnn_bench.data.matfile import read_mat
from ctdnn_bench.data.preprocess import split_indices, zscore
from ctdnn_bench.errors import DataError

NAME_PAIRS = (("x", "y"), ("X", "Y"))
SUFFIXES = (".npz", ".mat")


def _read(path: Path) -> dict[str, np.ndarray]:
    if path.suffix == ".mat":
        return read_mat(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    # an empty file ends in EOFError, a truncated one in BadZipFile
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read {path} as a numpy .npz archive ({exc})") from exc


def _orient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows as samples: keep if the row counts agree, else transpose if the column counts agree."""
    x, y = (a.reshape(-1, 1) if a.ndim == 1 else a for a in (x, y))
    if x.ndim != 2 or y.ndim != 2:
        return None
    if x.shape[0] == y.shape[0]:
        return x, y
    if x.shape[1] == y.shape[1]:  # MATLAB convention: one sample per column
        return x.T, y.T
    return None


def load_user_file(path: str | Path, *, seed: int = 42) -> SurrogateDataset:
    """Load inputs and targets from ``path`` and split them 60 / 20 / 20 at random.

    Args:
        path: a ``.npz`` or ``.mat`` file with a pair of arrays named ``x``/``y`` or ``X``/``Y`` (inputs,
            targets). Samples may be rows (n, n_in)/(n, n_out) or columns (n_in, n)/(n_out, n); the orientation
            in which the sample counts agree is used, rows first. 1-D arrays are one feature.
        seed: seed of the split (``numpy.random.default_rng(seed).permutation``).

    Returns:
        Inputs z-scored with training statistics, targets raw; named after the file's stem.

    Raises:
        DataError: missing or unreadable file, no usable x/y pair (the message lists the variables found).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"data file {path} does not exist; give the path of a .npz or .mat file")
    if path.suffix not in SUFFIXES:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; save x and y as .npz or .mat")
    variables = _read(path)
    pair = next((p for p in NAME_PAIRS if set(p) <= variables.keys()), None)
    oriented = _orient(variables[pair[0]], variables[pair[1]]) if pair else None
    if oriented is None:
        found = ", ".join(f"{k} {np.shape(v)}" for k, v in variables.items()) or "none"
        raise DataError(
            f"{path}: need inputs and targets named x and y (or X and Y) whose sample counts agree along rows "
            f"or columns; found: {found}"
        )
    try:
        x, y = (np.asarray(a, dtype=np.float64) for a in oriented)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{path}: x and y must be numeric arrays ({exc})") from exc
    n = len(x)
    if n < 5:
        raise DataError(f"{path}: only {n} samples; a 60/20/20 split needs at least 5")
    idx = split_indices(n, round(0.6 * n), round(0.2 * n), seed)
    return SurrogateDataset.from_indices(
        path.stem,
        zscore(x, idx[0]),
        y,
        idx,
        description=(
            f"user file {path.name}: {x.shape[1]} inputs -> {y.shape[1]} targets, seeded 60/20/20 split "
            f"(numpy seed {seed}); inputs z-scored with training statistics, targets raw"
        ),
        provenance=f"{path.resolve()} (sha256 {sha256(path)})",
    )
