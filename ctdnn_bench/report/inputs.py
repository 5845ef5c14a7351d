"""Read what the report shows: run records, conditioning, work precision; and all inputs at once (:func:`load_inputs`).

Every reader returns a pandas DataFrame (empty when there is nothing to read) plus a list of human-readable notes
about what was missing or unreadable; none of them raises on missing or malformed inputs, so the page always renders.
Nothing here imports torch.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ctdnn_bench.record import tidy_row
from ctdnn_bench.report.bench_inputs import load_asv, load_pytest_benchmark
from ctdnn_bench.report.evidence import reference_stalls, run_measures
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.variants import TREATMENT_DEFAULTS as LATE_TRAIN_DEFAULTS  # noqa: F401  (importable from here)
from ctdnn_bench.variants import task_signature


@dataclass
class Runs:
    """The run records of one results store, filtered by profile.

    Attributes:
        records: the records as read (dicts; see :mod:`ctdnn_bench.store`), by key.
        table: one row per run: :func:`ctdnn_bench.record.tidy_row` plus ``task`` (:func:`task_signature`),
            ``experiment`` (first tag), ``stalled_ref`` (finished, but stuck against the linear baseline or the
            best variant on the same task and seed), ``failed`` (diverged or ``stalled_ref``), ``grad_norm_peak``
            (largest coefficient-gradient norm seen), ``nfe_train`` (forward + backward training NFE),
            ``history_len`` and the per-run measures of
            :func:`ctdnn_bench.report.evidence.run_measures` (budget fraction, flattened, finished, spikes,
            function-space gradient peak, linear baseline, ...).
        notes: what could not be read.
    """

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def history(self, key: str) -> pd.DataFrame:
        """The training history of run ``key`` as a DataFrame (one row per evaluation)."""
        rec = self.records[key]
        hist = rec.get("history") or {}
        n = min((len(v) for v in hist.values()), default=0)
        return pd.DataFrame({k: list(v)[:n] for k, v in hist.items()})


def _peak(values: Any) -> float:
    finite = [float(v) for v in values or [] if v is not None and math.isfinite(float(v))]
    return max(finite) if finite else math.nan


def _extra_columns(record: dict[str, Any]) -> dict[str, Any]:
    hist = record.get("history") or {}
    final = record.get("final") or {}
    nfe_f, nfe_b = final.get("nfe_forward_train"), final.get("nfe_backward_train")
    return {
        "task": task_signature(record["config"]),
        "experiment": (record.get("experiments") or ["custom"])[0],
        "failed": record.get("status") != "ok" or bool(record.get("stalled")),
        "grad_norm_peak": _peak(hist.get("grad_norm_max")),
        "nfe_train": (nfe_f or 0) + (nfe_b or 0) if nfe_f is not None else math.nan,
        "history_len": len(hist.get("train_loss") or []),
        **run_measures(record),
    }


def load_runs(results_dir: str | Path, profile: str | None = None) -> Runs:
    """Every readable run record under ``results_dir/runs`` (only those of ``profile`` when given)."""
    store = ResultsStore(results_dir)
    runs = Runs()
    if not store.runs.is_dir():
        runs.notes.append(f"no results store at {store.runs}: run `ctdnn-bench reproduce` first")
        return runs
    rows = []
    for path in sorted(store.runs.glob("*.json")):
        rec, note = store.load(path)  # foreign, damaged or newer-schema files: a note naming the file
        if rec is None:
            runs.notes.append(note or f"skipped {path}")
            continue
        if profile is not None and rec.get("profile") != profile:
            continue
        try:
            row = {**tidy_row(rec), **_extra_columns(rec)}
        except (ValueError, KeyError, TypeError) as exc:
            runs.notes.append(f"skipped unreadable record {path.name} ({type(exc).__name__}: {exc})")
            continue
        runs.records[rec["key"]] = rec
        rows.append(row)
    runs.table = pd.DataFrame(rows)
    if not runs.table.empty:
        # stalls judged against an absolute reference, not the record's own epoch 1 (see evidence.reference_stalls)
        runs.table["stalled_ref"] = reference_stalls(runs.table)
        runs.table["failed"] = (runs.table["status"] != "ok") | runs.table["stalled_ref"]
    if runs.table.empty:
        which = f" of profile {profile!r}" if profile else ""
        runs.notes.append(f"the results store {store.runs} holds no run records{which}")
    return runs


@dataclass
class Conditioning:
    """``results/conditioning.json`` (written by ``ctdnn-bench run conditioning``; see :mod:`ctdnn_bench.computed`).

    Attributes:
        table: one row per (basis, domain, degree, T) of the conditioning grid (``cond_equilibrated`` when stored).
        curves: Figure 2's rows (degrees 1-10); empty for files written before they were stored.
        bases: Figure 1's basis values: ``{"degree": d, "t": [...], "values": {name: [[...], ...]}}`` or ``{}``.
    """

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    bases: dict[str, Any] = field(default_factory=dict)


_COND_COLUMNS = {"basis", "domain", "degree", "T", "cond_matrix", "cond_gram"}


def _cond_frame(rows: Any) -> pd.DataFrame:
    df = pd.DataFrame(rows or [])
    return df if set(df.columns) >= _COND_COLUMNS else pd.DataFrame()


def load_conditioning(results_dir: str | Path) -> Conditioning:
    """``results/conditioning.json``: the stored document, or (older files) a bare list of table rows."""
    try:
        doc = json.loads((Path(results_dir) / "conditioning.json").read_text())
    except (OSError, ValueError):
        return Conditioning()
    if isinstance(doc, list):
        return Conditioning(_cond_frame(doc))
    if not isinstance(doc, dict):
        return Conditioning()
    bases = doc.get("bases") if isinstance(doc.get("bases"), dict) else {}
    return Conditioning(_cond_frame(doc.get("table")), _cond_frame(doc.get("curves")), bases or {})


@dataclass
class WorkPrecision:
    """``results/workprecision.json`` (``ctdnn-bench run workprecision``): the setup and one row per solve."""

    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    setup: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def load_workprecision(results_dir: str | Path) -> WorkPrecision:
    """The stored work-precision diagram, or an empty one with a note saying which command fills it."""
    path = Path(results_dir) / "workprecision.json"
    if not path.is_file():
        return WorkPrecision(notes=[f"no work-precision results at {path}: run `ctdnn-bench run workprecision`"])
    try:
        doc = json.loads(path.read_text())
        rows, setup = pd.DataFrame(doc["rows"]), dict(doc["setup"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return WorkPrecision(notes=[f"skipped unreadable {path.name} ({type(exc).__name__}: {exc})"])
    if not rows.empty and not {"basis", "rtol", "nfe", "error"} <= set(rows.columns):
        return WorkPrecision(notes=[f"skipped {path.name}: rows lack basis/rtol/nfe/error"])
    return WorkPrecision(rows, setup)


# ---------------------------------------------------------------------------------------------------- all


@dataclass
class Inputs:
    """Everything the page is built from."""

    runs: Runs
    conditioning: Conditioning
    workprecision: WorkPrecision
    bench: pd.DataFrame
    asv: pd.DataFrame
    notes: list[str]
    profile: str | None
    results_dir: Path


def load_inputs(results_dir: str | Path, profile: str | None = None) -> Inputs:
    """Read the results store, ``conditioning.json``, ``workprecision.json``, ``pytest-benchmark/`` and ``asv/``
    under ``results_dir``."""
    root = Path(results_dir)
    runs = load_runs(root, profile)
    bench, bnotes = load_pytest_benchmark(root / "pytest-benchmark")
    asv, anotes = load_asv(root / "asv")
    cond, wp = load_conditioning(root), load_workprecision(root)
    notes = [*runs.notes, *bnotes, *anotes]
    return Inputs(runs, cond, wp, bench, asv, notes, profile, root)


__all__ = [
    "Conditioning",
    "Inputs",
    "Runs",
    "WorkPrecision",
    "load_conditioning",
    "load_inputs",
    "load_runs",
    "load_workprecision",
    "task_signature",
]
