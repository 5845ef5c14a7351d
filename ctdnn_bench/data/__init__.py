"""Data sets: ELM, CDR, DCR (or its generated stand-in), the spiral ODE task and users' own files.

``DATASETS`` maps each registry name to a :class:`DataSetSpec`: the kind of task (:data:`TASKS`) and its loader.
A ``surrogate`` data set's loader returns a :class:`SurrogateDataset` (rows are samples, already normalized);
:func:`load_dataset` also accepts a file path, which is always a surrogate task. A ``trajectory`` data set (spiral)
is one true trajectory, a :class:`TrajectoryDataset`, that a neural ODE is fitted to. :func:`check_dataset` is the one
name check: it accepts a registered name or a path and names the registered ones otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ctdnn_bench.data.cdr import load_cdr
from ctdnn_bench.data.dataset import SurrogateDataset, TrajectoryDataset
from ctdnn_bench.data.dcr import load_dcr
from ctdnn_bench.data.elm import load_elm
from ctdnn_bench.data.fetch import KNOWN_FILES, cache_dir, data_path, verify_all
from ctdnn_bench.data.spiral import load_spiral, spiral_windows
from ctdnn_bench.data.userfile import load_user_file
from ctdnn_bench.errors import ConfigError, unknown_name

#: The kinds of task a data set poses: regression of outputs on inputs, or fitting one trajectory in time.
TASKS = {
    "surrogate": "inputs -> outputs regression (a SurrogateDataset): encoder, dynamics block, decoder",
    "trajectory": "one true trajectory (a TrajectoryDataset) that a neural ODE is fitted to, window by window",
}


@dataclass(frozen=True)
class DataSetSpec:
    """One registered data set.

    Args:
        task: a key of :data:`TASKS`.
        load: ``load(data_dir, seed=...)``; returns a :class:`SurrogateDataset` or a :class:`TrajectoryDataset`
            (by ``task``).
        description: one line for ``ctdnn-bench list`` and error messages.
    """

    task: str
    load: Callable[..., SurrogateDataset | TrajectoryDataset]
    description: str


def _load_spiral(data_dir: str | Path | None = None, *, seed: int = 42) -> TrajectoryDataset:
    """The spiral trajectory (generated: no data directory, no split seed)."""
    del data_dir, seed
    return load_spiral()


#: The registered data sets, name -> spec.
DATASETS: dict[str, DataSetSpec] = {
    "elm": DataSetSpec("surrogate", load_elm, "ELM (NNERDS.mat): 15 inputs, 10 outputs"),
    "cdr": DataSetSpec("surrogate", load_cdr, "CDR (CDR_Data.mat): 55 inputs, 72 outputs"),
    "dcr": DataSetSpec("surrogate", load_dcr, "DCR (DCR_Data.mat, or a generated stand-in): 3 inputs, 882 outputs"),
    "spiral": DataSetSpec("trajectory", _load_spiral, "torchdiffeq's spiral dy/dt = y^3 A on [0, 25], generated"),
}


def is_data_file(name: str) -> bool:
    """True if ``name`` names a user's file rather than a registered data set (a path separator, or a ``.mat`` /
    ``.npz`` suffix)."""
    return any(sep in name for sep in ("/", "\\")) or name.lower().endswith((".mat", ".npz"))


def check_dataset(name: str) -> DataSetSpec | None:
    """The spec of a registered data set, or None for a user's file.

    Raises:
        ConfigError: ``name`` is neither; the message names the registered data sets.
    """
    if name in DATASETS:
        return DATASETS[name]
    if is_data_file(name):
        return None
    raise ConfigError(f"{unknown_name('data set', name, DATASETS)}, or the path of a .mat/.npz file")


def dataset_task(name: str) -> str:
    """The :data:`TASKS` kind of ``name`` (a user's file is a surrogate task); ConfigError for an unknown name."""
    spec = check_dataset(name)
    return "surrogate" if spec is None else spec.task


def load_dataset(name_or_path: str, *, data_dir: str | Path | None = None, seed: int = 42) -> SurrogateDataset:
    """Load a registered data set by name, or a user's ``.npz``/``.mat`` file by path.

    Args:
        name_or_path: a ``surrogate`` data set of :data:`DATASETS` (``"elm"``, ``"cdr"``, ``"dcr"``), or a path
            (contains a path separator or ends in ``.mat``/``.npz``).
        data_dir: directory holding the data files; default ``$CTDNN_DATA_DIR``, else download / stand-in.
        seed: split seed (ignored by ELM, whose split is fixed in the file).

    Raises:
        ConfigError: unknown name (the message lists the valid ones), or a data set of another task (spiral).
        DataError: a file is missing, corrupt or has unexpected contents.
    """
    spec = check_dataset(name_or_path)
    if spec is None:
        return load_user_file(name_or_path, seed=seed)
    if spec.task != "surrogate":
        raise ConfigError(
            f"data set {name_or_path!r} is a {spec.task} task, not a surrogate data set; load it with "
            f"DATASETS[{name_or_path!r}].load()"
        )
    return cast(SurrogateDataset, spec.load(data_dir, seed=seed))


__all__ = [
    "DATASETS",
    "KNOWN_FILES",
    "TASKS",
    "DataSetSpec",
    "SurrogateDataset",
    "TrajectoryDataset",
    "cache_dir",
    "check_dataset",
    "data_path",
    "dataset_task",
    "is_data_file",
    "load_cdr",
    "load_dataset",
    "load_dcr",
    "load_elm",
    "load_spiral",
    "load_user_file",
    "spiral_windows",
    "verify_all",
]
