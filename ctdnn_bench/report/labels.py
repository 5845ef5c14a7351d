"""The report's vocabulary: data sets, variant labels and optimizers as the page names and orders them.

One dataset order (:data:`DATASET_ORDER`), one optimizer registry (:data:`OPTIMIZERS`, short and long names), the
variant labels of each table, and the sentence that says what a set of runs was (:func:`describe_runs`). Functions
here read the tidy run table (columns ``dataset``, ``standin``, ``optimizer``, ``epochs``, ``work_units_cfg``,
``label``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ctdnn_bench.report.evidence import PAPER_BUDGET, TOY_DATASETS
from ctdnn_bench.report.view import fmt
from ctdnn_bench.variants import DATASETS, DTO_VARIANTS, NODE_DATASETS, NODE_VARIANTS, VARIANTS

#: The page's one dataset order (the package's, :data:`ctdnn_bench.variants.NODE_DATASETS`): toy spiral, then the
#: authors' data sets ELM, CDR, DCR; anything else after them.
DATASET_ORDER = NODE_DATASETS
#: The authors' data sets, written in upper case.
REAL_DATASETS = DATASETS


def dataset_rank(name: str, *, toy_last: bool = False) -> int:
    """Position of a data set in :data:`DATASET_ORDER` (``toy_last``: the toy data sets after the real ones);
    unknown data sets come last."""
    order = [d for d in DATASET_ORDER if not (toy_last and d in TOY_DATASETS)]
    order += [d for d in DATASET_ORDER if d not in order]
    return order.index(name) if name in order else len(order)


def dataset_key(name: str) -> tuple[int, str]:
    """Sort key of a data set: :func:`dataset_rank`, then the name."""
    return dataset_rank(name), name


@dataclass(frozen=True)
class Optimizer:
    """How an optimizer reads on the page: ``short`` in Table-2 column titles, ``long`` in run descriptions."""

    short: str
    long: str


#: Every optimizer the report names, Table 2's first, in column order (which Adam a run used matters: paper.md
#: Sec. 2.8). A name the report never spelled otherwise stays the optimizer's own.
OPTIMIZERS: dict[str, Optimizer] = {
    "adam": Optimizer("ADAM", "Adam (torch: bias correction by step)"),
    "gnvpro": Optimizer("GNvpro", "gnvpro"),
    "adam_meganet": Optimizer("adam_meganet", "Meganet ADAM (bias correction by epoch, eps inside the sqrt)"),
    "rmsprop": Optimizer("rmsprop", "RMSprop"),
}
#: The optimizers of Table 2, in column order.
TABLE2_OPTIMIZERS = ("adam", "gnvpro")


def optimizer_name(name: Any, *, short: bool = False) -> str:
    """The report's name of an optimizer (:data:`OPTIMIZERS`; unknown optimizers keep their own name)."""
    opt = OPTIMIZERS.get(str(name))
    if opt is None:
        return str(name)
    return opt.short if short else opt.long


def optimizer_rank(name: str) -> int:
    """Column position of an optimizer in Table 2 (others after them)."""
    return TABLE2_OPTIMIZERS.index(name) if name in TABLE2_OPTIMIZERS else len(TABLE2_OPTIMIZERS)


#: The columns of Table 2 and the rows of the neural-ODE table, in order (labels of :mod:`ctdnn_bench.variants`: a
#: label means the same variant in every table).
DTO_LABELS = tuple(v.label for v in DTO_VARIANTS)
NODE_LABELS = tuple(v.label for v in NODE_VARIANTS)
#: What a label means, where the label alone does not say it (each from the variant's own note).
LABEL_NOTES = {label: VARIANTS[label].note for label in ("monomial d=3", "monomial[0,1] d=3", "none", "static")}
STANDIN = "DCR stand-in (generated, not the paper's data)"
#: Fixed-grid architectures that get rows in Table 2 (the Leapfrog network was a column of the first version's).
TABLE2_ARCHS = ("resnet", "hamiltonian", "leapfrog")
#: GNvpro's budget when a record's config has no ``work_units`` (0 = the default: the paper's budget).
GNVPRO_DEFAULT_WORK_UNITS = PAPER_BUDGET["work_units"]


def dataset_name(runs: pd.DataFrame, short: bool = False) -> str:
    """The data set's display name: upper case, or the stand-in warning when any record says ``standin``
    (``short``: "DCR stand-in", for figure titles whose caption carries the full warning)."""
    name = str(runs["dataset"].iloc[0])
    if "standin" in runs and runs["standin"].fillna(False).astype(bool).any():
        return f"{name.upper()} stand-in" if short else STANDIN
    return name.upper() if name in REAL_DATASETS else name


def node_order(g: pd.DataFrame) -> tuple[int, str]:
    """Sort key of neural-ODE tasks: spiral, ELM, CDR, DCR, then the rest."""
    return dataset_key(str(g["dataset"].iloc[0]))


def optimizer_of(runs: pd.DataFrame) -> str:
    """The optimizer of a set of runs (``adam`` for records written before the column existed)."""
    return str(runs["optimizer"].iloc[0]) if "optimizer" in runs else "adam"


def budget_of(runs: pd.DataFrame) -> str:
    """The training budget of a task: ``15 epochs`` (minibatch optimizers) or ``250 work units`` (GNvpro)."""
    first = runs.iloc[0]
    if optimizer_of(runs) == "gnvpro":
        wu = first.get("work_units_cfg")
        return f"{int(wu) if wu and not pd.isna(wu) else GNVPRO_DEFAULT_WORK_UNITS} work units"
    return f"{int(first['epochs'])} epochs"


def values(df: pd.DataFrame, col: str) -> list[Any]:
    """The distinct non-missing values of ``col``, sorted (by type name, then value); [] without the column."""
    if col not in df:
        return []
    vals = df[col].dropna().unique().tolist()
    return sorted(vals, key=lambda v: (str(type(v)), v))


def _joined(df: pd.DataFrame, col: str, sep: str = "/") -> str:
    return sep.join(fmt(x, general=True) for x in values(df, col))


def _budget_part(mb: pd.DataFrame) -> list[str]:
    """The minibatch optimizers' budget and learning rates (iterations for neural ODEs, else epochs)."""
    if mb.empty:
        return []
    iters = [int(i) for i in values(mb, "iterations_cfg") if i]
    if (mb["architecture"] == "node").all() and iters:
        budget = f"{', '.join(map(str, iters))} iterations"
    else:
        budget = f"{', '.join(str(int(e)) for e in values(mb, 'epochs'))} epochs"
    names = "/".join(optimizer_name(o) for o in values(mb, "optimizer"))
    return [budget, f"{names} lr {_joined(mb, 'lr')}"]


def _solver_part(df: pd.DataFrame) -> str:
    """The neural-ODE solver settings, or the fixed grid."""
    if not (df["architecture"] == "node").any():
        return f"fixed grid, {'/'.join(str(int(n)) for n in values(df, 'n_steps'))} steps"
    node = df[df["architecture"] == "node"]
    adj = "adjoint (OTD)" if node["adjoint"].all() else "backprop through the solver"
    return f"{'/'.join(values(node, 'method'))}, rtol {_joined(node, 'rtol')}, atol {_joined(node, 'atol')}, {adj}"


def describe_runs(df: pd.DataFrame) -> str:
    """One sentence saying what a set of runs was: data set, profile, seeds, budget, optimizer, T, tolerances."""
    if df.empty:
        return "no runs"
    parts = [f"data set {', '.join(dataset_name(g) for _, g in df.groupby('dataset'))}"]
    profiles = [p or "custom" for p in values(df, "profile")]
    parts.append(f"profile {', '.join(profiles) or 'custom'}")
    parts.append(f"seeds {', '.join(str(int(s)) for s in values(df, 'seed_init'))}")
    gn = df[df["optimizer"] == "gnvpro"] if "optimizer" in df else df.iloc[:0]
    parts += _budget_part(df.drop(index=gn.index))  # minibatch optimizers
    if not gn.empty:
        budgets = sorted({budget_of(g) for _, g in gn.groupby("task")})
        parts.append(f"gnvpro (full batch) {'/'.join(budgets)}")
    parts.append(f"T = {_joined(df, 'T', ', ')}")
    parts.append(_solver_part(df))
    return "; ".join(parts) + "."
