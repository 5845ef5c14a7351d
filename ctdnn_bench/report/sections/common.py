"""What every section builder reads: the :class:`Context` of one page, and picking runs and histories from it.

The context holds the loaded inputs and what the page computes once from them (claim verdicts, factor effects);
builders read it and return a :class:`~ctdnn_bench.report.view.Section`. The helpers select rows of the tidy run table
(columns ``architecture``, ``label``, ``optimizer``, ``task``, ``T``, ``dataset``, ``key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ctdnn_bench.report import claims as cl
from ctdnn_bench.report import factors as fa
from ctdnn_bench.report.attribution import scaling_vs_orthogonality
from ctdnn_bench.report.inputs import Inputs, Runs
from ctdnn_bench.report.labels import DTO_LABELS, dataset_key


@dataclass(frozen=True)
class Context:
    """One page's inputs, date line and rendering environment, and what is drawn from them once: the verdicts, the
    factor effects (factorial runs) or else the three-arm attribution rows (both empty when not computed)."""

    inputs: Inputs
    generated: str
    env: dict[str, Any]
    claims: list[cl.Claim]
    effects: pd.DataFrame
    attribution: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        """The tidy run table."""
        return self.inputs.runs.table


def make_context(inputs: Inputs, generated: str, env: dict[str, Any]) -> Context:
    """Evaluate the claims and, when the factorial experiment ran, its factor effects, else the three-arm
    attribution (scaling vs orthogonality)."""
    table = inputs.runs.table
    claims = cl.evaluate_claims(table, inputs.conditioning.table)
    effects = fa.factor_effects(table) if fa.has_factorial(table) else pd.DataFrame()
    attribution = scaling_vs_orthogonality(table) if effects.empty else pd.DataFrame()
    return Context(inputs, generated, env, claims, effects, attribution)


def pick_task(df: pd.DataFrame) -> pd.DataFrame:
    """The runs of the task with the most records (a store may hold the same setting with other budgets)."""
    if df.empty:
        return df
    best = df["task"].value_counts().idxmax()
    return df[df["task"] == best]


def histories(runs: Runs, df: pd.DataFrame, labels: tuple[str, ...] | list[str]) -> dict[str, list[pd.DataFrame]]:
    """The training histories of the runs in ``df``, per label (labels without runs left out)."""
    out: dict[str, list[pd.DataFrame]] = {}
    for lab in labels:
        keys = df.loc[df["label"] == lab, "key"].tolist()
        frames = [runs.history(k) for k in keys]
        if frames:
            out[lab] = frames
    return out


def dto_runs(table: pd.DataFrame, optimizer: str | None = None) -> pd.DataFrame:
    """The Table-2 runs (ResNet, Hamiltonian), of one optimizer if given (records without the column are ADAM)."""
    if table.empty or "architecture" not in table:
        return pd.DataFrame()
    dto = table[table["architecture"].isin(cl.DTO_ARCHS) & table["label"].isin(DTO_LABELS)]
    if optimizer is not None:
        dto = dto[(dto["optimizer"] if "optimizer" in dto else pd.Series("adam", index=dto.index)) == optimizer]
    return dto


def curve_t(dto: pd.DataFrame) -> float:
    """The T the figures are drawn at: 1 if it was run, else the smallest."""
    ts = sorted(dto["T"].unique())
    return 1.0 if 1.0 in ts else float(ts[0])


def datasets(df: pd.DataFrame) -> list[str]:
    """The data sets of ``df`` in the page's order."""
    return sorted(df["dataset"].unique(), key=dataset_key)


def parts_by_arch(g: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per Table-2 architecture, the runs of its most-recorded task (architectures without runs left out)."""
    parts = {arch: pick_task(g[g["architecture"] == arch]) for arch in cl.DTO_ARCHS}
    return {a: p for a, p in parts.items() if not p.empty}
