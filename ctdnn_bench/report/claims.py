"""The paper's claims C1-C6 (paper.md section 10), each decided by a rule applied to the measured results.

Every claim is a function ``claim_cN(table, conditioning) -> (verdict, evidence, explanation)``: ``table`` is the
tidy run table of :func:`ctdnn_bench.report.inputs.load_runs`, ``conditioning`` a conditioning table (columns
``basis, domain, degree, T, cond_matrix, cond_gram``). The verdict is one of :data:`VERDICTS`; the evidence dict
holds the numbers the rule used (display-ready); the explanation is one or two sentences. No verdict is written by
hand: when the data do not allow a decision the verdict is ``inconclusive`` and the explanation says why.

Comparisons are like for like: two runs are paired only when their configs are identical apart from the time
basis (same data set, architecture, T, tolerances, optimizer, epochs: the ``task`` column) and their seed matches.
"Monomial" is the run labelled ``monomial d=3``: in Table 2 that is time on [0, T] (the authors' MATLAB), in the
neural-ODE runs time mapped to [0, 1] (the authors' revised code); :func:`scaling_vs_orthogonality` separates the
two effects with the other monomial variants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)

MONOMIAL, LEGENDRE, NONE = "monomial d=3", "legendre d=3", "none"
DTO_ARCHS = ("resnet", "hamiltonian")

# Thresholds of the rules (the rule texts below are built from these, so text and code cannot drift apart).
C1_SUPPORT, C1_REJECT = 2.0, 1.25  # NFE ratio monomial / Legendre
C2_FAIL_GAP, C2_GRAD_SUPPORT, C2_GRAD_REJECT = 0.10, 10.0, 3.0
C3_FAIL_RATIO, C3_CONSISTENT, C3_RARE, C3_SIMILAR = 1.5, 0.8, 0.5, 0.8
COMPARABLE = 1.10  # "comparable" = mean within 10 % (or within one standard deviation)
SHARE_SUPPORT, SHARE_REJECT = 0.8, 0.5
C5_GROWTH_ILL, C5_GROWTH_WELL, C5_COND_WELL = 3.0, 1.5, 100.0

ClaimFn = Callable[[pd.DataFrame, pd.DataFrame], tuple[str, dict[str, Any], str]]


@dataclass(frozen=True)
class Claim:
    """One claim with its computed verdict.

    Attributes:
        id: ``C1`` .. ``C6``.
        statement: the claim as the paper's summaries state it.
        measure: what is measured.
        rule: the decision rule, in words, with its thresholds.
        verdict: one of :data:`VERDICTS`.
        evidence: the numbers the rule used (name -> value).
        explanation: why this verdict.
    """

    id: str
    statement: str
    measure: str
    rule: str
    verdict: str
    evidence: dict[str, Any]
    explanation: str


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}"


def _ok(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["status"] == "ok"] if not df.empty else df


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(np.nan, index=df.index)


def _has(table: pd.DataFrame, *cols: str) -> bool:
    return not table.empty and all(c in table.columns for c in cols)


def pairs(table: pd.DataFrame, label_a: str, label_b: str, mask: pd.Series | None = None) -> pd.DataFrame:
    """Runs ``label_a`` and ``label_b`` of the same task and seed side by side (columns suffixed ``_a``/``_b``)."""
    if not _has(table, "label", "task", "seed_init"):
        return pd.DataFrame()
    t = table if mask is None else table[mask]
    a, b = t[t["label"] == label_a], t[t["label"] == label_b]
    return a.merge(b, on=["task", "seed_init"], suffixes=("_a", "_b"))


def _setting(row: pd.Series, suffix: str = "") -> str:
    ds, arch, big_t = row[f"dataset{suffix}"], row[f"architecture{suffix}"], row[f"T{suffix}"]
    return f"{ds} {arch} T={big_t:g}"


# ------------------------------------------------------------------------------------------------------- C1

C1_RULE = (
    f"Per task (data set, tolerances, iterations identical), ratio r = mean cumulative forward+backward training NFE "
    f"of '{MONOMIAL}' / '{LEGENDRE}' over the seeds where both finished. Supported if r >= {C1_SUPPORT:g} on every "
    f"task, not supported if r <= {C1_REJECT:g} on every task, otherwise inconclusive."
)


def claim_c1(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C1: Legendre neural ODEs need far fewer function evaluations than monomial ones."""
    if not _has(table, "architecture", "nfe_train"):
        return INCONCLUSIVE, {}, "no neural-ODE runs in the results store."
    node = table["architecture"] == "node"
    p = pairs(table, MONOMIAL, LEGENDRE, node)
    if p.empty:
        return INCONCLUSIVE, {}, f"no neural-ODE task has both '{MONOMIAL}' and '{LEGENDRE}' runs with the same seed."
    evidence: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    for task, g in p.groupby("task", sort=True):
        both = g[(g["status_a"] == "ok") & (g["status_b"] == "ok")]
        name = str(g["dataset_a"].iloc[0])
        if len(ratios) and name in ratios:
            name = f"{name} ({task})"
        failed = int((g["status_a"] != "ok").sum()), int((g["status_b"] != "ok").sum())
        if both.empty:
            evidence[f"{name}: runs"] = (
                f"no seed where both finished (diverged: {failed[0]} monomial, {failed[1]} Legendre)"
            )
            continue
        m, leg = both["nfe_train_a"].mean(), both["nfe_train_b"].mean()
        ratios[name] = m / leg if leg > 0 else math.inf
        evidence[f"{name}: NFE ratio monomial/Legendre"] = round(ratios[name], 3)
        evidence[f"{name}: mean training NFE (monomial, Legendre)"] = f"{m:,.0f} vs {leg:,.0f}"
        evidence[f"{name}: seeds, tolerances"] = (
            f"{sorted(both['seed_init'].astype(int).tolist())}; rtol {both['rtol_a'].iloc[0]:g}, "
            f"atol {both['atol_a'].iloc[0]:g}, {both['method_a'].iloc[0]}"
        )
        if any(failed):
            evidence[f"{name}: diverged runs (monomial, Legendre)"] = f"{failed[0]}, {failed[1]}"
    raw = pairs(table, "monomial[raw] d=3", LEGENDRE, node)
    for _task, g in raw.groupby("task", sort=True):
        n_div = int((g["status_a"] != "ok").sum())
        r = g["nfe_train_a"].mean() / g["nfe_train_b"].mean() if g["nfe_train_b"].mean() > 0 else math.nan
        evidence[f"{g['dataset_a'].iloc[0]}: time on [0, T] (not used by the rule)"] = (
            f"NFE ratio {_fmt(r)} incl. diverged runs; {n_div} of {len(g)} monomial[raw] runs diverged"
        )
    if not ratios:
        return INCONCLUSIVE, evidence, "no seed where both the monomial and the Legendre neural ODE finished training."
    values = list(ratios.values())
    summary = ", ".join(f"{k}: {_fmt(v)}" for k, v in ratios.items())
    if all(r >= C1_SUPPORT for r in values):
        return (
            SUPPORTED,
            evidence,
            f"monomial needed at least {C1_SUPPORT:g}x the NFE of Legendre on every task ({summary}).",
        )
    if all(r <= C1_REJECT for r in values):
        return (
            NOT_SUPPORTED,
            evidence,
            f"monomial needed at most {C1_REJECT:g}x the NFE of Legendre on every task ({summary}): no large saving.",
        )
    return INCONCLUSIVE, evidence, f"the NFE ratios ({summary}) are between the thresholds or disagree across tasks."


# ------------------------------------------------------------------------------------------------------- C2

C2_RULE = (
    f"Pairs of '{MONOMIAL}' and '{LEGENDRE}' runs (same task and seed; all T, DTO and neural ODE). f = fraction of "
    f"runs that diverged or stalled (final training loss > 0.9 x first); g = median over pairs of the ratio of the "
    f"largest gradient norm seen (monomial / Legendre). Supported if f_monomial - f_Legendre >= {C2_FAIL_GAP:g}; not "
    f"supported if f_Legendre - f_monomial >= {C2_FAIL_GAP:g}; otherwise supported if g >= {C2_GRAD_SUPPORT:g}, not "
    f"supported if g <= {C2_GRAD_REJECT:g}, else inconclusive."
)


def claim_c2(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C2: Legendre trains more stably than monomial (no stalls, no gradient blow-up)."""
    p = pairs(table, MONOMIAL, LEGENDRE)
    if p.empty:
        return INCONCLUSIVE, {}, f"no task has both '{MONOMIAL}' and '{LEGENDRE}' runs with the same seed."
    f_m, f_l = float(p["failed_a"].mean()), float(p["failed_b"].mean())
    ratio = p["grad_norm_peak_a"] / p["grad_norm_peak_b"]
    ratio = ratio[np.isfinite(ratio)]
    g = float(ratio.median()) if len(ratio) else math.nan
    by_t = {
        f"T={t:g}": f"{int(s['failed_a'].sum())}/{len(s)} vs {int(s['failed_b'].sum())}/{len(s)}"
        for t, s in p.groupby("T_a")
    }
    evidence: dict[str, Any] = {
        "pairs (task x seed)": len(p),
        "failed fraction monomial": round(f_m, 3),
        "failed fraction Legendre": round(f_l, 3),
        "median gradient-norm peak ratio monomial/Legendre": round(g, 3) if math.isfinite(g) else "n/a",
        **{f"failed monomial vs Legendre at {k}": v for k, v in by_t.items()},
    }
    if f_m - f_l >= C2_FAIL_GAP:
        return SUPPORTED, evidence, f"monomial runs failed more often ({f_m:.0%} vs {f_l:.0%})."
    if f_l - f_m >= C2_FAIL_GAP:
        return NOT_SUPPORTED, evidence, f"Legendre runs failed more often ({f_l:.0%} vs {f_m:.0%})."
    if not math.isfinite(g):
        return INCONCLUSIVE, evidence, "failure rates are similar and no gradient norms were recorded."
    if g >= C2_GRAD_SUPPORT:
        return SUPPORTED, evidence, f"failure rates are similar, but monomial gradients peak {_fmt(g)}x higher."
    if g <= C2_GRAD_REJECT:
        return (
            NOT_SUPPORTED,
            evidence,
            f"failure rates are similar ({f_m:.0%} vs {f_l:.0%}) and gradient peaks differ only {_fmt(g)}x.",
        )
    return (
        INCONCLUSIVE,
        evidence,
        f"failure rates are similar and gradient peaks differ {_fmt(g)}x (between thresholds).",
    )


# ------------------------------------------------------------------------------------------------------- C3

C3_RULE = (
    f"Table-2 runs (ResNet and Hamiltonian, every data set and T), paired by task and seed. A '{MONOMIAL}' run fails "
    f"to converge if it diverged, stalled, or ended with a training error > {C3_FAIL_RATIO:g} x that of "
    f"'{LEGENDRE}'. s = share of pairs where '{LEGENDRE}' has a test error within {COMPARABLE - 1:.0%} of (or below) "
    f"'{NONE}' (the unconstrained model, more weights). Supported if >= {C3_CONSISTENT:.0%} of monomial runs fail, "
    f"<= {1 - C3_CONSISTENT:.0%} of Legendre runs fail and s >= {C3_SIMILAR:.0%}; not supported if < "
    f"{C3_RARE:.0%} of monomial runs fail or s < {C3_RARE:.0%}; otherwise inconclusive."
)


def claim_c3(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C3: third-order monomial ResNets consistently fail to converge; Legendre gets similar accuracy with fewer
    weights."""
    if not _has(table, "architecture", "train_rel_err"):
        return INCONCLUSIVE, {}, "no Table-2 (ResNet / Hamiltonian) runs in the results store."
    dto = table["architecture"].isin(DTO_ARCHS)
    p = pairs(table, MONOMIAL, LEGENDRE, dto)
    if p.empty:
        return INCONCLUSIVE, {}, f"no ResNet/Hamiltonian task has both '{MONOMIAL}' and '{LEGENDRE}' runs."
    worse = _col(p, "train_rel_err_a") > C3_FAIL_RATIO * _col(p, "train_rel_err_b")
    fail_m = p["failed_a"] | worse
    f_m, f_l = float(fail_m.mean()), float(p["failed_b"].mean())
    q = pairs(table, LEGENDRE, NONE, dto)
    similar = (q["status_a"] == "ok") & (
        (q["status_b"] != "ok") | (_col(q, "test_rel_err_a") <= COMPARABLE * _col(q, "test_rel_err_b"))
    )
    s = float(similar.mean()) if len(q) else math.nan
    evidence: dict[str, Any] = {
        "monomial/Legendre pairs": len(p),
        "monomial runs failing to converge": f"{int(fail_m.sum())}/{len(p)} ({f_m:.0%})",
        "  of which diverged or stalled": int(p["failed_a"].sum()),
        "Legendre runs failing (diverged or stalled)": f"{int(p['failed_b'].sum())}/{len(p)} ({f_l:.0%})",
        "Legendre-vs-unconstrained pairs": len(q),
        "Legendre test error within 10% of unconstrained": f"{int(similar.sum())}/{len(q)}" if len(q) else "n/a",
    }
    if len(q) and "theta_a" in q.columns:
        evidence["weights (theta) Legendre d=3 vs unconstrained"] = (
            f"{int(q['theta_a'].median())} vs {int(q['theta_b'].median())}"
        )
    for arch, sub in p.assign(fail=fail_m).groupby("architecture_a"):
        evidence[f"monomial failing, {arch}"] = f"{int(sub['fail'].sum())}/{len(sub)}"
    if f_m < C3_RARE or (math.isfinite(s) and s < C3_RARE):
        why = (
            f"only {f_m:.0%} of monomial runs failed to converge"
            if f_m < C3_RARE
            else f"Legendre d=3 matched the unconstrained model in only {s:.0%} of pairs"
        )
        return NOT_SUPPORTED, evidence, why + "."
    if f_m >= C3_CONSISTENT and f_l <= 1 - C3_CONSISTENT and math.isfinite(s) and s >= C3_SIMILAR:
        return (
            SUPPORTED,
            evidence,
            f"{f_m:.0%} of monomial runs failed, {f_l:.0%} of Legendre runs, and Legendre matched the unconstrained "
            f"model in {s:.0%} of pairs.",
        )
    extra = "" if math.isfinite(s) else " (no unconstrained runs to compare accuracy with)"
    return INCONCLUSIVE, evidence, f"{f_m:.0%} of monomial runs and {f_l:.0%} of Legendre runs failed{extra}."


# ------------------------------------------------------------------------------------------------------- C4

C4_RULE = (
    f"Per task, mean +- std of the test relative error over matched seeds of '{LEGENDRE}' and of each competitor "
    f"('{MONOMIAL}'; '{NONE}' = one weight set per step, Table 2 only). Legendre is comparable or better in a task if "
    f"it diverged no more often and its mean is <= {COMPARABLE:g} x the competitor's or within one standard deviation. "
    f"Supported if that holds in >= {SHARE_SUPPORT:.0%} of the tasks against every competitor, not supported if in "
    f"< {SHARE_REJECT:.0%} against some competitor, otherwise inconclusive."
)


def comparable_or_better(leg: pd.DataFrame, other: pd.DataFrame, err: str = "test_rel_err") -> tuple[bool, float]:
    """Is the Legendre group ``leg`` comparable to or better than ``other``? Also returns the ratio of means."""
    n_fail_l, n_fail_o = int((leg["status"] != "ok").sum()), int((other["status"] != "ok").sum())
    el, eo = _col(_ok(leg), err).dropna(), _col(_ok(other), err).dropna()
    if el.empty:
        return False, math.inf
    if eo.empty:
        return True, 0.0
    ratio = float(el.mean() / eo.mean()) if eo.mean() > 0 else math.inf
    spread = max(float(el.std(ddof=1)) if len(el) > 1 else 0.0, float(eo.std(ddof=1)) if len(eo) > 1 else 0.0)
    close = ratio <= COMPARABLE or float(el.mean() - eo.mean()) <= spread
    return n_fail_l <= n_fail_o and close, ratio


def claim_c4(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C4: Legendre accuracy is comparable to or better than monomial and unconstrained models."""
    if not _has(table, "label", "task"):
        return INCONCLUSIVE, {}, "no runs in the results store."
    evidence: dict[str, Any] = {}
    shares: dict[str, float] = {}
    for other in (MONOMIAL, NONE):
        wins, worst, worst_at = [], 0.0, ""
        for _task, g in table.groupby("task"):
            leg, oth = g[g["label"] == LEGENDRE], g[g["label"] == other]
            seeds = set(leg["seed_init"]) & set(oth["seed_init"])
            if not seeds:
                continue
            good, ratio = comparable_or_better(leg[leg["seed_init"].isin(seeds)], oth[oth["seed_init"].isin(seeds)])
            wins.append(good)
            if ratio > worst:
                worst, worst_at = ratio, _setting(g.iloc[0])
        if wins:
            shares[other] = sum(wins) / len(wins)
            evidence[f"vs '{other}': tasks comparable or better"] = f"{sum(wins)}/{len(wins)}"
            evidence[f"vs '{other}': worst mean error ratio Legendre/{other}"] = f"{_fmt(worst)} ({worst_at})"
    if not shares:
        return INCONCLUSIVE, evidence, f"no task has '{LEGENDRE}' and a competitor with the same seeds."
    summary = ", ".join(f"{v:.0%} of tasks vs '{k}'" for k, v in shares.items())
    if min(shares.values()) < SHARE_REJECT:
        return NOT_SUPPORTED, evidence, f"Legendre was comparable or better in {summary}."
    if min(shares.values()) >= SHARE_SUPPORT:
        missing = "" if len(shares) == 2 else f" (no '{NONE}' runs to compare with)"
        verdict = SUPPORTED if len(shares) == 2 else INCONCLUSIVE
        return verdict, evidence, f"Legendre was comparable or better in {summary}{missing}."
    return INCONCLUSIVE, evidence, f"Legendre was comparable or better in {summary} (between thresholds)."


# ------------------------------------------------------------------------------------------------------- C5

C5_RULE = (
    f"Growth factor per degree = 10^(slope of log10 cond vs degree, least squares), for the basis matrix on the "
    f"paper's 12-point grid and the L2 Gram matrix. Supported if monomial (time on [0, T], every T) grows by >= "
    f"{C5_GROWTH_ILL:g}x per degree for both matrices while Legendre grows by <= {C5_GROWTH_WELL:g}x and stays below "
    f"{C5_COND_WELL:g}; not supported if monomial grows by < {C5_GROWTH_WELL:g}x or Legendre is worse conditioned than "
    f"monomial somewhere; otherwise inconclusive."
)


def growth_per_degree(df: pd.DataFrame, column: str) -> float:
    """``10**slope`` of a least-squares line through ``log10(df[column])`` against ``df.degree``."""
    d = df[["degree", column]].replace([np.inf, -np.inf], np.nan).dropna()
    if d["degree"].nunique() < 2:
        return math.nan
    slope = np.polyfit(d["degree"].astype(float), np.log10(d[column].astype(float)), 1)[0]
    return float(10**slope)


def claim_c5(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C5: the monomial Vandermonde matrix is ill conditioned (exponential growth); Legendre stays well conditioned."""
    c = conditioning if conditioning is not None else pd.DataFrame()
    if not _has(c, "basis", "domain", "degree", "T", "cond_matrix", "cond_gram"):
        return INCONCLUSIVE, {}, "no conditioning table."
    mono = c[(c["basis"] == "monomial") & (c["domain"] == "raw")]
    leg = c[c["basis"] == "legendre"]
    if mono.empty or leg.empty or c["degree"].nunique() < 2:
        return INCONCLUSIVE, {}, "the conditioning table lacks monomial or Legendre rows at two or more degrees."
    evidence: dict[str, Any] = {"degrees": f"{int(c['degree'].min())}..{int(c['degree'].max())}"}
    growth_m: list[float] = []
    growth_l: list[float] = []
    for big_t, g in mono.groupby("T"):
        gm = (growth_per_degree(g, "cond_matrix"), growth_per_degree(g, "cond_gram"))
        growth_m += gm
        evidence[f"monomial [0,T], T={big_t:g}: growth per degree (A, Gram)"] = f"{_fmt(gm[0])}x, {_fmt(gm[1])}x"
        evidence[f"monomial [0,T], T={big_t:g}: cond(A) at d={int(g['degree'].max())}"] = _fmt(
            float(g.loc[g["degree"].idxmax(), "cond_matrix"])
        )
    for _t, g in leg.groupby("T"):
        growth_l += [growth_per_degree(g, "cond_matrix"), growth_per_degree(g, "cond_gram")]
    evidence["Legendre: growth per degree (max over T, A and Gram)"] = f"{_fmt(max(growth_l))}x"
    cond_l = float(leg[["cond_matrix", "cond_gram"]].max().max())
    evidence["Legendre: largest condition number"] = _fmt(cond_l)
    merged = mono.merge(leg, on=["degree", "T"], suffixes=("_m", "_l"))
    worse = merged[
        (merged["cond_matrix_l"] > merged["cond_matrix_m"]) | (merged["cond_gram_l"] > merged["cond_gram_m"])
    ]
    if min(growth_m) < C5_GROWTH_WELL or not worse.empty:
        why = (
            f"monomial grows only {_fmt(min(growth_m))}x per degree"
            if min(growth_m) < C5_GROWTH_WELL
            else f"Legendre is worse conditioned than monomial at {len(worse)} (degree, T) points"
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


# ------------------------------------------------------------------------------------------------------- C6

C6_RULE = (
    f"Table-2/3 tasks (ResNet, Hamiltonian) with '{LEGENDRE}' and '{NONE}': the best model is the variant (Legendre "
    f"d=3..6, monomial, unconstrained) with the lowest mean test error. A task supports the claim if Legendre d=3 has "
    f"fewer weights than the unconstrained model and its mean test error is <= {COMPARABLE:g} x the best or within "
    f"one standard deviation of it. Supported if >= {SHARE_SUPPORT:.0%} of tasks support it, not supported if < "
    f"{SHARE_REJECT:.0%}, otherwise inconclusive."
)


def claim_c6(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> tuple[str, dict[str, Any], str]:
    """C6: a low-dimensional polynomial subspace regularizes: fewer degrees of freedom for similar error."""
    if not _has(table, "architecture", "test_rel_err", "theta"):
        return INCONCLUSIVE, {}, "no Table-2/3 runs with test errors in the results store."
    dto = table[table["architecture"].isin(DTO_ARCHS)]
    results = []
    for _task, g in dto.groupby("task"):
        if not {LEGENDRE, NONE} <= set(g["label"]):
            continue
        stats = _ok(g).groupby("label")["test_rel_err"].agg(["mean", "std", "count"])
        if LEGENDRE not in stats.index:
            results.append((False, _setting(g.iloc[0]), math.inf))
            continue
        best = stats["mean"].idxmin()
        l3 = stats.loc[LEGENDRE]
        spread = float(np.nanmax([l3["std"], stats.loc[best, "std"], 0.0]))
        close = l3["mean"] <= COMPARABLE * stats.loc[best, "mean"] or l3["mean"] - stats.loc[best, "mean"] <= spread
        fewer = g.loc[g["label"] == LEGENDRE, "theta"].max() < g.loc[g["label"] == NONE, "theta"].min()
        results.append((bool(close and fewer), _setting(g.iloc[0]), float(l3["mean"] / stats.loc[best, "mean"])))
    if not results:
        return INCONCLUSIVE, {}, f"no ResNet/Hamiltonian task has both '{LEGENDRE}' and '{NONE}' runs."
    share = sum(r[0] for r in results) / len(results)
    theta = dto.groupby("label")["theta"].median()
    evidence: dict[str, Any] = {
        "tasks where Legendre d=3 is within 10% of the best with fewer weights": f"{sum(r[0] for r in results)}/"
        f"{len(results)}",
        "median weights (theta) by variant": ", ".join(f"{k}: {int(v)}" for k, v in theta.items() if math.isfinite(v)),
    }
    worst = max(results, key=lambda r: r[2])
    evidence["largest error ratio Legendre d=3 / best"] = f"{_fmt(worst[2])} ({worst[1]})"
    text = (
        f"Legendre d=3 was within {COMPARABLE - 1:.0%} of the best variant with fewer weights in {share:.0%} of tasks."
    )
    if share >= SHARE_SUPPORT:
        return SUPPORTED, evidence, text
    if share < SHARE_REJECT:
        return NOT_SUPPORTED, evidence, text
    return INCONCLUSIVE, evidence, text + " (between thresholds)"


# ---------------------------------------------------------------------------------------------------- registry

CLAIMS: dict[str, tuple[str, str, str, ClaimFn]] = {
    "C1": (
        "Legendre-parameterized neural ODEs need far fewer function evaluations than monomial ones (summaries quote "
        "9.17e7 vs 7.87e8 cumulative NFE, about 8.6x).",
        "cumulative forward+backward NFE over training, same task, tolerances, degree and seeds",
        C1_RULE,
        claim_c1,
    ),
    "C2": (
        "Legendre gives more stable training (no stalls, no gradient blow-up) than monomial.",
        "fraction of runs that diverge or stall, peak gradient norms, across seeds and T",
        C2_RULE,
        claim_c2,
    ),
    "C3": (
        "Third-order monomial ResNets consistently fail to converge, while Legendre reaches similar accuracy with "
        "fewer weights.",
        "convergence per Table-2 run, final errors per basis",
        C3_RULE,
        claim_c3,
    ),
    "C4": (
        "Legendre accuracy is comparable to or better than monomial and unconstrained (one weight set per step) "
        "models.",
        "test relative error, mean and spread over seeds",
        C4_RULE,
        claim_c4,
    ),
    "C5": (
        "The monomial Vandermonde matrix is ill-conditioned (grows exponentially with degree); Legendre stays well "
        "conditioned.",
        "condition numbers of basis and Gram matrices per degree and T",
        C5_RULE,
        claim_c5,
    ),
    "C6": (
        "Constraining weights to a low-dimensional polynomial subspace regularizes: fewer degrees of freedom for "
        "similar error.",
        "test error vs parameter count (Table 3 style)",
        C6_RULE,
        claim_c6,
    ),
}


def evaluate_claims(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> list[Claim]:
    """Apply every claim's rule to the results; a rule that fails on unexpected data gives ``inconclusive``."""
    out = []
    cond = conditioning if conditioning is not None else pd.DataFrame()
    for cid, (statement, measure, rule, fn) in CLAIMS.items():
        try:
            verdict, evidence, why = fn(table, cond)
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as exc:  # malformed data: say so, never crash
            verdict, evidence, why = INCONCLUSIVE, {}, f"the rule could not be applied ({type(exc).__name__}: {exc})."
        out.append(Claim(cid, statement, measure, rule, verdict, evidence, why))
    return out


# ------------------------------------------------------------------------------------ scaling vs orthogonality

#: (experiment, monomial on raw time, monomial on unit time) label pairs; Legendre is ``legendre d=3`` in both.
SCALING_LABELS = {"table2": ("monomial d=3", "monomial[0,1] d=3"), "node": ("monomial[raw] d=3", "monomial d=3")}
EFFECT_RATIO = 1.25  # a ratio below this (either way) counts as "no effect"
EFFECT_DIFF = 0.10  # a difference of failed fractions below this counts as "no effect"


def _dominant(scaling: float, ortho: float, kind: str) -> str:
    def size(f: float) -> float:
        if math.isnan(f):
            return 0.0
        if kind == "difference":
            return abs(f)
        return math.inf if f == 0 or math.isinf(f) else abs(math.log(f))

    cut = EFFECT_DIFF if kind == "difference" else math.log(EFFECT_RATIO)
    s, o = size(scaling), size(ortho)
    if s < cut and o < cut:
        return "neither"
    if s >= cut and o >= cut:
        return "both, mostly time scaling" if s > o else "both, mostly orthogonality"
    return "time scaling" if s >= cut else "orthogonality"


def _ratio(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


def _mean_ok(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda d: float(_ok(d)[column].mean()) if len(_ok(d)) else math.nan


#: metric name -> (function of the runs of one variant, "ratio" or "difference")
ATTRIBUTION_METRICS: dict[str, tuple[Callable[[pd.DataFrame], float], str]] = {
    "test error (mean)": (_mean_ok("test_rel_err"), "ratio"),
    "failed fraction": (lambda d: float(d["failed"].mean()), "difference"),
    "peak gradient norm (median)": (lambda d: float(d["grad_norm_peak"].median()), "ratio"),
    "training NFE (mean)": (lambda d: float(d["nfe_train"].mean()), "ratio"),
}


def scaling_vs_orthogonality(table: pd.DataFrame) -> pd.DataFrame:
    """Separate the effect of the time domain from that of orthogonality, per task.

    For Table 2 at T > 1 (where [0, T] and [0, 1] differ) and the neural-ODE tasks with a raw-time variant, compares
    monomial on [0, T] (``raw``), monomial on [0, 1] (``unit``) and Legendre over matched seeds. For ratio metrics
    (mean test error of finished runs, median peak gradient norm, mean training NFE including diverged runs; NFE for
    neural ODEs only) ``time scaling = raw / unit`` and ``orthogonality = unit / Legendre``; for the failed fraction
    they are differences (raw - unit, unit - Legendre). ``dominant effect`` names the larger effect; a ratio counts
    if it is >= 1.25 either way, a difference if it is >= 0.1.
    """
    rows: list[dict[str, Any]] = []
    if not _has(table, "label", "task", "architecture"):
        return pd.DataFrame(rows)
    for _task, g in table.groupby("task"):
        labels = set(g["label"])
        pair = next((v for v in SCALING_LABELS.values() if set(v) <= labels and LEGENDRE in labels), None)
        if pair is None:
            continue
        first = g.iloc[0]
        is_node = first["architecture"] == "node"
        if not is_node and float(first["T"]) <= 1.0:
            continue  # on [0, 1] raw and unit time coincide
        parts = {
            name: g[g["label"] == lab] for name, lab in zip(("raw", "unit", "legendre"), (*pair, LEGENDRE), strict=True)
        }
        seeds = set.intersection(*(set(p["seed_init"]) for p in parts.values()))
        if not seeds:
            continue
        parts = {k: v[v["seed_init"].isin(seeds)] for k, v in parts.items()}
        for metric, (fn, kind) in ATTRIBUTION_METRICS.items():
            if metric == "training NFE (mean)" and not is_node:
                continue
            raw, unit, leg = (fn(parts[k]) for k in ("raw", "unit", "legendre"))
            if kind == "difference":
                if raw == unit == leg:
                    continue
                scaling, ortho = raw - unit, unit - leg
            else:
                scaling, ortho = _ratio(raw, unit), _ratio(unit, leg)
            rows.append(
                {
                    "setting": f"{first['dataset']} neural ODE" if is_node else _setting(first),
                    "metric": metric,
                    "kind": kind,
                    "seeds": len(seeds),
                    "monomial [0,T]": raw,
                    "monomial [0,1]": unit,
                    "Legendre": leg,
                    "time scaling": scaling,
                    "orthogonality": ortho,
                    "dominant effect": _dominant(scaling, ortho, kind),
                }
            )
    return pd.DataFrame(rows)


def attribution_summary(attr: pd.DataFrame) -> str:
    """One sentence counting, over the rows of :func:`scaling_vs_orthogonality`, which effect dominated."""
    if attr.empty:
        return (
            "No task has all three variants (monomial on [0, T], monomial on [0, 1], Legendre) with matched seeds at "
            "T > 1, so the two effects cannot be separated here."
        )
    parts = []
    for metric, g in attr.groupby("metric", sort=False):
        counts = g["dominant effect"].str.replace(r"both, mostly ", "", regex=True).value_counts()
        parts.append(f"{metric}: " + ", ".join(f"{k} in {v}/{len(g)}" for k, v in counts.items()))
    return "Dominant effect per metric (count of tasks): " + "; ".join(parts) + "."
