"""The evidence gate as the claim rules apply it, and the context lines (budget, data, n) of every Result.

The gate itself (:func:`ctdnn_bench.report.evidence.gate`) checks one task; here its results decide how far a claim
can go: ``supported`` needs every real task of the claim to pass it (:func:`_gate_result`), a real task that fails it
makes the verdict ``inconclusive`` with the reason and the command that would fix it (:func:`_inconclusive_gate`),
and the universal claims C3, C4 and C6 may still be refuted by a task that passes it. Bases are compared within one
optimizer: where the deciding tasks use several, :func:`_by_optimizer` applies a rule per optimizer too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ctdnn_bench.report import evidence as ev
from ctdnn_bench.report import remedies
from ctdnn_bench.report.claims.base import DTO_ARCHS, INCONCLUSIVE, Result, _col, _truthy
from ctdnn_bench.report.evidence import PAPER_BUDGET, Gate


def _no_runs(res: Result, explanation: str, command: str) -> Result:
    """``res`` (still ``inconclusive``) saying which runs are missing and the command that makes them."""
    res.explanation = explanation
    res.commands = [command]
    return res


def _describe(res: Result, tasks: Sequence[pd.DataFrame], gates: Sequence[Gate], labels: Sequence[str]) -> None:
    """Set ``res.budget``, ``res.data`` and ``res.n`` from the runs of ``labels`` in ``tasks`` and their gates."""
    used = pd.concat([g[g["label"].isin(labels)] for g in tasks])
    res.budget, res.data, res.n = _budget_text(used), _data_text(tasks, gates), _n_text(gates)


def _budget_part(g: pd.DataFrame, is_node: bool) -> str:
    """The budget line of the neural-ODE (``is_node``) or DTO runs ``g``."""
    unit, full = ("iterations", PAPER_BUDGET["iterations"]) if is_node else ("epochs", PAPER_BUDGET["epochs"])
    col = "iterations_cfg" if is_node else "epochs"
    given = sorted({int(v) for v in _col(g, col).dropna()})
    frac = g["budget_fraction"].dropna()
    flat = int(_truthy(_col(g, "flattened", False)).sum())
    what = "neural ODE" if is_node else "DTO"
    rng = f"{frac.min():.2%}" + (f"-{frac.max():.2%}" if len(frac) and frac.max() != frac.min() else "")
    return (
        f"{what}: {rng} of the paper's {full:,} {unit} ({', '.join(map(str, given))} {unit}); "
        f"{flat}/{len(g)} learning curves flattened"
    )


def _budget_text(runs: pd.DataFrame) -> str:
    """The budget the runs were given, as fractions of the paper's, DTO and neural ODE apart."""
    if runs.empty or "budget_fraction" not in runs:
        return "n/a"
    return "; ".join(_budget_part(g, bool(is_node)) for is_node, g in runs.groupby(runs["architecture"] == "node"))


def _data_text(tasks: Sequence[pd.DataFrame], gates: Sequence[Gate]) -> str:
    """The real tasks, and those shown but not deciding (with why)."""
    real = list(dict.fromkeys(gt.task for gt in gates if ev.REAL not in gt.failed))
    shown = list(dict.fromkeys(f"{gt.task} ({gt.failed[ev.REAL]})" for gt in gates if ev.REAL in gt.failed))
    text = f"real: {', '.join(real) if real else 'none'}"
    return text + (f"; shown, not deciding: {', '.join(shown)}" if shown else "")


def _n_text(gates: Sequence[Gate]) -> str:
    """The evidence base: seeds x tasks that passed the gate."""
    deciding = [g for g in gates if g.ok]
    if not deciding:
        return f"0 of {len(gates)} task(s) passed the evidence gate"
    seeds = sorted({len(g.seeds) for g in deciding})
    per = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
    return f"{per} seeds x {len(deciding)} task(s) ({sum(len(g.seeds) for g in deciding)} pairs)"


def _gate_result(gates: Sequence[Gate], base: Result) -> tuple[list[Gate], list[Gate], Result | None]:
    """Split the gates into the real tasks and those among them that passed; an ``inconclusive`` Result when no real
    task exists or some real task failed the gate (``supported`` needs every real task)."""
    real = [g for g in gates if ev.REAL not in g.failed]
    passed = [g for g in real if g.ok]
    base.gate = remedies.summarize_failures(gates)
    base.commands = remedies.commands(gates)
    if not real:
        base.explanation = "no task with real data: " + remedies.summarize_failures(gates) + "."
        return real, passed, base
    return real, passed, None


def _blocked(real: Sequence[Gate]) -> list[Gate]:
    """The real tasks that did not pass the gate."""
    return [g for g in real if not g.ok]


def _inconclusive_gate(res: Result, real: Sequence[Gate], extra: str = "") -> Result:
    """``res`` made ``inconclusive`` because some real task did not pass the gate (``extra``: what the others
    showed)."""
    blocked = _blocked(real)
    res.verdict = INCONCLUSIVE
    res.explanation = (
        f"{len(blocked)} of {len(real)} real task(s) did not pass the evidence gate ("
        + remedies.summarize_failures(blocked)
        + ")"
        + (f"; {extra}" if extra else "")
        + "."
    )
    return res


def _optimizers(runs: pd.DataFrame) -> list[str]:
    """The optimizers of ``runs`` (``adam`` where not recorded), sorted."""
    return sorted({str(o) for o in _col(runs, "optimizer", "adam").dropna()})


def _by_optimizer(table: pd.DataFrame, fn: Callable[[pd.DataFrame], Result], res: Result) -> None:
    """Where the deciding tasks use several optimizers, the same rule per optimizer (bases compared within one)."""
    dto = table[_col(table, "architecture", "").isin(DTO_ARCHS)] if not table.empty else table
    opts = _optimizers(dto)
    if len(opts) < 2:
        return
    for opt in opts:
        sub = fn(table[_col(table, "optimizer", "adam") == opt])
        res.evidence[f"under {opt} only"] = f"{sub.verdict}: {sub.explanation}"
    if "gnvpro" in opts:
        sub = fn(table[_col(table, "optimizer", "adam") == "gnvpro"])
        survives = sub.verdict == res.verdict and sub.verdict != INCONCLUSIVE
        res.explanation += f" Under GNvpro alone the verdict is '{sub.verdict}'" + (
            ": the basis effect survives the optimizer." if survives else "."
        )
