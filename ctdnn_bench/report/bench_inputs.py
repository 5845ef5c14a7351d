"""Read the benchmark harnesses' results: pytest-benchmark JSON files and asv result files.

Each reader returns a pandas DataFrame (empty when there is nothing to read) and a list of human-readable notes about
what was missing or unreadable; none raises on missing or malformed inputs. Nothing here imports torch.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

BENCH_PHASES = ("forward", "backward", "adjoint")
_BASIS_WORDS = ("monomial", "legendre", "chebyshev", "fourier", "piecewise_linear", "piecewise_constant", "static")
_STATS = ("mean", "median", "min", "max", "stddev", "rounds")


# ------------------------------------------------------------------------------------------- pytest-benchmark


def describe_benchmark(name: str, params: dict[str, Any] | None, extra: dict[str, Any] | None) -> dict[str, Any]:
    """Basis, degree and phase of a benchmark, from its ``params``/``extra_info`` or, failing that, its name.

    ``phase`` is one of :data:`BENCH_PHASES` or ``""``; ``degree`` is an int or None.
    """
    info = {**(params or {}), **(extra or {})}
    text = f"{name} {' '.join(f'{k}={v}' for k, v in info.items())}".lower()
    basis = str(info.get("basis") or next((b for b in _BASIS_WORDS if b in text), ""))
    degree = info.get("degree")
    if degree is None:
        m = re.search(r"(?:degree|deg|(?<![a-z])d)[=_-]?(\d+)", text)
        degree = int(m.group(1)) if m else None
    phase = str(info.get("phase") or info.get("pass") or info.get("mode") or "")
    if phase not in BENCH_PHASES:
        phase = next((p for p in ("adjoint", "backward", "forward") if p in text), "")
    return {"basis": basis, "degree": int(degree) if degree is not None else None, "phase": phase}


def _bench_row(file: str, doc: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One benchmark of a pytest-benchmark file as a row (see :func:`load_pytest_benchmark`)."""
    commit = (doc.get("commit_info") or {}).get("id") or ""
    stats = b.get("stats") or {}
    extra = {k: v for k, v in (b.get("extra_info") or {}).items() if isinstance(v, int | float | str)}
    return {
        "file": file,
        "datetime": doc.get("datetime", ""),
        "commit": str(commit)[:12],
        "name": b["name"],
        "fullname": b.get("fullname", b["name"]),
        "group": b.get("group") or "",
        "param": b.get("param") or "",
        **describe_benchmark(b["name"], b.get("params"), extra),
        **{k: stats.get(k) for k in _STATS},
        **{k: v for k, v in extra.items() if k not in ("basis", "degree", "phase")},
    }


def load_pytest_benchmark(directory: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """All pytest-benchmark JSON files under ``directory`` (``--benchmark-json`` or ``--benchmark-storage``).

    One row per benchmark and file: ``file``, ``datetime``, ``commit``, ``name``, ``fullname``, ``group``,
    ``param``, ``basis``, ``degree``, ``phase``, the ``stats`` (``mean``, ``median``, ``min``, ``max``,
    ``stddev``, ``rounds``; seconds) and every scalar ``extra_info`` entry (``nfe_forward``, ...).
    """
    directory = Path(directory)
    notes: list[str] = []
    files = sorted(directory.rglob("*.json")) if directory.is_dir() else []
    if not files:
        return pd.DataFrame(), [
            f"no pytest-benchmark JSON under {directory} (run the benchmark tests with "
            "--benchmark-json or --benchmark-autosave)"
        ]
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            doc = json.loads(path.read_text())
            benches = doc["benchmarks"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"skipped {path.name}: not a pytest-benchmark file ({type(exc).__name__})")
            continue
        for b in benches:
            try:
                rows.append(_bench_row(str(path.relative_to(directory)), doc, b))
            except (KeyError, TypeError, AttributeError) as exc:
                notes.append(f"skipped a malformed benchmark in {path.name} ({type(exc).__name__}: {exc})")
    return pd.DataFrame(rows), notes


def latest_benchmarks(df: pd.DataFrame) -> pd.DataFrame:
    """The most recent row of every benchmark (by ``fullname``)."""
    if df.empty:
        return df
    return df.sort_values(["datetime", "file"]).groupby("fullname", sort=False).tail(1).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------ asv


def load_asv(directory: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """asv results (``results/asv/<machine>/<commit>-<env>.json``, asv result format version 2).

    One row per benchmark, parameter combination, result file: ``machine``, ``commit``, ``date`` (a timestamp),
    ``env``, ``benchmark``, ``params`` (``"a=1, b=x"``), ``value``, ``unit`` and ``type`` (from
    ``benchmarks.json`` when present).
    """
    directory = Path(directory)
    notes: list[str] = []
    meta: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):  # benchmarks.json only adds units and parameter names
        meta = json.loads((directory / "benchmarks.json").read_text())
    rows: list[dict[str, Any]] = []
    machines = [d for d in sorted(directory.iterdir()) if d.is_dir()] if directory.is_dir() else []
    for mdir in machines:
        for path in sorted(mdir.glob("*.json")):
            if path.name == "machine.json":
                continue
            try:
                rows += _asv_rows(mdir.name, json.loads(path.read_text()), meta)
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                notes.append(f"skipped asv result {mdir.name}/{path.name} ({type(exc).__name__}: {exc})")
    if not rows:
        notes.insert(0, f"no asv results under {directory} (run `asv run` with results_dir results/asv)")
    return pd.DataFrame(rows), notes


def _asv_rows(machine: str, doc: dict[str, Any], meta: dict[str, Any]) -> list[dict[str, Any]]:
    columns = doc["result_columns"]
    date = pd.to_datetime(doc.get("date"), unit="ms", utc=True) if doc.get("date") else pd.NaT
    rows = []
    for bench, values in doc["results"].items():
        entry = dict(zip(columns, values, strict=False))
        results, params = entry.get("result"), entry.get("params") or []
        if results is None:
            continue
        info = meta.get(bench, {}) if isinstance(meta.get(bench), dict) else {}
        names = info.get("param_names") or [f"p{i}" for i in range(len(params))]
        combos = list(itertools.product(*params)) if params else [()]
        for combo, value in zip(combos, results, strict=False):
            rows.append(
                {
                    "machine": machine,
                    "commit": str(doc["commit_hash"])[:12],
                    "date": date,
                    "env": doc.get("env_name", ""),
                    "benchmark": bench,
                    "params": ", ".join(f"{n}={str(v).strip(chr(39))}" for n, v in zip(names, combo, strict=False)),
                    "value": float(value) if isinstance(value, int | float) else math.nan,
                    "unit": info.get("unit", ""),
                    "type": info.get("type", bench.rsplit(".", 1)[-1].split("_", 1)[0]),
                }
            )
    return rows
