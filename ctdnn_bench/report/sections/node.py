"""The neural-ODE sections: error against function evaluations (the paper's Figure 6, with the neural-ODE table) and
the degree sweep of Table 4.

They read the runs with ``architecture == "node"`` (optimize-then-discretize) and their training histories.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import table4 as t4
from ctdnn_bench.report import training_figures as tf
from ctdnn_bench.report.inputs import Runs
from ctdnn_bench.report.labels import NODE_LABELS, dataset_name, describe_runs, node_order
from ctdnn_bench.report.sections.common import Context, histories
from ctdnn_bench.report.view import Prose, Section, add_figure


def _nfe_totals(g: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Mean cumulative forward / backward training NFE per label (index says how many runs diverged)."""
    nfe = g.groupby("label")[["nfe_forward_train", "nfe_backward_train"]].mean()
    nfe = nfe.reindex([lab for lab in labels if lab in nfe.index])
    n_div = g[g["status"] != "ok"].groupby("label").size()
    nfe.index = pd.Index([f"{lab} ({n_div[lab]} diverged)" if lab in n_div else lab for lab in nfe.index])
    nfe.columns = pd.Index(["forward", "backward"])
    return nfe


def draw_nfe(runs: Runs, g: pd.DataFrame, labels: list[str], short: str) -> Any:
    """Train and validation error against cumulative NFE, and the NFE totals per variant."""
    fig, axes = fg.new_figure(1, 3, width=10.5, height=3.3)
    hist = histories(runs, g, labels)
    tf.plot_error_vs_nfe(axes[0, 0], hist, column="train_rel_err", title=f"{short}: train")
    tf.plot_error_vs_nfe(axes[0, 1], hist, column="val_rel_err", title=f"{short}: validation")
    tf.plot_nfe_bars(axes[0, 2], _nfe_totals(g, labels), title="cumulative training NFE")
    return fig


def _add_task_figure(s: Section, runs: Runs, g: pd.DataFrame) -> None:
    labels = [lab for lab in NODE_LABELS if lab in set(g["label"])]
    name = dataset_name(g)
    caption = (
        f"{name}: train and validation relative error vs cumulative training NFE (one line per seed, one point "
        "per evaluation), and the mean cumulative forward / backward NFE per variant (diverged runs counted up to "
        f"their divergence). Runs: {describe_runs(g)}"
    )
    draw = partial(draw_nfe, runs, g, labels, dataset_name(g, short=True))
    add_figure(s, f"the {name} NFE figure", f"fig-node-{g['dataset'].iloc[0]}", caption, draw)


def section_node(ctx: Context) -> Section:
    """Figure 5 and the neural-ODE table."""
    s = Section("neural-ode", "Neural ODE: error vs function evaluations", prose=Prose("neural-ode"))
    table = ctx.table
    node = table[table["architecture"] == "node"] if "architecture" in table else pd.DataFrame()
    if node.empty:
        s.notes.append("No neural-ODE runs in the results store: run `ctdnn-bench run node`.")
        return s
    for _task, g in sorted(node.groupby("task"), key=lambda kg: node_order(kg[1])):
        _add_task_figure(s, ctx.inputs.runs, g)
    t = t4.node_table(table)
    if t is not None:
        s.tables.append(t)
    return s


def section_table4(ctx: Context) -> Section:
    """Table 4: the neural-ODE degree sweep beside the authors' known numbers."""
    s = Section("table4", "Table 4: neural ODE by polynomial degree", prose=Prose("table4"))
    table = ctx.table
    t = t4.table4(table)
    if t is None:
        s.notes.append("No neural-ODE degree sweep in the results store: run `ctdnn-bench run table4`.")
        return s
    node = table[(table["architecture"] == "node") & table["label"].isin(t4.TABLE4_LABELS)]
    s.intro.append(f"Runs: {describe_runs(node)}")
    s.tables.append(t)
    return s
