"""Reading MATLAB v5 files into a dict of float arrays, with errors that list what the file holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ctdnn_bench.errors import DataError


def read_mat(path: str | Path) -> dict[str, np.ndarray]:
    """All numeric variables of a ``.mat`` file (scipy.io.loadmat), MATLAB's private ``__x__`` keys dropped.

    Raises:
        DataError: the file cannot be read (missing, not a MATLAB v5 file, or a v7.3/HDF5 file).
    """
    import scipy.io

    try:
        raw = scipy.io.loadmat(str(path))
    except (OSError, ValueError, NotImplementedError, EOFError, TypeError, scipy.io.matlab.MatReadError) as exc:
        # scipy raises NotImplementedError for v7.3 (HDF5) files.
        raise DataError(
            f"cannot read {path} as a MATLAB v5 file ({exc}); re-save it with save(..., '-v7') or use .npz"
        ) from exc
    return {k: v for k, v in raw.items() if not k.startswith("__") and isinstance(v, np.ndarray)}


def require(variables: dict[str, np.ndarray], path: str | Path, shapes: dict[str, tuple[int | None, ...]]) -> None:
    """Check that each named variable exists with the given shape (None = any length on that axis).

    Raises:
        DataError: naming the file, the variable, the expected and found shapes and all variables present.
    """
    found = ", ".join(f"{k} {v.shape}" for k, v in variables.items()) or "none"
    for name, shape in shapes.items():
        if name not in variables:
            raise DataError(f"{path} has no variable {name!r} (found: {found}); is it the right file?")
        actual = variables[name].shape
        if len(actual) != len(shape) or any(s is not None and s != a for s, a in zip(shape, actual, strict=True)):
            want = "x".join("n" if s is None else str(s) for s in shape)
            raise DataError(f"{path}: variable {name!r} has shape {actual}, expected {want} (found: {found})")
