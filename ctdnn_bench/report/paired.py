"""The statistics behind the verdicts: paired effects with bootstrap CIs, one-sided tests, failure counts, Holm.

Everything comes from :mod:`scipy.stats` except Holm's step-down (a few lines; statsmodels is not a dependency).
Nothing here imports torch or pandas.

Conventions:

- A *paired effect* is the mean over seeds of a per-seed quantity: a log ratio ``log(a_s / b_s)`` of two variants
  on the same task and seed, or a difference. Its 95% CI is a bootstrap CI (:func:`scipy.stats.bootstrap`, BCa,
  :data:`N_RESAMPLES` resamples, fixed :data:`RANDOM_STATE`); when every value is the same the CI is that value
  (no spread to resample), and with fewer than :data:`MIN_CI_N` values no CI is given (mean +- std with n).
- *p-values* of paired effects are one-sided one-sample t-tests (:func:`scipy.stats.ttest_1samp`) of the per-seed
  values against the threshold, on the log scale for ratios (log-normal errors are the natural model for NFE and
  relative errors). Why not Wilcoxon or a sign-flip permutation test: with the 5 seeds of the standard profile
  their smallest one-sided p-value is 1/32 = 0.031, which can never pass Holm's correction across two or more tasks
  at 0.05; the t-test's p-value is continuous. A verdict needs both the bootstrap CI beyond the threshold and the
  Holm-adjusted p-value below :data:`ALPHA`: the bootstrap CI of a mean under-covers at n = 5, the t-test keeps
  the error rate.
- Failure rates: Clopper-Pearson (exact) intervals; paired failures (same task and seed): exact McNemar, i.e. a
  binomial test of the discordant pairs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05  # family-wise error rate of each claim's one-sided tests (Holm)
CONFIDENCE = 0.95  # two-sided confidence level of every interval shown
N_RESAMPLES = 2000  # bootstrap resamples
RANDOM_STATE = 0  # bootstrap seed: the report is reproducible
MIN_CI_N = 5  # fewer values than this: mean +- std with n, no bootstrap CI (it would be meaningless)


@dataclass(frozen=True)
class Effect:
    """The mean of per-seed values with its confidence interval.

    Attributes:
        n: number of values (paired seeds).
        mean: their mean.
        low, high: the :data:`CONFIDENCE` interval of the mean (NaN when ``n < MIN_CI_N``).
        method: how the interval was obtained.
        std: the sample standard deviation (NaN when ``n < 2``).
        vmin, vmax: the smallest and largest value.
    """

    n: int
    mean: float
    low: float
    high: float
    method: str
    std: float = math.nan
    vmin: float = math.nan
    vmax: float = math.nan

    def exp(self) -> Effect:
        """The same effect on the ratio scale (for log ratios; ``std`` becomes the geometric standard deviation)."""
        e = math.exp
        return Effect(
            self.n, e(self.mean), e(self.low), e(self.high), self.method, e(self.std), e(self.vmin), e(self.vmax)
        )

    def text(self, *, ratio: bool = False, digits: int = 3) -> str:
        """``"2.91x [2.5x, 3.4x] (n=5)"`` for ratios (``self`` on the log scale), ``"-0.012 [...] (n=5)"``
        otherwise; without a CI ``"2.91x (range 2.8x-3x, n=2, too few for a CI)"``."""
        e = self.exp() if ratio else self
        unit = "x" if ratio else ""

        def f(v: float) -> str:
            return "n/a" if math.isnan(v) else f"{v:.{digits}g}{unit}"

        if not math.isnan(e.low):
            return f"{f(e.mean)} [{f(e.low)}, {f(e.high)}] (n={self.n})"
        spread = f"range {f(e.vmin)} to {f(e.vmax)}, " if self.n > 1 else ""
        return f"{f(e.mean)} ({spread}n={self.n}, too few for a CI)" if self.n else "n/a (n=0)"


def _no_spread(x: np.ndarray) -> bool:
    """All values equal up to round-off (the t statistic and the bootstrap are then meaningless)."""
    return bool(np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max())))


def _bootstrap_ci(
    x: np.ndarray, method: str, confidence: float, n_resamples: int, random_state: int
) -> tuple[float, float]:
    """The bootstrap CI of the mean of ``x`` by ``method`` (NaN bounds where the method is undefined)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BCa warns (and returns NaN) on nearly degenerate resamples
        res = stats.bootstrap(
            (x,),
            np.mean,
            confidence_level=confidence,
            n_resamples=n_resamples,
            method=method,
            random_state=random_state,
            vectorized=True,
            axis=-1,
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def mean_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    random_state: int = RANDOM_STATE,
) -> Effect:
    """Mean of ``values`` with a bootstrap CI (BCa; percentile where BCa is undefined).

    Identical values give the degenerate interval ``[v, v]``; fewer than two values give NaN bounds.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Effect(0, math.nan, math.nan, math.nan, "no values")
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    lo_v, hi_v = float(x.min()), float(x.max())
    if n < MIN_CI_N:
        return Effect(n, mean, math.nan, math.nan, f"fewer than {MIN_CI_N} values, no interval", sd, lo_v, hi_v)
    if _no_spread(x):
        v = float(x[0])  # exactly (the mean of equal floats can be off in the last bit)
        return Effect(n, v, v, v, "all values equal", 0.0, v, v)
    for method in ("BCa", "percentile"):
        lo, hi = _bootstrap_ci(x, method, confidence, n_resamples, random_state)
        if math.isfinite(lo) and math.isfinite(hi):
            return Effect(n, mean, lo, hi, f"{method} bootstrap, {n_resamples} resamples", sd, lo_v, hi_v)
    return Effect(n, mean, math.nan, math.nan, "bootstrap failed", sd, lo_v, hi_v)


def log_ratios(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> np.ndarray:
    """``log(a / b)`` element-wise (pairs with a non-positive or non-finite value give NaN)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    out = np.full(a.shape, np.nan)
    out[ok] = np.log(a[ok] / b[ok])
    return out


def p_greater(values: Sequence[float] | np.ndarray, threshold: float) -> float:
    """One-sided p-value of H0: mean <= ``threshold`` against H1: mean > ``threshold`` (one-sample t-test).

    Identical values (no spread): 0 if they exceed the threshold, else 1. Fewer than two values: 1 (no evidence).
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return 1.0
    if _no_spread(x):
        return 0.0 if x[0] > threshold else 1.0
    return float(stats.ttest_1samp(x, threshold, alternative="greater").pvalue)


def p_less(values: Sequence[float] | np.ndarray, threshold: float) -> float:
    """One-sided p-value of H0: mean >= ``threshold`` against H1: mean < ``threshold`` (see :func:`p_greater`)."""
    x = np.asarray(values, dtype=np.float64)
    return p_greater(-x, -threshold)


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a proportion ``k / n``; ``(nan, nan)`` when ``n == 0``."""
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def p_rate_greater(k: int, n: int, p0: float) -> float:
    """Exact one-sided binomial p-value of H0: rate <= ``p0`` given ``k`` events in ``n`` trials."""
    if n == 0:
        return 1.0
    return float(stats.binomtest(int(k), int(n), p0, alternative="greater").pvalue)


def mcnemar_exact(b: int, c: int, alternative: str = "greater") -> float:
    """Exact McNemar test on the discordant pairs of a paired 2x2 table.

    Args:
        b: pairs where the first variant failed and the second did not.
        c: pairs where the second failed and the first did not.
        alternative: ``greater`` (H1: the first fails more often), ``less`` or ``two-sided``.

    Returns:
        The binomial test's p-value of ``b`` out of ``b + c`` against 1/2; 1 when there are no discordant pairs.
    """
    if b + c == 0:
        return 1.0
    return float(stats.binomtest(int(b), int(b + c), 0.5, alternative=alternative).pvalue)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control), in the order given.

    Sorted ascending, the i-th smallest (0-based) is multiplied by ``m - i``; a running maximum keeps them
    monotone; each is capped at 1. Reject H_i at level alpha iff its adjusted p-value is <= alpha.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return [float(v) for v in out]


def slope(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Least-squares slope of ``y`` on ``x`` (:func:`scipy.stats.linregress`); NaN with fewer than two points."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0:
        return math.nan
    return float(stats.linregress(x[ok], y[ok]).slope)
