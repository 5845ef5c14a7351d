"""The report's table builders: analogues of the paper's Table 2 and Table 3, conditioning, attribution, any frame.

Each builder takes the tidy run table (:func:`ctdnn_bench.report.inputs.load_runs`; columns ``task``, ``dataset``,
``T``, ``architecture``, ``optimizer``, ``label``, ``status``, the error columns and parameter counts) and returns an
:class:`HtmlTable` (plain data; the template renders it) or None when there is nothing to show. Cells hold
``mean [95% CI]`` over seeds; the number of seeds and of diverged / stalled runs is shown with them. The neural-ODE
tables are in :mod:`ctdnn_bench.report.table4`, the authors' numbers in :mod:`ctdnn_bench.report.reference`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ctdnn_bench.report.cells import stat_cell
from ctdnn_bench.report.labels import (
    DTO_LABELS,
    LABEL_NOTES,
    STANDIN,
    TABLE2_ARCHS,
    budget_of,
    dataset_key,
    dataset_name,
    optimizer_name,
    optimizer_of,
    optimizer_rank,
)
from ctdnn_bench.report.paired import MIN_CI_N
from ctdnn_bench.report.reference import BASELINES, EXPECTED_THETA
from ctdnn_bench.report.view import Cell, HtmlTable, fmt

#: A Table-2 task: ``(dataset, T, architecture, optimizer, budget)`` and its runs.
Task = tuple[tuple[Any, ...], pd.DataFrame]


def dto_tasks(table: pd.DataFrame) -> list[Task]:
    """Table-2 tasks keyed ``(dataset, T, architecture, optimizer, budget)``, in table order."""
    if table.empty or "architecture" not in table:
        return []
    dto = table[table["architecture"].isin(TABLE2_ARCHS) & table["label"].isin(DTO_LABELS)]
    groups = []
    for _task, g in dto.groupby("task"):
        first = g.iloc[0]
        key = (str(first["dataset"]), float(first["T"]), str(first["architecture"]), optimizer_of(g), budget_of(g))
        groups.append((key, g))
    groups.sort(key=lambda kg: (*dataset_key(kg[0][0]), kg[0][1], kg[0][2], optimizer_rank(kg[0][3]), kg[0][4]))
    return groups


def _by_row(groups: list[Task]) -> dict[tuple[Any, ...], dict[str, list[tuple[str, pd.DataFrame]]]]:
    """One row per (data set, T, architecture); per optimizer, its budgets and runs (a store holding two profiles
    has two budgets for one optimizer)."""
    rows: dict[tuple[Any, ...], dict[str, list[tuple[str, pd.DataFrame]]]] = {}
    for (ds, big_t, arch, opt, budget), g in groups:
        rows.setdefault((ds, big_t, arch), {}).setdefault(opt, []).append((budget, g))
    return rows


def _dataset_row(ds: str, first: pd.DataFrame, groups: list[Task], optimizers: list[str], width: int) -> list[Cell]:
    """The group row of a data set: its name, the budgets per optimizer and the trivial baselines."""
    budgets = {o: sorted({k[4] for k, _ in groups if k[0] == ds and k[3] == o}) for o in optimizers}
    text = "; ".join(
        f"{optimizer_name(o, short=True)}: {', '.join(b)}" if optimizers != ["adam"] else ", ".join(b)
        for o, b in budgets.items()
        if b
    )
    extra = f" · trivial baselines on the authors' data: {BASELINES[ds]}" if ds in BASELINES else ""
    name = dataset_name(first)
    return [Cell(f"{name} ({text}){extra}", "group standin" if name == STANDIN else "group", colspan=width)]


def _task_rows(
    key: tuple[Any, ...], per_opt: dict[str, list[tuple[str, pd.DataFrame]]], labels: list[str], metric: str
) -> list[list[Cell]]:
    """The rows of one (data set, T, architecture): one per budget; the budgets named when there are several."""
    _ds, big_t, arch, optimizers, ambiguous = key
    rows = []
    for i in range(max(len(v) for v in per_opt.values())):
        picked = {o: per_opt[o][i] if i < len(per_opt.get(o, [])) else None for o in optimizers}
        note = ", ".join(p[0] for p in picked.values() if p) if ambiguous else ""
        row = [Cell(f"{big_t:g}"), Cell(arch + (f" ({note})" if note else ""))]
        for pick in picked.values():  # an optimizer without this row's task gets empty cells
            g = pick[1] if pick is not None else pd.DataFrame()
            row += [stat_cell(g[g["label"] == lab] if len(g) else g, metric) for lab in labels]
        rows.append(row)
    return rows


def _table2_notes(table: pd.DataFrame, labels: list[str], optimizers: list[str]) -> list[str]:
    seeds = sorted(table.loc[table["label"].isin(labels), "seed_init"].dropna().astype(int).unique().tolist())
    notes = [
        f"Columns: {'; '.join(f'{lab} = {LABEL_NOTES[lab]}' for lab in labels if lab in LABEL_NOTES)}.",
        f"Seeds: {seeds}. Failed (diverged or stalled) runs are counted in the cell; diverged runs are left out of its "
        "mean.",
        "Trivial baselines: test error of predicting the training mean and of a least-squares linear map on the "
        "authors' data [D] (paper.md section 8).",
    ]
    if "gnvpro" in optimizers:
        notes.append(
            "GNvpro: variable projection (decoder = ridge solution, alpha2 = 1e-3; alpha1 = 1e-5 on theta) with "
            "trust-region Gauss-Newton-Krylov (GMRES, 20 steps, tol 1e-2), full batch, until the work-unit budget is "
            "spent (objective + gradient 2, Gauss-Newton product 2, trial 1). ADAM: minibatches of 32, lr 1e-3."
        )
    return notes


def table2(table: pd.DataFrame, metric: str = "test_rel_err", what: str = "test") -> HtmlTable | None:
    """Paper Table 2: relative error per data set (group rows), T and architecture (rows), optimizer (column
    groups: ADAM, GNvpro, as the paper) and basis (columns)."""
    groups = dto_tasks(table)
    if not groups:
        return None
    labels = [lab for lab in DTO_LABELS if any(lab in set(g["label"]) for _, g in groups)]
    optimizers = list(dict.fromkeys(k[3] for k, _ in groups))
    rows = _by_row(groups)
    ambiguous = any(len(v) > 1 for per_opt in rows.values() for v in per_opt.values())
    out = HtmlTable(
        id=f"table2-{what}",
        caption=f"Table 2 analogue: {what} relative error (per-sample mean relative L2 error), mean [95% CI] over "
        f"seeds (mean ± std with fewer than {MIN_CI_N} seeds; n after each cell)",
        header=["T", "architecture", *(labels * len(optimizers))],
        notes=_table2_notes(table, labels, optimizers),
    )
    if optimizers != ["adam"]:  # an ADAM-only store keeps the one-row header
        out.rows.append(
            [Cell("optimizer", "group", colspan=2)]
            + [Cell(optimizer_name(o, short=True), "group", colspan=len(labels)) for o in optimizers]
        )
    current = None
    for (ds, big_t, arch), per_opt in rows.items():
        if ds != current:
            current = ds
            first = next(g for v in per_opt.values() for _, g in v)
            out.rows.append(_dataset_row(ds, first, groups, optimizers, 2 + len(labels) * len(optimizers)))
        out.rows += _task_rows((ds, big_t, arch, optimizers, ambiguous), per_opt, labels, metric)
    return out


TABLE3_LABELS = ("legendre d=3", "legendre d=4", "legendre d=5", "legendre d=6", "none")
TABLE3_HEADER = [
    "variant",
    "theta (encoder + dynamics)",
    "dynamics only",
    "expected theta [C-rev arithmetic]",
    "train rel. error",
    "test rel. error",
    "ΔError (train, vs none)",
]


def _table3_row(lab: str, r: pd.DataFrame, base: pd.Series) -> list[Cell]:
    tr = r[r["status"] == "ok"]["train_rel_err"]
    delta = tr.mean() - base.mean() if len(tr) and len(base) else math.nan
    return [
        Cell(lab),
        Cell(fmt(r["theta"].iloc[0]) if "theta" in r else "n/a"),
        Cell(fmt(r["dynamics"].iloc[0]) if "dynamics" in r else "n/a"),
        Cell(fmt(EXPECTED_THETA["dcr"].get(lab)), "ref"),
        stat_cell(r, "train_rel_err"),
        stat_cell(r, "test_rel_err"),
        Cell(fmt(delta), "good" if delta < 0 else ""),
    ]


def table3(table: pd.DataFrame, optimizer: str = "adam") -> HtmlTable | None:
    """Paper Table 3: DCR, Hamiltonian, T = 1; Legendre d=3..6 vs unconstrained: errors and degrees of freedom
    (the paper's table is ADAM; ``optimizer="gnvpro"`` gives the same table for the GNvpro runs)."""
    groups = [
        (k, g)
        for k, g in dto_tasks(table)
        if k[0] == "dcr" and k[1] == 1.0 and k[2] == "hamiltonian" and k[3] == optimizer
    ]
    if not groups:
        return None
    (_, _, _, _, budget), g = groups[-1]
    base = g[(g["label"] == "none") & (g["status"] == "ok")]["train_rel_err"]
    out = HtmlTable(
        id="table3-dof" if optimizer == "adam" else f"table3-dof-{optimizer}",
        caption=f"Table 3 analogue: {dataset_name(g)}, Hamiltonian, T = 1, {optimizer_name(optimizer, short=True)} "
        f"({budget}): error vs degrees of freedom",
        header=list(TABLE3_HEADER),
    )
    for lab in TABLE3_LABELS:
        r = g[g["label"] == lab]
        if not r.empty:
            out.rows.append(_table3_row(lab, r, base))
    out.notes = ["ΔError = mean train error of the variant minus that of 'none' (negative: the variant is better)."]
    return out


def conditioning_html(cond: pd.DataFrame) -> HtmlTable | None:
    """Condition numbers of the basis and Gram matrices (wide: one column per degree); ``cond`` has columns
    ``basis, domain, T, degree, cond_matrix, cond_gram``."""
    if cond.empty:
        return None
    out = HtmlTable(
        id="conditioning-table",
        caption="Condition numbers: basis matrix on the paper's 12-point grid / L2 Gram matrix",
        header=["basis", "time domain", "T", *[f"d={int(d)}" for d in sorted(cond["degree"].unique())]],
    )
    degrees = sorted(cond["degree"].unique())
    for (basis, domain, big_t), g in cond.groupby(["basis", "domain", "T"], sort=False):
        by_d = g.set_index("degree")
        cells = [
            Cell(
                f"{fmt(by_d.loc[d, 'cond_matrix'])} / {fmt(by_d.loc[d, 'cond_gram'])}" if d in by_d.index else "",
                "bad" if d in by_d.index and by_d.loc[d, "cond_matrix"] > 1e3 else "",
            )
            for d in degrees
        ]
        out.rows.append([Cell(str(basis)), Cell(str(domain)), Cell(f"{big_t:g}"), *cells])
    out.notes = ["Cells over 1e3 are highlighted. Legendre and Chebyshev live on [-1, 1] whatever T is."]
    return out


def frame_table(df: pd.DataFrame, id: str, caption: str, digits: int = 3) -> HtmlTable:
    """Any DataFrame as an :class:`HtmlTable` (numbers formatted with ``digits`` significant digits)."""
    out = HtmlTable(id=id, caption=caption, header=[str(c) for c in df.columns])
    for _, r in df.iterrows():
        out.rows.append([Cell(fmt(v, digits) if isinstance(v, int | float | np.number) else str(v)) for v in r])
    return out


def _effect(value: float, kind: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if kind == "difference":
        return f"{value:+.2f}"
    return "inf" if math.isinf(value) else f"{value:.3g}x"


ATTRIBUTION_HEADER = [
    "setting",
    "seeds",
    "monomial [0,T]",
    "monomial [0,1]",
    "Legendre",
    "time scaling",
    "orthogonality",
    "dominant effect",
]


def _attribution_row(r: pd.Series, kind: str) -> list[Cell]:
    dom = str(r["dominant effect"])
    return [
        Cell(str(r["setting"])),
        Cell(str(r["seeds"])),
        Cell(fmt(r["monomial [0,T]"])),
        Cell(fmt(r["monomial [0,1]"])),
        Cell(fmt(r["Legendre"])),
        Cell(_effect(r["time scaling"], kind)),
        Cell(_effect(r["orthogonality"], kind)),
        Cell(dom, "" if dom == "neither" else "emph"),
    ]


def attribution_tables(attr: pd.DataFrame) -> list[HtmlTable]:
    """One table per metric of :func:`ctdnn_bench.report.attribution.scaling_vs_orthogonality` (columns ``metric``,
    ``kind``, ``setting``, ``seeds``, the three variants, ``time scaling``, ``orthogonality``, ``dominant effect``)."""
    out = []
    for metric, g in attr.groupby("metric", sort=False):
        kind = str(g["kind"].iloc[0])
        how = "ratios raw/unit and unit/Legendre" if kind == "ratio" else "differences raw - unit and unit - Legendre"
        t = HtmlTable(
            id=f"attribution-{metric.split()[0]}-{metric.split()[1]}".replace("(", "").replace(")", ""),
            caption=f"{metric}: monomial on [0, T] vs on [0, 1] vs Legendre d=3 ({how})",
            header=list(ATTRIBUTION_HEADER),
        )
        t.rows += [_attribution_row(r, kind) for _, r in g.iterrows()]
        out.append(t)
    return out


__all__ = [
    "ATTRIBUTION_HEADER",
    "attribution_tables",
    "conditioning_html",
    "dto_tasks",
    "frame_table",
    "table2",
    "table3",
]
