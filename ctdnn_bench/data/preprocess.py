"""Seeded splits and normalization with training statistics only (paper.md, sections 3 and 7)."""

from __future__ import annotations

import numpy as np

from ctdnn_bench.errors import ConfigError


def split_indices(n: int, n_train: int, n_val: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random disjoint (train, val, test) index arrays; test gets the remaining ``n - n_train - n_val``.

    Uses ``numpy.random.default_rng(seed).permutation(n)``: reproducible, but not bit-identical to MATLAB's
    ``rng(seed); randperm(n)``, so the paper's exact split is not recovered.
    """
    if n_train < 1 or n_val < 0 or n_train + n_val >= n:
        raise ConfigError(f"cannot split {n} samples into {n_train} train, {n_val} val and a non-empty test set")
    perm = np.random.default_rng(seed).permutation(n)
    return perm[:n_train], perm[n_train : n_train + n_val], perm[n_train + n_val :]


def zscore(a: np.ndarray, train: np.ndarray) -> np.ndarray:
    """(a - mean) / std per column, with mean and std of the rows ``train`` only; constant columns keep std 1."""
    mean, std = a[train].mean(axis=0), a[train].std(axis=0)
    return (a - mean) / np.where(std > 0, std, 1.0)
