"""A reproducible stand-in for the paper's DCR data (3 parameters -> 882 data), from a real finite-volume solve.

This is NOT the paper's DCR data set (whose mesh, conductivity model and survey layout are unpublished, see
paper.md section 3.3); it only has the same shapes and the same kind of forward map.

Forward problem: -div(m grad u) = q on the unit square (x across, z = depth, z = 0 the surface), homogeneous
Neumann boundary conditions (insulating), discretized with cell-centred finite volumes on a ``grid`` x ``grid`` mesh
(five-point stencil, face conductivities by harmonic averaging of the two neighbouring cells). The Neumann operator
annihilates constants, so sources are dipoles (zero net current) and the constant is fixed by pinning one cell,
then the solution is shifted to zero mean.

Conductivity: m(x, z; y) = exp(kappa * exp(-|(x, z) - (x_c, z_c)|^2 / (2 w^2))), w = 0.1, background 1, with the
three parameters y = (x_c, z_c, kappa) ~ U(0.2, 0.8) x U(0.1, 0.5) x U(-2, 2): anomaly position, depth and
log-contrast.

Survey (9 x 98 = 882 data), a multi-separation dipole-dipole line: 27 electrodes E_0..E_26 at the 27 central
cells of the top row (cell centres at depth h/2, h = 1/grid, equal to the surface values up to O(h^2) because
du/dz = 0 there). 9 current dipoles (A, B) = (E_3j, E_3j+2), j = 0..8; for each, 98 potential dipoles (M, N) =
(E_i, E_i+s) for separations s = 1, 2, 3, 4 (26 + 25 + 24 + 23), ordered by separation, then position. Data
are ordered source-major: ``c[98 * j + k]`` is receiver k for source j. A source injects current +-1 into the
A / B cells and a receiver reads those same cells, so the data obey reciprocity exactly (the matrix is
symmetric).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ctdnn_bench.data.fetch import cache_dir
from ctdnn_bench.errors import ConfigError

log = logging.getLogger(__name__)

VERSION = 1  # bump whenever the generated numbers change, so stale caches are not reused
GRID = 31
N_SAMPLES = 10_000
SEED = 0
WIDTH = 0.1
PARAM_LOW = np.array([0.2, 0.1, -2.0])
PARAM_HIGH = np.array([0.8, 0.5, 2.0])
N_ELECTRODES = 27
#: Current dipoles (A, B) as electrode numbers: (0, 2), (3, 5), ..., (24, 26).
SOURCE_PAIRS = np.stack([3 * np.arange(9), 3 * np.arange(9) + 2], axis=1)
#: Potential dipoles (M, N) = (i, i + s) for separations s = 1..4: 26 + 25 + 24 + 23 = 98 pairs.
RECEIVER_PAIRS = np.array([(i, i + s) for s in range(1, 5) for i in range(N_ELECTRODES - s)])
N_OUT = len(SOURCE_PAIRS) * len(RECEIVER_PAIRS)  # 9 x 98 = 882
DESCRIPTION = (
    f"3 parameters (anomaly x, depth, log-contrast) -> {N_OUT} surface potential differences "
    "(9 current dipoles x 98 potential dipoles on a 27-electrode line) from a cell-centred finite-volume solve of "
    "-div(m grad u) = q with Neumann boundaries on the unit square."
)


def fv_operator(m: np.ndarray) -> sp.csc_matrix:
    """Cell-centred finite-volume matrix of -div(m grad .) on the unit square with zero-flux boundaries.

    Args:
        m: cell conductivities, shape (nz, nx); row 0 is the surface. Cell sizes are 1/nx by 1/nz.

    Returns:
        Sparse (nz*nx, nz*nx) matrix A, cells numbered row-major; ``(A u)_i`` approximates the cell average of
        -div(m grad u). A is symmetric positive semi-definite and A @ 1 = 0.
    """
    nz, nx = m.shape
    cells = np.arange(nz * nx).reshape(nz, nx)
    # Harmonic mean: the exact face value for a flux through two cells in series.
    wx = 2.0 * m[:, 1:] * m[:, :-1] / (m[:, 1:] + m[:, :-1]) * nx**2
    wz = 2.0 * m[1:, :] * m[:-1, :] / (m[1:, :] + m[:-1, :]) * nz**2
    i = np.concatenate([cells[:, :-1].ravel(), cells[:-1, :].ravel()])
    j = np.concatenate([cells[:, 1:].ravel(), cells[1:, :].ravel()])
    w = np.concatenate([wx.ravel(), wz.ravel()])
    diag = np.bincount(i, w, nz * nx) + np.bincount(j, w, nz * nx)
    rows, cols = np.concatenate([i, j, cells.ravel()]), np.concatenate([j, i, cells.ravel()])
    return sp.csc_matrix((np.concatenate([-w, -w, diag]), (rows, cols)), shape=(nz * nx, nz * nx))


def neumann_solve(m: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve -div(m grad u) = q with zero-flux boundaries for several zero-sum right-hand sides at once.

    Args:
        m: cell conductivities, shape (nz, nx).
        rhs: cell averages of q, shape (nz*nx, k); every column must sum to zero (the Neumann compatibility
            condition).

    Returns:
        u, shape (nz*nx, k), each column shifted to zero mean (the solution is unique only up to a constant).
    """
    if np.any(np.abs(rhs.sum(axis=0)) > 1e-9 * np.abs(rhs).sum(axis=0)):
        raise ConfigError("Neumann problem: every right-hand side must sum to zero (use dipole sources)")
    a = fv_operator(m)
    # Adding c to one diagonal entry pins that cell: summing the rows of (A + c e0 e0^T) v = q gives
    # c v0 = sum(q) = 0, so v solves A v = q with v0 = 0. The matrix stays symmetric and sparse.
    a[0, 0] = 2.0 * a[0, 0]  # an existing entry, so the sparsity structure does not change
    # Symmetric positive definite: no pivoting needed; a symmetric ordering keeps the factors small.
    lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    u = lu.solve(np.asarray(rhs, dtype=np.float64))
    return u - u.mean(axis=0)


def survey(grid: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """Sources Q (grid*grid, 9), unit current dipoles as cell averages, and receivers R (98, grid*grid).

    Electrodes are the 27 central cells of the top row; see the module docstring for the layout.
    """
    if grid < N_ELECTRODES + 2:
        raise ConfigError(f"grid must be at least {N_ELECTRODES + 2} cells wide for the survey, got {grid}")
    electrodes = (grid - N_ELECTRODES) // 2 + np.arange(N_ELECTRODES)  # top row: cell index = column
    a, b = electrodes[SOURCE_PAIRS[:, 0]], electrodes[SOURCE_PAIRS[:, 1]]
    q = np.zeros((grid * grid, len(a)))
    # A unit point current has cell average 1/h^2 = grid^2.
    q[a, np.arange(len(a))], q[b, np.arange(len(b))] = grid**2, -(grid**2)
    m, n = electrodes[RECEIVER_PAIRS[:, 0]], electrodes[RECEIVER_PAIRS[:, 1]]
    rows = np.arange(len(m))
    r = sp.csr_matrix(
        (np.r_[np.ones(len(m)), -np.ones(len(n))], (np.r_[rows, rows], np.r_[m, n])), (len(m), grid * grid)
    )
    return q, r


def cell_centres(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, z) of the cell centres of the unit square, each shape (grid, grid), row 0 at the surface."""
    c = (np.arange(grid) + 0.5) / grid
    x, z = np.meshgrid(c, c)
    return x, z


def conductivity(params: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Cell conductivities (grid, grid) for params = (x_c, z_c, kappa): exp(kappa * Gaussian bump)."""
    x, z = cell_centres(grid)
    xc, zc, kappa = params
    return np.exp(kappa * np.exp(-((x - xc) ** 2 + (z - zc) ** 2) / (2 * WIDTH**2)))


def sample_parameters(n_samples: int, seed: int = SEED) -> np.ndarray:
    """(n_samples, 3) parameters drawn uniformly from the box [PARAM_LOW, PARAM_HIGH]."""
    return np.random.default_rng(seed).uniform(PARAM_LOW, PARAM_HIGH, size=(n_samples, 3))


def generate(n_samples: int = N_SAMPLES, seed: int = SEED, grid: int = GRID) -> tuple[np.ndarray, np.ndarray]:
    """Generate the stand-in: Y (n_samples, 3) parameters and C (n_samples, 882) data (one solve per sample)."""
    if n_samples < 1 or grid < 4:
        raise ConfigError(f"need n_samples >= 1 and grid >= 4, got {n_samples} and {grid}")
    y = sample_parameters(n_samples, seed)
    q, r = survey(grid)
    c = np.empty((n_samples, N_OUT))
    for k in range(n_samples):
        c[k] = (r @ neumann_solve(conductivity(y[k], grid), q)).T.ravel()  # source-major
    return y, c


def _key(n_samples: int, seed: int, grid: int) -> str:
    params = {"version": VERSION, "n_samples": n_samples, "seed": seed, "grid": grid}
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def provenance(n_samples: int = N_SAMPLES, seed: int = SEED, grid: int = GRID) -> str:
    """One line naming the generator and its parameters."""
    return (
        f"ctdnn_bench.data.dcr_standin v{VERSION}: n_samples={n_samples}, seed={seed}, grid={grid}x{grid}, "
        f"key {_key(n_samples, seed, grid)}"
    )


def checksum(y: np.ndarray, c: np.ndarray) -> str:
    """sha256 of the stand-in's arrays (C-order float64 bytes), stored in the cache beside them."""
    digest = hashlib.sha256()
    for a in (y, c):
        digest.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _read_cache(path: Path, n_samples: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached arrays if the file is readable, has the expected shapes and its checksum matches; else None."""
    try:
        with np.load(path, allow_pickle=False) as f:
            y, c, stored = f["y"], f["c"], str(f["sha256"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # unreadable, or written before caches carried a checksum
    if y.shape != (n_samples, 3) or c.shape != (n_samples, N_OUT) or checksum(y, c) != stored:
        log.warning("the DCR stand-in cache %s is damaged (checksum or shape); regenerating it", path)
        return None
    return y, c


def generate_cached(
    n_samples: int = N_SAMPLES, seed: int = SEED, grid: int = GRID, directory: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`generate`, cached as ``.npz`` in ``directory`` (default the data cache) keyed by its parameters, with
    the arrays' sha256 (:func:`checksum`): a damaged cache is regenerated, never used."""
    folder = Path(directory) if directory is not None else cache_dir()
    path = folder / f"dcr_standin_v{VERSION}_{_key(n_samples, seed, grid)}.npz"
    if path.is_file() and (cached := _read_cache(path, n_samples)) is not None:
        return cached
    log.info("generating the DCR stand-in (%d samples, about 3 ms each); caching it as %s", n_samples, path)
    y, c = generate(n_samples, seed, grid)
    folder.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename, so a crash or a concurrent reader never sees half a file.
    tmp = folder / f"{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "xb") as f:  # unlike mkstemp, keeps the umask's permissions (readable cache)
            np.savez(f, y=y, c=c, sha256=np.array(checksum(y, c)))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return y, c
