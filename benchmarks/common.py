"""What the asv benchmark modules share: thread setting, case building, data loading, a training epoch.

Everything a benchmark skips on this machine (a CUDA case without CUDA, a data file that is not there) raises
NotImplementedError in ``setup``: asv's way to mark it skipped rather than failed.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ctdnn_bench.data import SurrogateDataset, load_dataset
from ctdnn_bench.data.fetch import resolve_data_dir
from ctdnn_bench.errors import DataError
from ctdnn_bench.harness.cases import BenchCase, get_case

#: asv keeps a benchmark's history under its version; bump it only when a benchmark measures something new.
VERSION = "1"

#: The data files each timed data set needs; they are read from $CTDNN_DATA_DIR, never downloaded in a benchmark.
DATA_FILES = {"elm": "NNERDS.mat", "cdr": "CDR_Data.mat"}


def set_one_thread() -> None:
    """One torch thread: counts and errors become exactly reproducible, and times stop depending on load."""
    torch.set_num_threads(1)


def build(name: str) -> tuple[BenchCase, nn.Module, Tensor]:
    """The case ``name``, its block and input; NotImplementedError if this machine cannot run it."""
    case = get_case(name)
    reason = case.unavailable()
    if reason:
        raise NotImplementedError(reason)
    return case, *case.build()


def data_available(dataset: str) -> bool:
    """True if ``dataset``'s file is in $CTDNN_DATA_DIR (a benchmark must not wait for a download)."""
    try:
        directory = resolve_data_dir()
    except DataError:
        return False
    return directory is not None and (directory / DATA_FILES[dataset]).is_file()


def load(dataset: str) -> SurrogateDataset:
    """A data set from $CTDNN_DATA_DIR; NotImplementedError (skip) if the file is not there."""
    if not data_available(dataset):
        raise NotImplementedError(f"{DATA_FILES[dataset]} not found: set CTDNN_DATA_DIR to the data directory")
    return load_dataset(dataset)
