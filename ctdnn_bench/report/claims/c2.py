"""C2: Legendre gives more stable training (no stalls, no gradient blow-up) than monomial.

Decided separately per architecture (ResNet, Hamiltonian, neural ODE), ``monomial d=3`` vs ``legendre d=3`` paired by
task and seed and pooled over an architecture's data sets and T. Three kinds of instability, each tested
paired: failures (diverged, solver budget hit, or stalled against an absolute reference), loss spikes (exact
McNemar tests) and the peak gradient norm with respect to the weights the network uses (a paired log ratio; the
coefficient gradient is not comparable across bases). "Rarely" is a Clopper-Pearson upper bound. The full rule is
:data:`C2_RULE`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import paired as st
from ctdnn_bench.report import remedies
from ctdnn_bench.report.claims.base import (
    ARCHS,
    INCONCLUSIVE,
    LEGENDRE,
    MONOMIAL,
    MONOMIAL_TEXT,
    NOT_SUPPORTED,
    SUPPORTED,
    Paired,
    Result,
    _col,
    _has,
    _holm_map,
    _pivot,
    _tasks,
    paired_effect,
    paper_roles,
)
from ctdnn_bench.report.claims.gate import _budget_text, _by_optimizer, _data_text, _n_text, _no_runs
from ctdnn_bench.report.evidence import MIN_SEEDS, Gate
from ctdnn_bench.report.paired import ALPHA

STALL_FACTOR = ev.STALL_FACTOR  # C2 stall: final training error > 2x the best variant's (same task and seed), or
# >= the linear baseline
C2_GRAD_SUPPORT, C2_GRAD_REJECT = 10.0, 3.0  # function-space gradient peak ratio: blow-up >= 10x; none < 3x
C2_RARE = 0.2  # monomial "rarely" fails / spikes: Clopper-Pearson upper bound below this

C2_RULE = (
    f"Separately per architecture (ResNet, Hamiltonian, neural ODE; the toy spiral task counts, a stand-in never "
    f"does), {MONOMIAL_TEXT} vs '{LEGENDRE}' paired by task and seed, pairs pooled over the data sets and T of an "
    f"architecture (the claim is about training across T), >= {MIN_SEEDS} seeds per task, training finished. A run "
    f"fails if it diverged, hit the solver budget, or stalled: "
    f"its final training error is >= the task's linear least-squares baseline (when recorded) or > {STALL_FACTOR:g}x "
    f"the best variant's on the same task and seed. A run spikes if its training loss rose > "
    f"{ev.SPIKE_FACTOR:g}x between consecutive evaluations. Tests, Holm-corrected together at {ALPHA:g}: exact "
    f"McNemar on failures (monomial more; and Legendre more) and on spikes (monomial more); the paired log ratio of "
    f"the peak gradient norm with respect to the weights the network uses (not the basis coefficients) with a "
    f"bootstrap CI and t-test against {C2_GRAD_SUPPORT:g}x. An architecture supports if monomial fails or spikes "
    f"significantly more, or its gradient peak ratio has CI lower bound >= {C2_GRAD_SUPPORT:g}x, and Legendre does not "
    f"fail significantly more; it refutes if Legendre fails significantly more, or if the monomial failure and spike "
    f"rates have Clopper-Pearson upper bounds < {C2_RARE:g} and the gradient ratio's CI upper bound is < "
    f"{C2_GRAD_REJECT:g}x. Supported if every architecture with real tasks supports, not supported if every one "
    f"refutes, otherwise inconclusive."
)

LABELS = (MONOMIAL, LEGENDRE)
REPRODUCE = "ctdnn-bench reproduce --profile standard"
#: architecture -> (its tasks with both variants, their gates)
PerArch = dict[str, tuple[list[pd.DataFrame], list[Gate]]]


def _discordance(w: pd.DataFrame) -> dict[str, int]:
    """Counts of a seed x label boolean table: ``n`` pairs, ``k_m``/``k_l`` true per variant, ``b`` monomial only,
    ``c`` Legendre only."""
    m, leg = w[MONOMIAL], w[LEGENDRE]
    return {
        "n": len(w),
        "k_m": int(m.sum()),
        "k_l": int(leg.sum()),
        "b": int((m & ~leg).sum()),
        "c": int((~m & leg).sum()),
    }


def _c2_arch(tasks: Sequence[pd.DataFrame], gates: Sequence[Gate]) -> dict[str, Any]:
    """Paired failure, spike and gradient-peak data of one architecture, pooled over its tasks: ``_fail`` and
    ``_spike`` as :func:`_discordance` counts, ``grad`` (where recorded) the paired log ratio of gradient peaks."""
    fails, spikes, grads = [], [], []
    for g, gt in zip(tasks, gates, strict=True):
        runs = g.assign(_fail=ev.reference_failure(g, STALL_FACTOR), _spike=_col(g, "spikes", 0).fillna(0) > 0)
        fails.append(_pivot(runs, LABELS, gt.seeds, "_fail"))
        spikes.append(_pivot(runs, LABELS, gt.seeds, "_spike"))
        if "grad_fs_peak" in runs:
            grads.append(_pivot(runs, LABELS, gt.seeds, "grad_fs_peak"))
    out: dict[str, Any] = {}
    for key, parts in (("_fail", fails), ("_spike", spikes)):
        out[key] = _discordance(pd.concat(parts).fillna(False).astype(bool))
    if grads:
        w = pd.concat(grads)
        lr = st.log_ratios(w[MONOMIAL], w[LEGENDRE])
        if np.isfinite(lr).sum() >= 2:
            out["grad"] = paired_effect(lr)
    return out


def _c2_per_arch(table: pd.DataFrame) -> PerArch:
    """The tasks with both variants, and their gates, per architecture (architectures without any left out)."""
    per_arch: PerArch = {}
    for arch in ARCHS:
        tasks = _tasks(table[table["architecture"] == arch], LABELS)
        if tasks:
            per_arch[arch] = (tasks, [ev.gate(g, LABELS, finished=True, toy_ok=True) for g in tasks])
    return per_arch


def _c2_tests(res: Result, arch: str, s: dict[str, Any], sink: dict[str, float]) -> None:
    """Put the one-sided p-values of one architecture's tests into ``sink`` and its numbers into ``res.evidence``."""
    if "_fail" in s:
        f = s["_fail"]
        sink[f"{arch}: failures, monomial more"] = st.mcnemar_exact(f["b"], f["c"], "greater")
        sink[f"{arch}: failures, Legendre more"] = st.mcnemar_exact(f["c"], f["b"], "greater")
        lo_m, hi_m = st.clopper_pearson(f["k_m"], f["n"])
        lo_l, hi_l = st.clopper_pearson(f["k_l"], f["n"])
        res.evidence[f"{arch}: failed runs (diverged, budget hit or stalled), monomial vs Legendre"] = (
            f"{f['k_m']}/{f['n']} [{lo_m:.2f}, {hi_m:.2f}] vs {f['k_l']}/{f['n']} [{lo_l:.2f}, {hi_l:.2f}]; "
            f"discordant pairs {f['b']} vs {f['c']}"
        )
    if "_spike" in s:
        sp = s["_spike"]
        sink[f"{arch}: spikes, monomial more"] = st.mcnemar_exact(sp["b"], sp["c"], "greater")
        res.evidence[f"{arch}: runs with a loss spike (> x{ev.SPIKE_FACTOR:g}), monomial vs Legendre"] = (
            f"{sp['k_m']}/{sp['n']} vs {sp['k_l']}/{sp['n']}"
        )
    if "grad" in s:
        sink[f"{arch}: gradient blow-up"] = st.p_greater(s["grad"].values, math.log(C2_GRAD_SUPPORT))
        res.evidence[f"{arch}: function-space gradient peak ratio monomial/Legendre"] = s["grad"].effect.text(
            ratio=True
        )
    else:
        res.evidence[f"{arch}: function-space gradient peak ratio"] = (
            "not recorded (history 'grad_norm_fs_max'; the coefficient gradient norm is not comparable across bases)"
        )


def _c2_stats(res: Result, per_arch: PerArch) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Per architecture with real tasks, :func:`_c2_arch`'s data; and the p-values of the architectures whose real
    tasks all passed the gate (only those are tested, and counted in Holm's family)."""
    stats_by: dict[str, dict[str, Any]] = {}
    pvals: dict[str, float] = {}
    for arch, (tasks, gates) in per_arch.items():
        real = [(g, gt) for g, gt in zip(tasks, gates, strict=True) if ev.REAL not in gt.failed]
        show = [(g, gt) for g, gt in real if len(gt.seeds) >= 1]
        if not show:
            continue
        s = stats_by[arch] = _c2_arch([g for g, _ in show], [gt for _, gt in show])
        _c2_tests(res, arch, s, pvals if all(gt.ok for _g, gt in real) else {})
    return stats_by, pvals


def _significant(adj: dict[str, float], arch: str, name: str) -> bool:
    """Is the Holm-adjusted p-value of test ``name`` on ``arch`` <= ALPHA (False where it was not tested)?"""
    return adj.get(f"{arch}: {name}", 1.0) <= ALPHA


def _c2_no_difference(res: Result, s: dict[str, Any]) -> str:
    """The verdict of an architecture without a significant difference: refuted if monomial rarely fails or spikes
    and its gradient peaks do not blow up, otherwise inconclusive."""
    f, sp, grad = s.get("_fail"), s.get("_spike"), s.get("grad")
    rare = (
        f is not None
        and sp is not None
        and st.clopper_pearson(f["k_m"], f["n"])[1] < C2_RARE
        and st.clopper_pearson(sp["k_m"], sp["n"])[1] < C2_RARE
    )
    flat = grad is not None and grad.effect.high < math.log(C2_GRAD_REJECT)
    if rare and flat:
        return NOT_SUPPORTED
    if rare and grad is None:
        res.commands.append(
            "ctdnn-bench reproduce --profile standard --results-dir results-new  (records made by this "
            "version carry grad_norm_fs_max)"
        )
        return f"{INCONCLUSIVE} (function-space gradient norm not recorded)"
    return f"{INCONCLUSIVE} (no significant difference, and not rare enough to rule one out)"


def _c2_arch_verdict(res: Result, arch: str, s: dict[str, Any], adj: dict[str, float]) -> str:
    """The verdict of one architecture whose real tasks all passed the gate."""
    grad: Paired | None = s.get("grad")
    grad_up = (
        grad is not None
        and grad.effect.low >= math.log(C2_GRAD_SUPPORT)
        and _significant(adj, arch, "gradient blow-up")
    )
    if _significant(adj, arch, "failures, Legendre more"):
        return NOT_SUPPORTED
    if (
        _significant(adj, arch, "failures, monomial more")
        or _significant(adj, arch, "spikes, monomial more")
        or grad_up
    ):
        return SUPPORTED
    return _c2_no_difference(res, s)


def _c2_verdicts(
    res: Result, per_arch: PerArch, stats_by: dict[str, dict[str, Any]], adj: dict[str, float]
) -> dict[str, str]:
    """The verdict per architecture with real tasks (``inconclusive`` with the reason where the gate failed)."""
    verdicts: dict[str, str] = {}
    for arch, (_tasks_a, gates) in per_arch.items():
        real_g = [gt for gt in gates if ev.REAL not in gt.failed]
        if not real_g:
            continue
        if any(not gt.ok for gt in real_g):
            verdicts[arch] = (
                f"{INCONCLUSIVE} (evidence gate: {remedies.summarize_failures([g for g in real_g if not g.ok])})"
            )
            continue
        verdicts[arch] = _c2_arch_verdict(res, arch, stats_by.get(arch, {}), adj)
    return verdicts


def _c2_overall(res: Result, verdicts: dict[str, str]) -> Result:
    """The claim's verdict from the architectures': supported / not supported where they all agree."""
    plain = set(verdicts.values())
    summary = "; ".join(f"{a}: {v}" for a, v in verdicts.items())
    if plain == {SUPPORTED}:
        res.verdict, res.explanation = SUPPORTED, f"Legendre was more stable in every architecture ({summary})."
    elif plain == {NOT_SUPPORTED}:
        res.verdict, res.explanation = NOT_SUPPORTED, f"no architecture showed Legendre more stable ({summary})."
    else:
        res.explanation = f"per architecture: {summary}."
    return res


def _c2_describe(res: Result, per_arch: PerArch) -> list[Gate]:
    """Set budget, n, data, gate and commands of ``res`` from every architecture's tasks; return all their gates."""
    all_gates = [gt for _t, gs in per_arch.values() for gt in gs]
    used = pd.concat([g[g["label"].isin(LABELS)] for ts, _g in per_arch.values() for g in ts])
    res.budget, res.n = _budget_text(used), _n_text(all_gates)
    res.data = _data_text([], all_gates)
    res.gate, res.commands = remedies.summarize_failures(all_gates), remedies.commands(all_gates)
    return all_gates


def claim_c2(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> Result:
    """C2: Legendre trains more stably than monomial (no stalls, no gradient blow-up), per architecture (and per
    optimizer where several exist)."""
    table = paper_roles(table)
    res = _c2(table)
    _by_optimizer(table, _c2, res)
    return res


def _c2(table: pd.DataFrame) -> Result:
    """C2's rule on ``table`` (all optimizers together)."""
    res = Result(
        INCONCLUSIVE,
        "",
        test="exact McNemar (failures, spikes), Clopper-Pearson rates, paired log ratio of function-space gradient "
        "peaks (bootstrap CI + t-test); Holm across architectures and tests",
        threshold=f"gradient peak ratio CI >= {C2_GRAD_SUPPORT:g}x (blow-up) or < {C2_GRAD_REJECT:g}x (none); rates "
        f"'rare' below {C2_RARE:g}",
    )
    if not _has(table, "architecture", "label", "task"):
        return _no_runs(res, "no runs in the results store.", REPRODUCE)
    per_arch = _c2_per_arch(table)
    if not per_arch:
        return _no_runs(res, f"no task has both {MONOMIAL_TEXT} and '{LEGENDRE}' runs.", REPRODUCE)
    all_gates = _c2_describe(res, per_arch)
    stats_by, pvals = _c2_stats(res, per_arch)
    adj = _holm_map(pvals)
    for k, v in adj.items():
        res.evidence[f"Holm-adjusted p, {k}"] = f"{v:.3g}"
    verdicts = _c2_verdicts(res, per_arch, stats_by, adj)
    res.evidence["verdict per architecture"] = "; ".join(f"{a}: {v}" for a, v in verdicts.items()) or "n/a"
    res.effect = "; ".join(
        f"{a}: failed {s['_fail']['k_m']}/{s['_fail']['n']} vs {s['_fail']['k_l']}/{s['_fail']['n']}"
        for a, s in stats_by.items()
        if "_fail" in s
    )
    if not verdicts:
        res.explanation = "no task with real data: " + remedies.summarize_failures(all_gates) + "."
        return res
    return _c2_overall(res, verdicts)
