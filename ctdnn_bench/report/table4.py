"""The neural-ODE tables: the paper's Table 4 (by polynomial degree, against the static neural ODE) and the table of
every neural-ODE task (errors, parameters, function evaluations).

Rows are variant labels of the tidy run table (columns ``task``, ``dataset``, ``label``, ``status``, ``seed_init``,
the error, NFE and parameter columns). In Table 4, cells aggregate seeds as ``mean [95% CI] (n)``, the CI from
Student's t over the finished runs; the change against static is paired by seed; the authors' known numbers
(:data:`ctdnn_bench.report.reference.TABLE4_AUTHORS`) stand beside the rows they belong to. Nothing here imports torch.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from ctdnn_bench.report.cells import stat_cell
from ctdnn_bench.report.labels import LABEL_NOTES, NODE_LABELS, dataset_name, node_order, optimizer_name
from ctdnn_bench.report.paired import MIN_CI_N
from ctdnn_bench.report.reference import TABLE4_AUTHORS
from ctdnn_bench.report.view import Cell, HtmlTable, fmt
from ctdnn_bench.variants import NODE_VARIANTS, TABLE4_VARIANTS

#: Rows of Table 4 (labels of :data:`ctdnn_bench.variants.TABLE4_VARIANTS`).
TABLE4_LABELS = tuple(v.label for v in TABLE4_VARIANTS)
#: Labels only Table 4 runs: a neural-ODE task with none of them belongs to the ``node`` experiment alone.
_SWEEP_ONLY = tuple(lab for lab in TABLE4_LABELS if lab not in {v.label for v in NODE_VARIANTS})


def mean_ci(values: pd.Series | list[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """``(mean, lower, upper, n)``: Student-t confidence interval of the mean (NaN bounds for fewer than 2 values)."""
    v = pd.Series(values, dtype=float).dropna()
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(v.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def ci_text(mean: float, lower: float, upper: float, n: int, *, signed: bool = False) -> str:
    """``mean [lower, upper] (n=..)``; without bounds for n < 2."""
    if n == 0:
        return "n/a"
    bounds = f" [{fmt(lower, signed=signed)}, {fmt(upper, signed=signed)}]" if not math.isnan(lower) else ""
    return f"{fmt(mean, signed=signed)}{bounds} (n={n})"


def _error_cell(runs: pd.DataFrame, column: str) -> Cell:
    if column not in runs:
        return Cell("n/a")
    ok = runs[runs["status"] == "ok"]
    n_div = len(runs) - len(ok)
    cell = Cell(ci_text(*mean_ci(ok[column])), "bad" if n_div else "")
    if n_div:
        cell.flag = f"{n_div}/{len(runs)} diverged"
    return cell


def _delta_cell(runs: pd.DataFrame, static: pd.DataFrame, column: str) -> Cell:
    """Variant minus static, paired by seed over the seeds where both finished."""
    if static.empty or column not in runs:
        return Cell("no static run", "empty")
    a = runs[runs["status"] == "ok"].groupby("seed_init")[column].mean()
    b = static[static["status"] == "ok"].groupby("seed_init")[column].mean()
    diff = (a - b).dropna()
    mean, lower, upper, n = mean_ci(diff)
    if n == 0:
        return Cell("no paired seed", "empty")
    cls = "good" if upper < 0 else "bad" if lower > 0 else ""
    rel = f"{mean / b[diff.index].mean():+.0%} of static" if b[diff.index].mean() else ""
    return Cell(ci_text(mean, lower, upper, n, signed=True), cls, title=rel)


def _mean_cell(runs: pd.DataFrame, columns: tuple[str, ...], *, finished_only: bool = True) -> Cell:
    """Mean over runs of each column, joined by ' / ' (NFE: diverged runs count up to their divergence)."""
    sel = runs[runs["status"] == "ok"] if finished_only else runs
    parts = [fmt(sel[c].dropna().mean()) if c in sel and sel[c].notna().any() else "n/a" for c in columns]
    return Cell(" / ".join(parts))


def _task_caption(g: pd.DataFrame) -> str:
    first = g.iloc[0]
    steps = f"{int(first['iterations_cfg'])} iterations" if first.get("iterations_cfg") else f"{first['epochs']} ep."
    optimizers = ", ".join(optimizer_name(o) for o in sorted(g["optimizer"].unique()))
    adj = "adjoint" if bool(first["adjoint"]) else "backprop through the solver"
    return (
        f"{dataset_name(g)} · {first['method']}, rtol {first['rtol']:g}, atol {first['atol']:g}, {adj} · {steps} · "
        f"{optimizers} lr {first['lr']:g} · seeds {', '.join(str(int(s)) for s in sorted(g['seed_init'].unique()))}"
    )


TABLE4_HEADER = [
    "variant",
    "parameters",
    "test error, mean [95% CI]",
    "Δ test error vs static, paired by seed",
    "test error (global)",
    "training NFE fwd / bwd",
    "test NFE",
    "probe backward NFE default / seminorm",
    "authors (paper.md §8)",
]


def _table4_row(ds: str, lab: str, r: pd.DataFrame, static: pd.DataFrame) -> list[Cell]:
    params = "total" if "total" in r else "theta"
    return [
        Cell(lab),
        Cell(", ".join(fmt(v) for v in sorted(set(r[params].dropna().astype(int)))) or "n/a"),
        _error_cell(r, "test_rel_err"),
        Cell("(reference)") if lab == "static" else _delta_cell(r, static, "test_rel_err"),
        _error_cell(r, "test_rel_err_global") if ds != "spiral" else Cell("n/a"),
        _mean_cell(r, ("nfe_forward_train", "nfe_backward_train"), finished_only=False),
        _mean_cell(r, ("test_nfe_forward",)),
        _mean_cell(r, ("probe_nfe_backward_default", "probe_nfe_backward_seminorm")),
        Cell(TABLE4_AUTHORS.get((ds, lab), ""), "ref wrap"),
    ]


def table4(table: pd.DataFrame) -> HtmlTable | None:
    """Table 4 per neural-ODE task that ran the degree sweep: one row per variant (see module docstring)."""
    if table.empty or "architecture" not in table:
        return None
    node = table[(table["architecture"] == "node") & table["label"].isin(TABLE4_LABELS)]
    tasks = [(k, g) for k, g in node.groupby("task") if g["label"].isin(_SWEEP_ONLY).any()]
    if not tasks:
        return None
    out = HtmlTable(
        id="table4",
        caption="Table 4 analogue: neural ODE by polynomial degree, against the static (time-invariant) neural ODE",
        header=list(TABLE4_HEADER),
        notes=table4_notes(),
    )
    for _task, g in sorted(tasks, key=lambda kg: node_order(kg[1])):
        ds = str(g["dataset"].iloc[0])
        out.rows.append([Cell(_task_caption(g), "group", colspan=len(TABLE4_HEADER))])
        static = g[g["label"] == "static"]
        for lab in [lab for lab in TABLE4_LABELS if lab in set(g["label"])]:
            out.rows.append(_table4_row(ds, lab, g[g["label"] == lab], static))
    return out


def table4_notes() -> list[str]:
    """What the columns mean and where the authors' numbers come from."""
    return [
        "Degree d means d + 1 basis functions (monomials on normalized time [0, 1], shifted Legendre); static is one "
        "weight set for all t. Parameters: all weights of the model (the spiral field's 252 per basis function; on "
        "the surrogates encoder, field and decoder).",
        "Test error: spiral, relative error on the test region t in [20, 25] integrated from the true state at "
        "t = 20; surrogates, per-sample mean relative L2 error, and the global ||P - C||_F / ||C||_F of the "
        "authors' Python code. 95% CI: Student's t over the finished seeds; Δ: variant minus static on the same "
        "seed (green: the whole CI below 0; red: above 0).",
        "Training NFE: vector-field evaluations over all training (forward solves / adjoint solves, diverged runs "
        "up to their divergence); test NFE: one forward solve of the test split. Probe: one forward and backward "
        "pass of the trained model on a fixed batch with the adjoint's default error norm and with the seminorm "
        "(which leaves the parameter adjoint out of step-size control).",
        "Authors: [C-rev] read from the authors' revised code or its committed results (2026), not the v1 paper; "
        "their surrogate runs used 3 basis functions for 'degree 3' (a quadratic), 2000 iterations and 5 seeds, "
        "and report the global relative error, so they sit beside our degree-3 rows only for orientation.",
    ]


NODE_HEADER = [
    "variant",
    "params",
    "train error",
    "val error",
    "test error",
    "test error (global)",
    "train NFE fwd",
    "train NFE bwd",
    "test NFE",
    "probe bwd NFE default / seminorm",
]
NODE_NOTES = [
    f"Errors are relative errors, mean [95% bootstrap CI] over seeds (mean ± std with fewer than {MIN_CI_N}). "
    "Spiral: errors per region (train t in [0, 16], validation [16, 20], test [20, 25]), each integrated from "
    "the true state at the region's start; no global error. Surrogates: per-sample mean relative L2 error; "
    "'global' is ||P - C||_F / ||C||_F, the metric of the authors' Python code.",
    "Training NFE counts every evaluation of the vector field during training (forward and adjoint solves), "
    "including runs that diverged (up to the divergence); test NFE is one forward solve of the test split.",
    "Probe: backward NFE of one forward + backward pass of the trained model on a fixed training batch, with the "
    "adjoint's default error norm (which includes the parameter adjoint, whose scale depends on the basis) and "
    "with the seminorm (state and state adjoint only; torchdiffeq adjoint_options=dict(norm='seminorm')).",
]


def _probe_cell(runs: pd.DataFrame) -> Cell:
    """Mean probe backward NFE under the default norm / the seminorm (runs recorded before the probe: n/a)."""
    cols = ("probe_nfe_backward_default", "probe_nfe_backward_seminorm")
    if not all(c in runs and runs[c].notna().any() for c in cols):
        return Cell("n/a")
    return Cell(" / ".join(fmt(runs[c].dropna().mean(), 4) for c in cols))


def _node_task_row(g: pd.DataFrame) -> list[Cell]:
    """The group row of a neural-ODE task: data set, solver, tolerances, gradient method and budget."""
    first = g.iloc[0]
    steps = f"{int(first['iterations_cfg'])} iterations" if first.get("iterations_cfg") else f"{first['epochs']} ep."
    adj = "adjoint" if bool(first["adjoint"]) else "backprop through the solver"
    task = f"{dataset_name(g)} · {first['method']}, rtol {first['rtol']:g}, atol {first['atol']:g}, {adj}, {steps}"
    return [Cell(task, "group", colspan=len(NODE_HEADER))]


def _node_variant_row(lab: str, r: pd.DataFrame) -> list[Cell]:
    return [
        Cell(lab + (f" ({LABEL_NOTES[lab]})" if lab in LABEL_NOTES else ""), "wrap"),
        Cell(fmt(r["theta"].iloc[0]) if "theta" in r else "n/a"),
        stat_cell(r, "train_rel_err"),
        stat_cell(r, "val_rel_err"),
        stat_cell(r, "test_rel_err"),
        stat_cell(r, "test_rel_err_global") if "test_rel_err_global" in r else Cell("n/a"),
        stat_cell(r, "nfe_forward_train", 4, finished_only=False),
        stat_cell(r, "nfe_backward_train", 4, finished_only=False),
        stat_cell(r, "test_nfe_forward", 4),
        _probe_cell(r),
    ]


def node_table(table: pd.DataFrame) -> HtmlTable | None:
    """The neural-ODE table: per task (group rows) and variant, parameters, errors, training and test NFE."""
    if table.empty or "architecture" not in table:
        return None
    node = table[table["architecture"] == "node"]
    if node.empty:
        return None
    out = HtmlTable(
        id="node-table",
        caption="Neural ODE (optimize-then-discretize): errors, parameters and function evaluations",
        header=list(NODE_HEADER),
        notes=list(NODE_NOTES),
    )
    for _task, g in sorted(node.groupby("task"), key=lambda kg: node_order(kg[1])):
        out.rows.append(_node_task_row(g))
        out.rows += [_node_variant_row(lab, g[g["label"] == lab]) for lab in NODE_LABELS if lab in set(g["label"])]
    return out
