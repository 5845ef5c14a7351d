"""Conditioning of the basis matrices (paper Sec. 2.2 table) and the exact change of basis."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from numpy.polynomial import chebyshev as npcheb
from numpy.polynomial import legendre as npleg
from numpy.polynomial import polynomial as nppoly

from ctdnn_bench import ConfigError, basis_matrix, change_of_basis, condition_number, conditioning_table, make_basis
from ctdnn_bench.conditioning import gram_matrix

# paper.md Sec. 2.2: cond(A) of the n_t = 12 DTO basis matrix on linspace(0, T, 12), monomial in raw time t
PAPER_MONOMIAL_RAW = {
    (1.0, 3): 1.0e2,
    (1.0, 4): 5.5e2,
    (1.0, 5): 3.1e3,
    (1.0, 6): 1.9e4,
    (5.0, 3): 3.5e2,
    (5.0, 4): 3.3e3,
    (5.0, 5): 3.5e4,
    (5.0, 6): 3.9e5,
    (10.0, 3): 1.6e3,
    (10.0, 4): 2.3e4,
    (10.0, 5): 3.7e5,
    (10.0, 6): 6.3e6,
}
PAPER_LEGENDRE = {3: 2.29, 4: 2.73, 5: 3.18, 6: 3.74}


def paper_cond(name: str, degree: int, big_t: float, domain: str | None = None) -> float:
    return condition_number(basis_matrix(make_basis(name, degree, 0.0, big_t, domain), n_points=12))


@pytest.mark.parametrize(("big_t", "degree"), sorted(PAPER_MONOMIAL_RAW))
def test_monomial_raw_condition_numbers_match_paper(big_t: float, degree: int) -> None:
    # the paper quotes two significant digits; 5% covers their rounding
    assert paper_cond("monomial", degree, big_t, "raw") == pytest.approx(PAPER_MONOMIAL_RAW[big_t, degree], rel=0.05)


@pytest.mark.parametrize("degree", sorted(PAPER_LEGENDRE))
def test_legendre_condition_numbers_match_paper_for_every_T(degree: int) -> None:
    values = [paper_cond("legendre", degree, big_t) for big_t in (1.0, 5.0, 10.0)]
    assert values[0] == pytest.approx(PAPER_LEGENDRE[degree], rel=5e-3)
    # independent of T: the shifted polynomials see the same points linspace(-1, 1, 12) for every T
    assert values[1] == pytest.approx(values[0], rel=1e-12)
    assert values[2] == pytest.approx(values[0], rel=1e-12)


def test_basis_matrix_is_vandermonde_on_paper_grid() -> None:
    grid = np.linspace(0.0, 5.0, 12)
    np.testing.assert_allclose(basis_matrix(make_basis("monomial", 4, 0.0, 5.0, "raw")), np.vander(grid, 5, True))
    np.testing.assert_allclose(
        basis_matrix(make_basis("legendre", 4, 0.0, 5.0)), npleg.legvander(np.linspace(-1, 1, 12), 4), atol=1e-14
    )


@pytest.mark.parametrize("big_t", [1.0, 5.0, 10.0])
def test_monomial_grows_legendre_stays_small(big_t: float) -> None:
    # degrees 1..7: on 12 equispaced points Legendre conditioning itself creeps up later (5.9 at d = 8)
    mono = [paper_cond("monomial", d, big_t, "raw") for d in range(1, 8)]
    leg = [paper_cond("legendre", d, big_t) for d in range(1, 8)]
    ratios = np.array(mono[1:]) / np.array(mono[:-1])
    assert (ratios > 3.0).all(), f"monomial cond should grow geometrically with degree, got {mono}"
    assert mono[-1] > 1e4 * big_t
    assert max(leg) < 5.0, f"Legendre conditioning should stay O(1), got {leg}"
    # Legendre is always better than raw monomials from d = 2 on (at d = 1 on [0, 1] the two are close)
    assert all(m > 10 * lg for m, lg in zip(mono[1:], leg[1:], strict=True))


def test_condition_number_definition() -> None:
    a = np.diag([4.0, 2.0, 0.5])
    assert condition_number(a) == pytest.approx(8.0)
    assert condition_number(np.array([[1.0, 2.0], [2.0, 4.0]])) > 1e15 or np.isinf(
        condition_number(np.array([[1.0, 2.0], [2.0, 4.0]]))
    )
    h = scipy.linalg.hilbert(5)
    assert condition_number(h) == pytest.approx(np.linalg.cond(h), rel=1e-8)


def test_conditioning_table_rows() -> None:
    rows = conditioning_table()
    assert len(rows) == 4 * 3 * 4  # 4 (basis, domain) pairs x 3 final times x 4 degrees
    by_key = {(r.basis, r.domain, r.T, r.degree): r for r in rows}
    for (big_t, d), expected in PAPER_MONOMIAL_RAW.items():
        row = by_key["monomial", "raw", big_t, d]
        assert row.cond_matrix == pytest.approx(expected, rel=0.05)
        assert row.max_abs_entry == pytest.approx(big_t**d)
    for d, expected in PAPER_LEGENDRE.items():
        row = by_key["legendre", "symmetric", 5.0, d]
        assert row.cond_matrix == pytest.approx(expected, rel=5e-3)
        # the Gram matrix is T diag(1 / (2k + 1)), so its condition number is exactly 2d + 1
        assert row.cond_gram == pytest.approx(2 * d + 1, rel=1e-10)
        assert row.max_abs_entry == pytest.approx(1.0)
        # monomials on [0, 1] have the Hilbert matrix as Gram matrix
        unit = by_key["monomial", "unit", 1.0, d]
        assert unit.cond_gram == pytest.approx(np.linalg.cond(scipy.linalg.hilbert(d + 1)), rel=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# Exact change of basis
# ---------------------------------------------------------------------------------------------------------------


INTERVALS = [(0.0, 1.0), (0.0, 5.0), (-1.0, 2.0), (0.5, 3.0)]


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
@pytest.mark.parametrize("domain", ["raw", "unit", "symmetric"])
@pytest.mark.parametrize("target", ["legendre", "chebyshev"])
def test_change_of_basis_preserves_the_function(t0: float, t1: float, domain: str, target: str) -> None:
    degree = 6
    src = make_basis("monomial", degree, t0, t1, domain)
    tgt = make_basis(target, degree, t0, t1)
    m = change_of_basis(src, tgt)
    c = np.random.default_rng(3).normal(size=(degree + 1, 4))  # 4 coefficient vectors at once
    t = np.linspace(t0, t1, 501)
    f_src = src.matrix(t) @ c
    f_tgt = tgt.matrix(t) @ (m @ c)
    np.testing.assert_allclose(f_tgt, f_src, rtol=1e-10, atol=1e-10 * np.abs(f_src).max())


@pytest.mark.parametrize(("t0", "t1"), INTERVALS)
@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("monomial", "raw"), ("legendre", None)),
        (("monomial", "unit"), ("monomial", "raw")),
        (("chebyshev", None), ("legendre", "unit")),
        (("legendre", None), ("monomial", "symmetric")),
    ],
)
def test_change_of_basis_round_trip(t0: float, t1: float, a: tuple[str, str | None], b: tuple[str, str | None]) -> None:
    degree = 5
    basis_a, basis_b = make_basis(a[0], degree, t0, t1, a[1]), make_basis(b[0], degree, t0, t1, b[1])
    forth, back = change_of_basis(basis_a, basis_b), change_of_basis(basis_b, basis_a)
    np.testing.assert_allclose(back @ forth, np.eye(degree + 1), atol=1e-10)
    np.testing.assert_allclose(change_of_basis(basis_a, basis_a), np.eye(degree + 1), atol=1e-10)


@pytest.mark.parametrize("degree", [0, 1, 4, 7])
def test_change_of_basis_matches_numpy_poly2leg(degree: int) -> None:
    """Same reference variable on both sides (symmetric/symmetric or unit/unit): the map is numpy's poly2leg."""
    c = np.random.default_rng(degree).normal(size=degree + 1)
    for domain, (t0, t1) in (("symmetric", (-1.0, 1.0)), ("symmetric", (0.0, 5.0)), ("unit", (0.0, 1.0))):
        src = make_basis("monomial", degree, t0, t1, domain)
        tgt = make_basis("legendre", degree, t0, t1, domain)
        np.testing.assert_allclose(change_of_basis(src, tgt) @ c, npleg.poly2leg(c), atol=1e-12)
    src, tgt = make_basis("monomial", degree, -1.0, 1.0, "symmetric"), make_basis("chebyshev", degree, -1.0, 1.0)
    np.testing.assert_allclose(change_of_basis(src, tgt) @ c, npcheb.poly2cheb(c), atol=1e-12)


def test_change_of_basis_raw_to_unit_monomials_is_scaling() -> None:
    """On [0, T], t^k = T^k s^k: raw -> unit monomial coefficients scale by T^k."""
    big_t, degree = 5.0, 4
    m = change_of_basis(make_basis("monomial", degree, 0.0, big_t, "raw"), make_basis("monomial", degree, 0, big_t))
    np.testing.assert_allclose(m, np.diag(big_t ** np.arange(degree + 1)), rtol=1e-12, atol=1e-9)
    # on [1, 3] the shift mixes coefficients as the binomial theorem says: t = 1 + 2 s
    m = change_of_basis(make_basis("monomial", 2, 1.0, 3.0, "raw"), make_basis("monomial", 2, 1.0, 3.0, "unit"))
    c = np.array([0.3, -1.0, 2.0])  # 0.3 - t + 2 t^2
    expected = nppoly.polyadd(nppoly.polyadd([0.3], nppoly.polymul([-1.0], [1, 2])), 2 * nppoly.polypow([1, 2], 2))
    np.testing.assert_allclose(m @ c, expected, atol=1e-12)


def test_change_of_basis_rejects_mismatch() -> None:
    with pytest.raises(ConfigError, match="same interval and degree"):
        change_of_basis(make_basis("monomial", 3, 0.0, 1.0), make_basis("legendre", 4, 0.0, 1.0))
    with pytest.raises(ConfigError, match="same interval and degree"):
        change_of_basis(make_basis("monomial", 3, 0.0, 1.0), make_basis("legendre", 3, 0.0, 5.0))
    with pytest.raises(ConfigError, match="polynomial"):
        change_of_basis(make_basis("fourier", 3, 0.0, 1.0), make_basis("legendre", 3, 0.0, 1.0))
    with pytest.raises(ConfigError, match="polynomial"):
        change_of_basis(make_basis("legendre", 3, 0.0, 1.0), make_basis("piecewise_linear", 3, 0.0, 1.0))


def test_gram_transforms_by_congruence() -> None:
    """G_target = M^-T G_source M^-1: the L2 norm of theta(t) does not depend on the basis it is written in."""
    src, tgt = make_basis("monomial", 4, 0.0, 5.0, "raw"), make_basis("legendre", 4, 0.0, 5.0)
    m = change_of_basis(src, tgt)
    c = np.random.default_rng(5).normal(size=5)
    norm_src = c @ gram_matrix(src) @ c
    norm_tgt = (m @ c) @ gram_matrix(tgt) @ (m @ c)
    assert norm_tgt == pytest.approx(norm_src, rel=1e-10)
