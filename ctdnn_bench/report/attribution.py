"""Scaling vs orthogonality: how much of the monomial basis's trouble is the time domain, how much the basis.

The authors' monomial is time on [0, T] in Table 2 (their MATLAB) and time mapped to [0, 1] in the neural ODEs (their
revised code). Where a task has both monomial variants, three runs per seed separate the two effects: monomial on
[0, T] (``raw``), monomial on [0, 1] (``unit``) and Legendre. ``time scaling`` compares raw with unit,
``orthogonality`` unit with Legendre (ratios for most metrics, differences for the failed fraction), and ``dominant
effect`` names the larger one. This module reads the run table only; it does not depend on the claim
rules of :mod:`ctdnn_bench.report.claims`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from ctdnn_bench.variants import variant

#: The three variants compared (labels of :mod:`ctdnn_bench.variants`): monomial on raw time, on unit time, Legendre.
RAW, UNIT, LEGENDRE = variant("monomial", 3, "raw").label, variant("monomial", 3, "unit").label, "legendre d=3"
EFFECT_RATIO = 1.25  # a ratio below this (either way) counts as "no effect"
EFFECT_DIFF = 0.10  # a difference of failed fractions below this counts as "no effect"
VARIANTS = ("raw", "unit", "legendre")


def _effect_size(f: float, kind: str) -> float:
    """Size of an effect: ``|f|`` for a difference, ``|log f|`` for a ratio (0 and inf are infinitely large; NaN is
    no effect)."""
    if math.isnan(f):
        return 0.0
    if kind == "difference":
        return abs(f)
    return math.inf if f == 0 or math.isinf(f) else abs(math.log(f))


def _dominant(scaling: float, ortho: float, kind: str) -> str:
    """Which effect counts (``neither``, ``time scaling``, ``orthogonality`` or ``both, mostly ...``)."""
    cut = EFFECT_DIFF if kind == "difference" else math.log(EFFECT_RATIO)
    s, o = _effect_size(scaling, kind), _effect_size(ortho, kind)
    if s < cut and o < cut:
        return "neither"
    if s >= cut and o >= cut:
        return "both, mostly time scaling" if s > o else "both, mostly orthogonality"
    return "time scaling" if s >= cut else "orthogonality"


def _ratio(a: float, b: float) -> float:
    """``a / b``; NaN where either is NaN or both are 0, inf where only ``b`` is 0."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


def _mean_test_error(d: pd.DataFrame) -> float:
    """Mean test error of the finished (``status == "ok"``) runs; NaN where there are none."""
    ok = d[d["status"] == "ok"] if not d.empty else d
    return float(ok["test_rel_err"].mean()) if len(ok) else math.nan


def _failed_fraction(d: pd.DataFrame) -> float:
    """Fraction of the runs that failed."""
    return float(d["failed"].mean())


def _median_peak_gradient(d: pd.DataFrame) -> float:
    """Median peak gradient norm of the runs."""
    return float(d["grad_norm_peak"].median())


def _mean_training_nfe(d: pd.DataFrame) -> float:
    """Mean training NFE of the runs (diverged ones included)."""
    return float(d["nfe_train"].mean())


#: metric name -> (function of the runs of one variant, "ratio" or "difference")
ATTRIBUTION_METRICS: dict[str, tuple[Callable[[pd.DataFrame], float], str]] = {
    "test error (mean)": (_mean_test_error, "ratio"),
    "failed fraction": (_failed_fraction, "difference"),
    "peak gradient norm (median)": (_median_peak_gradient, "ratio"),
    "training NFE (mean)": (_mean_training_nfe, "ratio"),
}


def _variants(g: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], int] | None:
    """The raw, unit and Legendre runs of one task on the seeds all three share, and the number of those seeds;
    None where the task lacks a variant, shares no seed, or is a Table-2 task at T <= 1 (raw and unit coincide)."""
    labels = set(g["label"])
    if not {RAW, UNIT, LEGENDRE} <= labels:
        return None
    first = g.iloc[0]
    if first["architecture"] != "node" and float(first["T"]) <= 1.0:
        return None  # on [0, 1] raw and unit time coincide
    parts = {name: g[g["label"] == lab] for name, lab in zip(VARIANTS, (RAW, UNIT, LEGENDRE), strict=True)}
    seeds = set.intersection(*(set(p["seed_init"]) for p in parts.values()))
    if not seeds:
        return None
    return {k: v[v["seed_init"].isin(seeds)] for k, v in parts.items()}, len(seeds)


def _metric_row(
    parts: dict[str, pd.DataFrame], metric: str, setting: dict[str, Any], n_seeds: int
) -> dict[str, Any] | None:
    """One row of :func:`scaling_vs_orthogonality` for ``metric``; None for a difference metric equal in all three
    variants."""
    fn, kind = ATTRIBUTION_METRICS[metric]
    raw, unit, leg = (fn(parts[k]) for k in VARIANTS)
    if kind == "difference":
        if raw == unit == leg:
            return None
        scaling, ortho = raw - unit, unit - leg
    else:
        scaling, ortho = _ratio(raw, unit), _ratio(unit, leg)
    return {
        **setting,
        "metric": metric,
        "kind": kind,
        "seeds": n_seeds,
        "monomial [0,T]": raw,
        "monomial [0,1]": unit,
        "Legendre": leg,
        "time scaling": scaling,
        "orthogonality": ortho,
        "dominant effect": _dominant(scaling, ortho, kind),
    }


def _setting(first: pd.Series) -> dict[str, Any]:
    """The task of a first run: ``setting`` (``"<dataset> neural ODE"`` or ``"<dataset> <architecture> T=<T>"``, plus
    the optimizer where it is not Adam: Table 2 runs the same setting under ADAM and GNvpro) and the fields it is
    named from (``dataset``, ``architecture``, ``T``, ``optimizer``), by which rows are ordered."""
    optimizer = first.get("optimizer", "adam")
    optimizer = "adam" if optimizer is None or pd.isna(optimizer) else str(optimizer)
    fields = {"dataset": first["dataset"], "architecture": first["architecture"], "T": float(first["T"])}
    if first["architecture"] == "node":
        name = f"{first['dataset']} neural ODE"
    else:
        extra = "" if optimizer == "adam" else f" {optimizer}"
        name = f"{first['dataset']} {first['architecture']} T={first['T']:g}{extra}"
    return {"setting": name, **fields, "optimizer": optimizer}


def scaling_vs_orthogonality(table: pd.DataFrame) -> pd.DataFrame:
    """Separate the effect of the time domain from that of orthogonality, per task.

    For Table 2 at T > 1 (where [0, T] and [0, 1] differ) and the neural-ODE tasks with a raw-time variant, compares
    monomial on [0, T] (``raw``), monomial on [0, 1] (``unit``) and Legendre over matched seeds. For ratio metrics
    (mean test error of finished runs, median peak gradient norm, mean training NFE including diverged runs; NFE for
    neural ODEs only) ``time scaling = raw / unit`` and ``orthogonality = unit / Legendre``; for the failed fraction
    they are differences (raw - unit, unit - Legendre). ``dominant effect`` names the larger effect; a ratio counts
    if it is >= 1.25 either way, a difference if it is >= 0.1.

    ``table`` is the run table (columns ``label, task, architecture, dataset, T, seed_init, status, failed,
    test_rel_err, grad_norm_peak, nfe_train``). Returns one row per task and metric with columns ``setting`` (and
    ``dataset, architecture, T, optimizer``, what it names), ``metric, kind, seeds, monomial [0,T], monomial [0,1],
    Legendre, time scaling, orthogonality, dominant effect`` (empty, without columns, when no task has all three
    variants).
    """
    rows: list[dict[str, Any]] = []
    if table.empty or not all(c in table.columns for c in ("label", "task", "architecture")):
        return pd.DataFrame(rows)
    for _task, g in table.groupby("task"):
        found = _variants(g)
        if found is None:
            continue
        parts, n_seeds = found
        is_node = g.iloc[0]["architecture"] == "node"
        for metric in ATTRIBUTION_METRICS:
            if metric == "training NFE (mean)" and not is_node:
                continue
            row = _metric_row(parts, metric, _setting(g.iloc[0]), n_seeds)
            if row is not None:
                rows.append(row)
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
