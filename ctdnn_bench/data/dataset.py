"""The two containers every loader returns: a split surrogate data set and the spiral trajectory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ctdnn_bench.errors import DataError, unknown_name

SPLITS = ("train", "val", "test")


@dataclass(frozen=True, eq=False, kw_only=True)
class SurrogateDataset:
    """A parameter-to-output data set, already split and normalized (rows are samples).

    Args:
        name: registry name (``"elm"``, ``"cdr"``, ``"dcr"``) or the user file's stem.
        x_train, x_val, x_test: inputs, shape (n_split, n_in), float64.
        y_train, y_val, y_test: targets, shape (n_split, n_out), float64.
        description: one paragraph saying what the data are and how they were normalized.
        standin: True when the arrays are a generated stand-in rather than the paper's data.
        provenance: where the arrays came from (file and sha256, or generator and its parameters).

    Arrays are converted to C-contiguous float64 on construction; shapes and finiteness are checked.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    description: str
    standin: bool = False
    provenance: str

    def __post_init__(self) -> None:
        for split in SPLITS:
            x, y = (np.ascontiguousarray(getattr(self, f"{v}_{split}"), dtype=np.float64) for v in "xy")
            object.__setattr__(self, f"x_{split}", x)
            object.__setattr__(self, f"y_{split}", y)
            where = f"data set {self.name!r}, {split} split"
            if x.ndim != 2 or y.ndim != 2:
                raise DataError(f"{where}: x and y must be 2-D (samples x features), got {x.shape} and {y.shape}")
            if x.shape[0] != y.shape[0]:
                raise DataError(f"{where}: x has {x.shape[0]} rows but y has {y.shape[0]}; rows are samples")
            if (x.shape[1], y.shape[1]) != (self.x_train.shape[1], self.y_train.shape[1]):
                raise DataError(
                    f"{where}: feature counts {x.shape[1]}/{y.shape[1]} differ from the train split's "
                    f"{self.x_train.shape[1]}/{self.y_train.shape[1]}"
                )
            if not (np.isfinite(x).all() and np.isfinite(y).all()):
                raise DataError(f"{where}: contains NaN or inf; clean the source file before loading it")
        if self.x_train.shape[0] == 0:
            raise DataError(f"data set {self.name!r}: the train split is empty")

    @property
    def n_in(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    @property
    def n_out(self) -> int:
        """Number of targets."""
        return int(self.y_train.shape[1])

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(n_train, n_val, n_test)."""
        return (len(self.x_train), len(self.x_val), len(self.x_test))

    @classmethod
    def from_indices(
        cls,
        name: str,
        x: np.ndarray,
        y: np.ndarray,
        indices: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        description: str,
        provenance: str,
        standin: bool = False,
    ) -> SurrogateDataset:
        """Build from full arrays x (n, n_in), y (n, n_out) and (train, val, test) row-index arrays."""
        tr, va, te = indices
        return cls(
            name=name,
            x_train=x[tr],
            y_train=y[tr],
            x_val=x[va],
            y_val=y[va],
            x_test=x[te],
            y_test=y[te],
            description=description,
            standin=standin,
            provenance=provenance,
        )

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (x, y) of split ``"train"``, ``"val"`` or ``"test"``; shapes (n, n_in), (n, n_out)."""
        if name not in SPLITS:
            raise unknown_name("split", name, SPLITS)
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")


@dataclass(frozen=True, eq=False, kw_only=True)
class TrajectoryDataset:
    """One true trajectory on a time grid, cut into contiguous train / validation / test regions.

    Args:
        t: time grid, shape (N,), increasing, float64.
        y: true state at ``t``, shape (N, 2), float64.
        train_end: the train region is t in [t[0], train_end].
        val_end: the validation region is [train_end, val_end]; the test region is [val_end, t[-1]].
        description: what the trajectory is and how it was computed.

    A region's boundary index is ``searchsorted(t, boundary)`` (the first grid point at or after the boundary),
    and adjacent regions share that point: it is the known initial state of the next region, as in the
    authors' ``ode_demo_NEW.py``.
    """

    t: np.ndarray
    y: np.ndarray
    train_end: float
    val_end: float
    description: str

    def __post_init__(self) -> None:
        t, y = np.asarray(self.t, dtype=np.float64), np.asarray(self.y, dtype=np.float64)
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "y", y)
        if t.ndim != 1 or y.shape != (len(t), 2):
            raise DataError(f"trajectory: t must be (N,) and y (N, 2), got {t.shape} and {y.shape}")
        if not (np.all(np.diff(t) > 0) and np.isfinite(y).all()):
            raise DataError("trajectory: t must be strictly increasing and y finite")
        if not t[0] < self.train_end < self.val_end < t[-1]:
            raise DataError(
                f"trajectory: need t[0] < train_end < val_end < t[-1], got {t[0]} < {self.train_end} "
                f"< {self.val_end} < {t[-1]}"
            )

    def regions(self) -> dict[str, slice]:
        """Index ranges {"train", "val", "test"} -> slice into ``t`` / ``y``; neighbours share one point."""
        i_tr, i_va = (int(np.searchsorted(self.t, b)) for b in (self.train_end, self.val_end))
        return {"train": slice(0, i_tr + 1), "val": slice(i_tr, i_va + 1), "test": slice(i_va, len(self.t))}
