"""C5: the monomial Vandermonde matrix is ill-conditioned (grows exponentially with degree); Legendre stays well
conditioned.

Deterministic: no seeds, no evidence gate. Decided on the conditioning table (columns ``basis, domain, degree, T,
cond_matrix, cond_gram`` and, where stored, ``cond_equilibrated``) by the growth factor per degree of the condition
numbers (:func:`growth_per_degree`) of the basis matrix on the paper's 12-point grid and of the L2 Gram matrix. The
evidence adds condition numbers after column equilibration, which separates scaling from orthogonality. The full
rule is :data:`C5_RULE`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.report.claims.base import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Result, _fmt, _has

C5_GROWTH_ILL, C5_GROWTH_WELL, C5_COND_WELL = 3.0, 1.5, 100.0

C5_RULE = (
    f"Growth factor per degree = 10^(slope of log10 cond vs degree, least squares), for the basis matrix on the "
    f"paper's 12-point grid and the L2 Gram matrix. Supported if monomial (time on [0, T], every T) grows by >= "
    f"{C5_GROWTH_ILL:g}x per degree for both matrices while Legendre grows by <= {C5_GROWTH_WELL:g}x and stays below "
    f"{C5_COND_WELL:g}; not supported if monomial grows by < {C5_GROWTH_WELL:g}x or Legendre is worse conditioned than "
    f"monomial somewhere; otherwise inconclusive."
)

CONDITIONING_COLUMNS = ("basis", "domain", "degree", "T", "cond_matrix", "cond_gram")


def growth_per_degree(df: pd.DataFrame, column: str) -> float:
    """``10**slope`` of a least-squares line through ``log10(df[column])`` against ``df.degree``."""
    d = df[["degree", column]].replace([np.inf, -np.inf], np.nan).dropna()
    if d["degree"].nunique() < 2:
        return math.nan
    slope = np.polyfit(d["degree"].astype(float), np.log10(d[column].astype(float)), 1)[0]
    return float(10**slope)


def _monomial_growth(mono: pd.DataFrame, evidence: dict[str, Any]) -> list[float]:
    """Growth per degree of cond(A) and cond(Gram) for each T of the raw-time monomial rows ``mono`` (recorded in
    ``evidence`` with cond(A) at the largest degree)."""
    growth: list[float] = []
    for big_t, g in mono.groupby("T"):
        gm = (growth_per_degree(g, "cond_matrix"), growth_per_degree(g, "cond_gram"))
        growth += gm
        evidence[f"monomial [0,T], T={big_t:g}: growth per degree (A, Gram)"] = f"{_fmt(gm[0])}x, {_fmt(gm[1])}x"
        evidence[f"monomial [0,T], T={big_t:g}: cond(A) at d={int(g['degree'].max())}"] = _fmt(
            float(g.loc[g["degree"].idxmax(), "cond_matrix"])
        )
    return growth


def _worse_points(mono: pd.DataFrame, leg: pd.DataFrame) -> int:
    """How many (degree, T) points have Legendre worse conditioned than monomial (basis or Gram matrix)."""
    merged = mono.merge(leg, on=["degree", "T"], suffixes=("_m", "_l"))
    worse = merged[
        (merged["cond_matrix_l"] > merged["cond_matrix_m"]) | (merged["cond_gram_l"] > merged["cond_gram_m"])
    ]
    return len(worse)


def _c5_rule(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C5: the monomial Vandermonde matrix is ill conditioned (exponential growth); Legendre stays well conditioned.
    Returns (verdict, evidence, explanation)."""
    c = conditioning if conditioning is not None else pd.DataFrame()
    if not _has(c, *CONDITIONING_COLUMNS):
        return INCONCLUSIVE, {}, "no conditioning table."
    mono = c[(c["basis"] == "monomial") & (c["domain"] == "raw")]
    leg = c[c["basis"] == "legendre"]
    if mono.empty or leg.empty or c["degree"].nunique() < 2:
        return INCONCLUSIVE, {}, "the conditioning table lacks monomial or Legendre rows at two or more degrees."
    evidence: dict[str, Any] = {"degrees": f"{int(c['degree'].min())}..{int(c['degree'].max())}"}
    growth_m = _monomial_growth(mono, evidence)
    growth_l = [growth_per_degree(g, m) for _t, g in leg.groupby("T") for m in ("cond_matrix", "cond_gram")]
    evidence["Legendre: growth per degree (max over T, A and Gram)"] = f"{_fmt(max(growth_l))}x"
    cond_l = float(leg[["cond_matrix", "cond_gram"]].max().max())
    evidence["Legendre: largest condition number"] = _fmt(cond_l)
    n_worse = _worse_points(mono, leg)
    if min(growth_m) < C5_GROWTH_WELL or n_worse:
        why = (
            f"monomial grows only {_fmt(min(growth_m))}x per degree"
            if min(growth_m) < C5_GROWTH_WELL
            else f"Legendre is worse conditioned than monomial at {n_worse} (degree, T) points"
        )
        return NOT_SUPPORTED, evidence, why + "."
    if min(growth_m) >= C5_GROWTH_ILL and max(growth_l) <= C5_GROWTH_WELL and cond_l <= C5_COND_WELL:
        return (
            SUPPORTED,
            evidence,
            f"monomial condition numbers grow {_fmt(min(growth_m))}x-{_fmt(max(growth_m))}x per degree "
            f"(exponential); Legendre's grow at most {_fmt(max(growth_l))}x and stay <= {_fmt(cond_l)}.",
        )
    return INCONCLUSIVE, evidence, "growth rates fall between the thresholds."


def claim_c5(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C5: the monomial Vandermonde matrix is ill conditioned (exponential growth); Legendre stays well conditioned.

    Deterministic (no seeds, no gate); the evidence adds condition numbers after column equilibration (each column
    scaled to unit norm), which separates scaling from orthogonality.
    """
    verdict, evidence, why = _c5_rule(table, conditioning)
    res = Result(
        verdict,
        why,
        evidence,
        test="deterministic: least-squares growth rate of log10 condition numbers over the degrees",
        n="exact computation, no seeds",
        threshold=f"monomial >= {C5_GROWTH_ILL:g}x per degree; Legendre <= {C5_GROWTH_WELL:g}x and < {C5_COND_WELL:g}",
        budget="no training",
        data="basis matrices on the paper's 12-point grid",
    )
    eq = equilibrated_conditioning(conditioning)
    if eq:
        res.evidence["condition number of A after column equilibration (raw monomial / unit monomial / Legendre)"] = eq
    res.effect = "; ".join(f"{k}: {v}" for k, v in evidence.items() if "growth per degree" in k)
    return res


def _equilibrated_at(at_t: pd.DataFrame, d: int) -> list[str] | None:
    """cond_equilibrated of raw monomial, unit monomial and Legendre at degree ``d`` (rows of one T); None where a
    variant is missing."""
    vals = []
    for name, domain in (("monomial", "raw"), ("monomial", "unit"), ("legendre", None)):
        rows = at_t[(at_t["basis"] == name) & (at_t["degree"] == d)]
        rows = rows if domain is None else rows[rows["domain"] == domain]
        if rows.empty:
            return None
        vals.append(_fmt(float(rows["cond_equilibrated"].iloc[0])))
    return vals


def equilibrated_conditioning(conditioning: pd.DataFrame | None) -> str:
    """``"d=3, T=10: 73.8 / 73.8 / 2.3; ..."``: cond of the basis matrix with unit-norm columns (the stored
    ``cond_equilibrated`` column), at the largest T and the smallest and largest degree of ``conditioning``; "" when
    it was not stored."""
    if conditioning is None or not _has(conditioning, "degree", "T", "cond_equilibrated"):
        return ""
    big_t = float(conditioning["T"].max())
    at_t = conditioning[conditioning["T"] == big_t]
    parts = []
    for d in sorted({int(conditioning["degree"].min()), int(conditioning["degree"].max())}):
        vals = _equilibrated_at(at_t, d)
        if vals is None:
            return ""
        parts.append(f"d={d}, T={big_t:g}: {' / '.join(vals)}")
    return "; ".join(parts)
