"""Data sets: ELM, CDR, DCR (or its generated stand-in), the spiral ODE task and users' own files.

``DATASETS`` maps each registry name to its loader; :func:`load_dataset` also accepts a file path.
Every surrogate loader returns a :class:`SurrogateDataset` (rows are samples, already normalized).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ctdnn_bench.data.cdr import load_cdr
from ctdnn_bench.data.dataset import SurrogateDataset, TrajectoryDataset
from ctdnn_bench.data.dcr import load_dcr
from ctdnn_bench.data.elm import load_elm
from ctdnn_bench.data.fetch import KNOWN_FILES, cache_dir, data_path, verify_all
from ctdnn_bench.data.spiral import load_spiral, spiral_windows
from ctdnn_bench.data.userfile import load_user_file
from ctdnn_bench.errors import lookup

DATASETS: dict[str, Callable[..., SurrogateDataset]] = {"elm": load_elm, "cdr": load_cdr, "dcr": load_dcr}


def load_dataset(name_or_path: str, *, data_dir: str | Path | None = None, seed: int = 42) -> SurrogateDataset:
    """Load a registered data set by name, or a user's ``.npz``/``.mat`` file by path.

    Args:
        name_or_path: ``"elm"``, ``"cdr"``, ``"dcr"``, or a path (contains a path separator or ends in
            ``.mat``/``.npz``).
        data_dir: directory holding the data files; default ``$CTDNN_DATA_DIR``, else download / stand-in.
        seed: split seed (ignored by ELM, whose split is fixed in the file).

    Raises:
        ConfigError: unknown name (the message lists the valid ones).
        DataError: a file is missing, corrupt or has unexpected contents.
    """
    if any(sep in name_or_path for sep in ("/", "\\")) or name_or_path.lower().endswith((".mat", ".npz")):
        return load_user_file(name_or_path, seed=seed)
    return lookup(DATASETS, "data set", name_or_path)(data_dir, seed=seed)


__all__ = [
    "DATASETS",
    "KNOWN_FILES",
    "SurrogateDataset",
    "TrajectoryDataset",
    "cache_dir",
    "data_path",
    "load_cdr",
    "load_dataset",
    "load_dcr",
    "load_elm",
    "load_spiral",
    "load_user_file",
    "spiral_windows",
    "verify_all",
]
