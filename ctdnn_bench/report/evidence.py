"""What a run shows, in quantities that do not depend on the basis's units, and the evidence gate of a comparison.

Per run (:func:`run_measures`, added as columns to the run table by :func:`ctdnn_bench.report.inputs.load_runs`):

- ``budget_fraction``: the budget the run was given as a fraction of the paper's (:data:`PAPER_BUDGET`: 10,000
  epochs for the DTO networks, 2,000 iterations for neural ODEs);
- ``flattened``: the learning curve has flattened: the best validation error over the last :data:`FLAT_TAIL` of
  the evaluations improved on the best before them by less than :data:`FLAT_REL` (relative);
- ``finished``: the run's outcome is final: it diverged or hit the solver's budget (a failure whatever the budget),
  stopped early by its own criterion, flattened, or ran the paper's full budget;
- ``budget_hit`` (an ODE solve exceeded its function-evaluation budget) and ``diverged`` (any other failure);
- ``spikes``: evaluations at which the training loss rose more than :data:`SPIKE_FACTOR` x over the previous one;
- ``grad_fs_peak``: the largest gradient norm with respect to the weights the network uses (encoder, decoder,
  step weights W(t_k), b(t_k)), history ``grad_norm_fs_max`` (or ``grad_norm_fs``); NaN when not recorded (the
  older coefficient-gradient norm ``grad_norm`` depends on the basis's units and is not used);
- ``linear_{train,val,test}_rel_err``: the task's linear least-squares baseline (``record["baseline"]``), NaN when
  not recorded;
- ``curve_val``, ``curve_nfe``: validation error and cumulative forward + backward training NFE per evaluation
  (neural ODEs only), for :func:`nfe_to_target`.

The gate (:func:`gate`) checks, for one task and the variants being compared, the conditions of verdicts.md
section 1 and says which failed and what to run to meet them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.variants import DATASETS

MIN_SEEDS = 5  # paired seeds a comparison needs
#: DTO epochs (paper Sec. 7), neural-ODE iterations, GNvpro work units (maxWorkUnits)
PAPER_BUDGET = {"epochs": 10_000, "iterations": 2_000, "work_units": 4_000}
FLAT_TAIL, FLAT_REL, FLAT_MIN_EVALS = 0.2, 0.01, 5
SPIKE_FACTOR = 10.0
STALL_FACTOR = 2.0  # a finished run stalled if its training error is > 2x the best variant's on the task and seed
TOY_DATASETS = ("spiral",)
DCR_ZENODO = "10.5281/zenodo.21537966"

# the conditions of the gate, in the order they are checked
SEEDS, REAL, BUDGET, MEASURE = "paired seeds", "real data", "budget", "measure recorded"


def _floats(values: Any) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in (values or [])], dtype=np.float64)


def flattened(val: Sequence[float] | None) -> bool:
    """Has the validation curve flattened? (best over the last 20% of evaluations improved < 1% relative.)"""
    v = _floats(val)
    if len(v) < FLAT_MIN_EVALS or not np.isfinite(v).all():
        return False
    tail = max(1, math.ceil(FLAT_TAIL * len(v)))
    before, best = float(v[:-tail].min()), float(v.min())
    if before <= 0:
        return True
    return (before - best) / before < FLAT_REL


def loss_spikes(train_loss: Sequence[float] | None) -> int:
    """Number of evaluations whose training loss is more than :data:`SPIKE_FACTOR` x the previous one (a non-finite
    loss after a finite one counts as a spike)."""
    v = _floats(train_loss)
    if len(v) < 2:
        return 0
    prev, cur = v[:-1], v[1:]
    ok = np.isfinite(prev) & (prev > 0)
    up = ok & (~np.isfinite(cur) | (cur > SPIKE_FACTOR * np.where(ok, prev, 1.0)))
    return int(up.sum())


def budget_fraction(record: dict[str, Any]) -> float:
    """The budget the run was given (its config) as a fraction of the paper's."""
    cfg = record.get("config") or {}
    train, model = cfg.get("train") or {}, cfg.get("model") or {}
    iters, epochs = train.get("iterations") or 0, train.get("epochs") or 0
    if train.get("optimizer") == "gnvpro":  # 0 means GNvpro's default, the paper's budget
        return float(train.get("work_units") or PAPER_BUDGET["work_units"]) / PAPER_BUDGET["work_units"]
    if model.get("architecture") == "node" or (iters and not epochs):
        return float(iters) / PAPER_BUDGET["iterations"] if iters else math.nan
    return float(epochs) / PAPER_BUDGET["epochs"] if epochs else math.nan


def is_budget_hit(record: dict[str, Any]) -> bool:
    """Did an ODE solve exceed its function-evaluation budget? (``max_nfe``; recorded in the failure reason.)"""
    return record.get("status") != "ok" and "budget" in str(record.get("reason") or "")


def _float(v: Any) -> float:
    try:
        return math.nan if v is None else float(v)
    except (TypeError, ValueError):
        return math.nan


def _peak(values: Any) -> float:
    v = _floats(values)
    v = v[np.isfinite(v)]
    return float(v.max()) if len(v) else math.nan


def run_measures(record: dict[str, Any]) -> dict[str, Any]:
    """The per-run columns described in the module docstring."""
    hist = record.get("history") or {}
    final = record.get("final") or {}
    ok = record.get("status") == "ok"
    frac = budget_fraction(record)
    flat = flattened(hist.get("val_rel_err"))
    base = record.get("baseline") or {}
    hit = is_budget_hit(record)
    fs = hist.get("grad_norm_fs_max") or hist.get("grad_norm_fs")
    out: dict[str, Any] = {
        "budget_fraction": frac,
        "flattened": flat,
        "finished": (not ok) or bool(final.get("stopped_early")) or flat or (frac >= 1.0),
        "budget_hit": hit,
        "diverged": (not ok) and not hit,
        "spikes": loss_spikes(hist.get("train_loss")),
        "grad_fs_peak": _peak(fs) if fs else math.nan,
        **{f"linear_{s}_rel_err": _float(base.get(f"linear_{s}_rel_err")) for s in SPLITS},
    }
    if (record.get("config") or {}).get("model", {}).get("architecture") == "node":
        fwd, bwd = _floats(hist.get("cum_nfe_forward")), _floats(hist.get("cum_nfe_backward"))
        n = min(len(fwd), len(bwd), len(hist.get("val_rel_err") or []))
        out["curve_val"] = list(_floats(hist.get("val_rel_err"))[:n])
        out["curve_nfe"] = list(fwd[:n] + bwd[:n])
    return out


SPLITS = ("train", "val", "test")


def nfe_to_target(curve_val: Sequence[float], curve_nfe: Sequence[float], target: float) -> tuple[float, bool]:
    """Cumulative training NFE at the first evaluation with validation error <= ``target``.

    Returns ``(nfe, reached)``; a run that never reached the target gives its total NFE (a lower bound: censored).
    """
    v, n = _floats(curve_val), _floats(curve_nfe)
    if len(v) == 0 or len(n) == 0:
        return math.nan, False
    hit = np.flatnonzero(np.isfinite(v) & (v <= target))
    if len(hit):
        return float(n[hit[0]]), True
    finite = n[np.isfinite(n)]
    return (float(finite[-1]) if len(finite) else math.nan), False


def reference_failure(g: pd.DataFrame, factor: float) -> pd.Series:
    """Per run of one task: did it fail against an absolute reference? Diverged or solver budget hit, or a final
    training error >= the task's linear least-squares baseline (when recorded) or > ``factor`` x the best final
    training error of any variant on the same task and seed (never relative to the run's own first epoch: with the
    ridge warm start a run that converged early would look stuck)."""
    failed = g["status"] != "ok"
    err = pd.to_numeric(g["train_rel_err"], errors="coerce").where(~failed) if "train_rel_err" in g else None
    if err is None:
        return failed
    best = err.groupby(g["seed_init"]).transform("min")
    linear = pd.to_numeric(g["linear_train_rel_err"], errors="coerce") if "linear_train_rel_err" in g else None
    worse_linear = (err >= linear) & linear.notna() if linear is not None else False
    return failed | pd.Series(worse_linear, index=g.index).fillna(False).astype(bool) | (err > factor * best)


def reference_stalls(table: pd.DataFrame) -> pd.Series:
    """``stalled_ref`` for every run: finished, did not diverge, and failed against the reference of
    :func:`reference_failure` (factor :data:`STALL_FACTOR`); an unfinished run has not stalled yet."""
    if table.empty or not {"task", "seed_init", "status", "train_rel_err"} <= set(table.columns):
        return pd.Series(False, index=table.index)
    ref = pd.concat([reference_failure(g, STALL_FACTOR) for _t, g in table.groupby("task")]).reindex(table.index)
    finished = _truthy(table["finished"]) if "finished" in table else pd.Series(True, index=table.index)
    return ref.fillna(False).astype(bool) & (table["status"] == "ok") & finished


# ------------------------------------------------------------------------------------------------------ gate


@dataclass
class Gate:
    """The evidence gate of one comparison on one task.

    Attributes:
        task: the task's display name.
        seeds: the paired seeds (every compared variant has a record).
        failed: condition -> why it failed (empty: the gate is passed).
        experiment: the experiment that made the runs (for the command).
        profile: their profile.
    """

    task: str
    seeds: list[int]
    failed: dict[str, str] = field(default_factory=dict)
    experiment: str = ""
    profile: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed


def task_name(g: pd.DataFrame) -> str:
    """``"ELM resnet T=5 adam"``-style name of a task (the optimizer only when it is not Adam)."""
    r = g.iloc[0]
    ds = str(r["dataset"]).upper() if str(r["dataset"]) in DATASETS else str(r["dataset"])
    arch = "neural ODE" if r.get("architecture") == "node" else str(r.get("architecture"))
    name = f"{ds} {arch} T={float(r['T']):g}"
    opt = str(r.get("optimizer") or "adam")
    return name if opt == "adam" else f"{name} {opt}"


def _truthy(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def paired_seeds(g: pd.DataFrame, labels: Iterable[str]) -> list[int]:
    """Seeds for which every label has a record in ``g`` (one task)."""
    sets = [set(g.loc[g["label"] == lab, "seed_init"].astype(int)) for lab in labels]
    return sorted(set.intersection(*sets)) if sets else []


def gate(
    g: pd.DataFrame,
    labels: Sequence[str],
    *,
    finished: bool = True,
    toy_ok: bool = False,
    measures: Sequence[str] = (),
) -> Gate:
    """Check verdicts.md section 1 for comparing ``labels`` on one task ``g``.

    Args:
        g: the runs of one task.
        labels: the compared variants.
        finished: the claim is about final accuracy or convergence: every compared run must be
            ``finished`` (diverged, stopped early, flattened, or the paper's full budget).
        toy_ok: toy tasks (:data:`TOY_DATASETS`) may decide (claims about neural ODEs in general, whose paper
            evidence is the spiral task); never for claims about the surrogate data sets.
        measures: columns that must be recorded (not all NaN) for the compared runs.
    """
    first = g.iloc[0]
    seeds = paired_seeds(g, labels)
    out = Gate(task_name(g), seeds, experiment=str(first.get("experiment") or ""), profile=str(first.get("profile")))
    used = g[g["label"].isin(labels) & g["seed_init"].isin(seeds)]
    if len(seeds) < MIN_SEEDS:
        out.failed[SEEDS] = f"{len(seeds)} seed(s)"
    if "standin" in g and _truthy(g["standin"]).any():
        out.failed[REAL] = "generated stand-in data"
    elif str(first["dataset"]) in TOY_DATASETS and not toy_ok:
        out.failed[REAL] = "toy task"
    if finished and len(used):
        done = _truthy(used["finished"]) if "finished" in used else pd.Series(False, index=used.index)
        if not done.all():
            frac = used["budget_fraction"].median() if "budget_fraction" in used else math.nan
            out.failed[BUDGET] = f"{int((~done).sum())}/{len(used)} runs still improving at {frac:.2%}"
    for m in measures:
        if m not in used or used[m].isna().all():
            out.failed[MEASURE] = f"'{m}'"
    return out
