"""The DCR loader and its finite-volume stand-in generator: the mathematics of the solver, then the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from ctdnn_bench.data import dcr_standin as gen
from ctdnn_bench.data import load_dataset, load_dcr
from ctdnn_bench.data.dcr import STANDIN_NOTE
from ctdnn_bench.errors import ConfigError, DataError

PI = np.pi


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read a user's DCR_Data.mat or write the user's cache from these tests."""
    monkeypatch.delenv("CTDNN_DATA_DIR", raising=False)
    monkeypatch.setenv("CTDNN_CACHE_DIR", str(tmp_path / "cache"))


# --- the finite-volume operator ------------------------------------------------------------------------------


def test_operator_is_symmetric_and_annihilates_constants() -> None:
    m = gen.conductivity(np.array([0.4, 0.3, 1.5]), 12)
    a = gen.fv_operator(m).toarray()
    np.testing.assert_allclose(a, a.T, rtol=0, atol=1e-12 * np.abs(a).max())
    np.testing.assert_allclose(a @ np.ones(len(a)), 0.0, atol=1e-10 * np.abs(a).max())
    off = a - np.diag(np.diag(a))
    assert (off <= 0).all() and np.linalg.eigvalsh(a)[1] > 0  # M-matrix, null space only the constants


def test_operator_harmonic_face_average() -> None:
    # Two cells in series: the face coefficient is 2 m1 m2 / (m1 + m2) / h^2 (h = 1/2 on a 1 x 2 grid).
    a = gen.fv_operator(np.array([[1.0, 3.0]])).toarray()
    np.testing.assert_allclose(a, 1.5 * 4 * np.array([[1.0, -1.0], [-1.0, 1.0]]))


@pytest.mark.parametrize("variable", [False, True], ids=["m=1", "m=2+xz"])
def test_manufactured_solution_converges_at_second_order(variable: bool) -> None:
    """u = cos(pi x) cos(pi z) has zero normal derivative on the boundary; q = -div(m grad u) analytically."""
    errors = []
    for n in (16, 32, 64):
        x, z = gen.cell_centres(n)
        u = np.cos(PI * x) * np.cos(PI * z)
        m, mx, mz = (2 + x * z, z, x) if variable else (np.ones_like(x), 0.0 * x, 0.0 * x)
        ux, uz = -PI * np.sin(PI * x) * np.cos(PI * z), -PI * np.cos(PI * x) * np.sin(PI * z)
        q = (-(mx * ux + mz * uz) + 2 * PI**2 * m * u).ravel()
        v = gen.neumann_solve(m, (q - q.mean())[:, None])[:, 0]  # discrete compatibility: zero-sum source
        errors.append(np.abs(v - (u.ravel() - u.mean())).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert ((orders > 1.8) & (orders < 2.2)).all(), (errors, orders)
    assert errors[-1] < 1e-3


def test_neumann_solve_returns_zero_mean_solution_of_the_singular_system() -> None:
    m = gen.conductivity(np.array([0.6, 0.2, -1.0]), 10)
    q = np.random.default_rng(0).normal(size=(100, 3))
    q -= q.mean(axis=0)
    u = gen.neumann_solve(m, q)
    np.testing.assert_allclose(gen.fv_operator(m) @ u, q, atol=1e-9 * np.abs(q).max())
    np.testing.assert_allclose(u.mean(axis=0), 0.0, atol=1e-12)
    with pytest.raises(ConfigError, match="sum to zero"):
        gen.neumann_solve(m, np.ones((100, 1)))


def test_reciprocity() -> None:
    """Swapping current and potential dipoles gives the same datum: D(AB -> MN) = D(MN -> AB)."""
    grid = 31
    m = gen.conductivity(np.array([0.35, 0.25, 1.8]), grid)
    q, r = gen.survey(grid)
    data = r @ gen.neumann_solve(m, q)  # (98, 9)
    swapped = (q.T / grid**2) @ gen.neumann_solve(m, r.T.toarray() * grid**2)  # (9, 98)
    np.testing.assert_allclose(swapped, data.T, rtol=1e-9, atol=1e-12)


def test_survey_layout() -> None:
    q, r = gen.survey(31)
    assert q.shape == (961, 9) and r.shape == (98, 961) and gen.N_OUT == 882
    np.testing.assert_allclose(q.sum(axis=0), 0.0)  # dipoles: zero net current
    np.testing.assert_allclose(np.asarray(r.sum(axis=1)).ravel(), 0.0)
    used = np.flatnonzero(np.abs(q).sum(axis=1) + np.abs(r.toarray()).sum(axis=0))
    assert used.min() == 2 and used.max() == 28  # the 27 central cells of the top row
    with pytest.raises(ConfigError, match="at least 29"):
        gen.survey(20)


# --- the generated stand-in ----------------------------------------------------------------------------------


def test_generate_shapes_and_determinism() -> None:
    y, c = gen.generate(4, seed=5)
    assert y.shape == (4, 3) and c.shape == (4, 882) and np.isfinite(c).all()
    assert ((y >= gen.PARAM_LOW) & (y <= gen.PARAM_HIGH)).all()
    y2, c2 = gen.generate(4, seed=5)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(c, c2)
    assert not np.allclose(gen.generate(4, seed=6)[1], c)
    assert not np.allclose(c[0], c[1])  # the data depend on the parameters


def test_homogeneous_medium_data_are_mirror_symmetric() -> None:
    """With m = 1 the line is symmetric about its centre: source j mirrors source 8 - j."""
    grid = 31
    q, r = gen.survey(grid)
    d = (r @ gen.neumann_solve(np.ones((grid, grid)), q)).T  # (9, 98)
    # Mirroring swaps A and B (sign flip) and M and N (another sign flip), and reverses positions.
    for s_start, s_len in ((0, 26), (26, 25), (51, 24), (75, 23)):
        block = d[:, s_start : s_start + s_len]
        np.testing.assert_allclose(block, block[::-1, ::-1], rtol=1e-9, atol=1e-12)


def test_generate_cached_writes_once_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    y, c = gen.generate_cached(3, seed=1, directory=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"  # no temporary file left behind

    def fail(*args: object) -> None:
        raise AssertionError("the cache was not used")

    with monkeypatch.context() as patch:
        patch.setattr(gen, "generate", fail)
        y2, c2 = gen.generate_cached(3, seed=1, directory=tmp_path)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(c, c2)
    good = files[0].read_bytes()
    for corrupt in (b"garbage", good[: len(good) // 2]):  # a corrupt entry is regenerated, not trusted
        files[0].write_bytes(corrupt)
        np.testing.assert_array_equal(gen.generate_cached(3, seed=1, directory=tmp_path)[1], c)
        with np.load(files[0]) as f:  # and the entry itself was rewritten
            np.testing.assert_array_equal(f["c"], c)
    gen.generate_cached(3, seed=2, directory=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2  # keyed by the generator parameters


def test_load_dcr_standin_is_labelled_and_normalized(tmp_path: Path) -> None:
    ds = load_dcr(n_samples=620, seed=42)
    assert ds.standin and ds.name == "dcr"
    assert ds.sizes == (400, 200, 20) and (ds.n_in, ds.n_out) == (3, 882)
    assert STANDIN_NOTE in ds.description and STANDIN_NOTE in ds.provenance
    np.testing.assert_allclose(ds.y_train.mean(axis=0), 0.0, atol=1e-12)  # centred targets
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1.0, rtol=1e-12)
    assert len(list((tmp_path / "cache").glob("dcr_standin_*.npz"))) == 1  # generated once, cached
    other = load_dcr(n_samples=620, seed=43)  # the same cached data, split differently
    assert not np.array_equal(ds.x_train, other.x_train)


def test_load_dcr_without_file_and_without_standin_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"DCR_Data.mat not found.*zenodo.21537966.*CTDNN_DATA_DIR"):
        load_dcr(tmp_path, allow_standin=False)


def test_load_dcr_reads_a_user_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y, c = rng.uniform(size=(3, 700)), 5.0 + rng.normal(size=(882, 700))
    scipy.io.savemat(tmp_path / "DCR_Data.mat", {"Y": y, "C": c})
    ds = load_dataset("dcr", data_dir=tmp_path)
    assert not ds.standin and ds.sizes == (400, 200, 100) and (ds.n_in, ds.n_out) == (3, 882)
    assert "stand-in" not in ds.description
    np.testing.assert_allclose(ds.y_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-12)
    # Centring, not scaling: test targets keep their spread and lose the training mean only.
    assert ds.y_test.std() == pytest.approx(c.std(), rel=0.1)
    scipy.io.savemat(tmp_path / "DCR_Data.mat", {"Y": y, "C": c[:881]})
    with pytest.raises(DataError, match=r"'C' has shape \(881, 700\), expected 882xn"):
        load_dcr(tmp_path)
