"""The statistics helpers of the verdicts, against values known by hand or from textbook examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ctdnn_bench.report import paired as st

# --------------------------------------------------------------------------------------------- Clopper-Pearson


def test_clopper_pearson_at_the_edges_has_the_closed_form() -> None:
    # 0/n: [0, 1 - (alpha/2)^(1/n)]; n/n: [(alpha/2)^(1/n), 1]
    lo, hi = st.clopper_pearson(0, 5)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 5)) and hi == pytest.approx(0.5218, abs=1e-4)
    lo, hi = st.clopper_pearson(5, 5)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 5)) and lo == pytest.approx(0.4782, abs=1e-4)


def test_clopper_pearson_interior_value_and_empty() -> None:
    # 3/10: the beta quantiles Beta(0.025; 3, 8) and Beta(0.975; 4, 7)
    lo, hi = st.clopper_pearson(3, 10)
    assert lo == pytest.approx(0.06673, abs=1e-4) and hi == pytest.approx(0.65245, abs=1e-4)
    assert all(math.isnan(v) for v in st.clopper_pearson(0, 0))


# ---------------------------------------------------------------------------------------------------- McNemar


def test_mcnemar_exact_on_a_hand_table() -> None:
    # discordant pairs b = 8 (first fails only), c = 2: Binomial(10, 1/2)
    # one-sided P(X >= 8) = (45 + 10 + 1) / 1024; two-sided doubles it
    assert st.mcnemar_exact(8, 2, "greater") == pytest.approx(56 / 1024)
    assert st.mcnemar_exact(8, 2, "two-sided") == pytest.approx(112 / 1024)
    assert st.mcnemar_exact(2, 8, "greater") == pytest.approx(1 - 11 / 1024)  # P(X >= 2) = 1 - P(X <= 1)
    assert st.mcnemar_exact(0, 0) == 1.0  # no discordant pairs: no evidence


def test_rate_test_is_exact_binomial() -> None:
    assert st.p_rate_greater(5, 5, 0.5) == pytest.approx(1 / 32)
    assert st.p_rate_greater(0, 0, 0.5) == 1.0


# ------------------------------------------------------------------------------------------------------- Holm


def test_holm_textbook_example() -> None:
    # p = (0.01, 0.04, 0.03, 0.005), m = 4: sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04
    # running maximum -> 0.02, 0.03, 0.06, 0.06; back in the original order:
    assert st.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_keeps_order_and_ties() -> None:
    assert st.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    assert st.holm([0.01, 0.01, 0.01]) == pytest.approx([0.03, 0.03, 0.03])
    assert st.holm([]) == []
    assert st.holm([0.2]) == pytest.approx([0.2])


def test_holm_rejects_exactly_what_the_step_down_procedure_rejects() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = rng.uniform(0, 0.1, size=6)
        adj = st.holm(p.tolist())
        # step-down: reject in ascending order while p_(i) <= alpha / (m - i)
        order, rejected = np.argsort(p), set()
        for i, k in enumerate(order):
            if p[k] > 0.05 / (len(p) - i):
                break
            rejected.add(int(k))
        assert {i for i, a in enumerate(adj) if a <= 0.05} == rejected


# ------------------------------------------------------------------------------------------ paired effects


def test_mean_ci_is_a_fixed_seed_bootstrap_around_the_mean() -> None:
    x = np.log([3.1, 2.8, 3.3, 2.9, 3.5])
    e = st.mean_ci(x)
    assert e.n == 5 and e.mean == pytest.approx(x.mean())
    assert e.low < e.mean < e.high and "BCa" in e.method
    assert st.mean_ci(x) == e, "fixed random_state: the same data give the same interval"
    # the bootstrap CI of a mean lies within the sample's range and is narrower than the t interval at n = 5
    t_lo, t_hi = stats.t.interval(0.95, 4, loc=x.mean(), scale=stats.sem(x))
    assert x.min() <= e.low and e.high <= x.max() and t_lo < e.low and e.high < t_hi


def test_mean_ci_degenerate_and_small_samples() -> None:
    e = st.mean_ci([0.7] * 6)
    assert (e.low, e.mean, e.high) == (0.7, 0.7, 0.7) and e.method == "all values equal"
    small = st.mean_ci([1.0, 2.0])
    assert math.isnan(small.low) and small.std == pytest.approx(math.sqrt(0.5))
    assert small.text() == "1.5 (range 1 to 2, n=2, too few for a CI)"
    assert st.mean_ci([]).n == 0
    assert st.mean_ci([1.0, np.nan, 2.0, 3.0, 4.0, 5.0]).n == 5  # NaN dropped


def test_effect_text_on_the_ratio_scale() -> None:
    e = st.mean_ci(np.log([2.0, 2.0, 2.0, 2.0, 2.0]))
    assert e.text(ratio=True) == "2x [2x, 2x] (n=5)"


def test_log_ratios_reject_non_positive_values() -> None:
    r = st.log_ratios([2.0, 0.0, np.inf, 3.0], [1.0, 1.0, 1.0, -1.0])
    assert r[0] == pytest.approx(math.log(2.0)) and np.isnan(r[1:]).all()


def test_one_sided_t_test_p_values() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0]  # mean 3, sd sqrt(2.5): t = 1 / sqrt(0.5) against 2, 4 degrees of freedom
    assert st.p_greater(x, 2.0) == pytest.approx(stats.t.sf(math.sqrt(2.0), 4))
    assert st.p_less(x, 4.0) == pytest.approx(stats.t.sf(math.sqrt(2.0), 4))
    assert st.p_greater(x, 2.0) + st.p_less(x, 2.0) == pytest.approx(1.0)
    # no spread: decided by the sign; one value: no evidence
    assert st.p_greater([3.0] * 5, 2.0) == 0.0 and st.p_greater([1.0] * 5, 2.0) == 1.0
    assert st.p_greater([9.0], 2.0) == 1.0


def test_slope_is_least_squares() -> None:
    assert st.slope([3, 4, 5, 6], [1.0, 3.0, 5.0, 7.0]) == pytest.approx(2.0)
    assert math.isnan(st.slope([3], [1.0]))
