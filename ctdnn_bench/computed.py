"""Results computed without training and stored for the report: conditioning, work precision, harness timings.

Each is a function returning a JSON-ready document; :func:`write_computed` stores it under ``results/`` (one file per
name in :data:`COMPUTED`), so that the report reads stored results only and never imports torch. Importing this
module does not import torch either: the builders import what they need when called.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Schema version of the documents written here.
SCHEMA = 1


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConditioningGrid:
    """Where condition numbers are tabulated (paper: degrees 3-6, T = 1, 5, 10, a 12-point grid)."""

    degrees: tuple[int, ...] = (3, 4, 5, 6)
    final_times: tuple[float, ...] = (1.0, 5.0, 10.0)
    n_points: int = 12


#: The one conditioning grid: ``ctdnn-bench conditioning``, ``run conditioning`` and the report's table use it.
CONDITIONING_GRID = ConditioningGrid()
#: Figure 2's curves: degrees 1-10; monomial on [0, T] at every grid T, the other bases at T = 1.
CURVE_DEGREES: tuple[int, ...] = tuple(range(1, 11))
#: The bases of Figures 1 and 2.
FIGURE_BASES = ("monomial", "legendre", "chebyshev", "fourier", "piecewise_linear", "piecewise_constant")
#: Points on [0, 1] at which Figure 1 evaluates every basis.
BASIS_POINTS = 401


def _equilibrated(name: str, degree: int, big_t: float, domain: str | None) -> float:
    """cond of the basis matrix with unit-norm columns (what column scaling alone can achieve)."""
    from ctdnn_bench.bases import make_basis
    from ctdnn_bench.conditioning import basis_matrix, equilibrated_condition_number

    return equilibrated_condition_number(basis_matrix(make_basis(name, degree, 0.0, big_t, domain)))


def _table_rows(grid: ConditioningGrid) -> list[dict[str, Any]]:
    from ctdnn_bench.conditioning import TABLE_BASES, conditioning_table

    rows = conditioning_table(degrees=grid.degrees, final_times=grid.final_times, n_points=grid.n_points)
    domains = {name: domain for name, domain in TABLE_BASES}
    out = []
    for r in rows:
        domain = r.domain if r.basis == "monomial" else domains.get(r.basis)
        out.append({**dataclasses.asdict(r), "cond_equilibrated": _equilibrated(r.basis, r.degree, r.T, domain)})
    return out


def _curve_rows() -> list[dict[str, Any]]:
    from ctdnn_bench.conditioning import conditioning_table

    raw = conditioning_table(
        bases=(("monomial", "raw"),), degrees=CURVE_DEGREES, final_times=CONDITIONING_GRID.final_times
    )
    others = tuple((b, "unit" if b == "monomial" else None) for b in FIGURE_BASES)
    rows = raw + conditioning_table(bases=others, degrees=CURVE_DEGREES, final_times=(1.0,))
    return [dataclasses.asdict(r) for r in rows]


def _basis_values(degree: int = 3) -> dict[str, Any]:
    import numpy as np

    from ctdnn_bench.bases import make_basis

    t = np.linspace(0.0, 1.0, BASIS_POINTS)
    values = {name: make_basis(name, degree, 0.0, 1.0).matrix(t).tolist() for name in FIGURE_BASES}
    return {"degree": degree, "t": t.tolist(), "values": values}


def conditioning_result(grid: ConditioningGrid = CONDITIONING_GRID) -> dict[str, Any]:
    """The conditioning experiment: the table on ``grid`` (with equilibrated condition numbers), Figure 2's curves
    and Figure 1's basis values. Exact, no training; about a second."""
    return {
        "schema": SCHEMA,
        "grid": dataclasses.asdict(grid),
        "table": _table_rows(grid),
        "curves": _curve_rows(),
        "bases": _basis_values(),
    }


def workprecision_result() -> dict[str, Any]:
    """The work-precision experiment (:mod:`ctdnn_bench.workprecision`); a few seconds."""
    from ctdnn_bench.workprecision import work_precision_result

    return {"schema": SCHEMA, **work_precision_result()}


def harness_result() -> dict[str, Any]:
    """Forward, backward and adjoint passes of every benchmark case, pytest-benchmark-shaped
    (:mod:`ctdnn_bench.harness.passes`)."""
    from ctdnn_bench.harness.passes import measure_cases

    return measure_cases()


#: name -> (file under results/, builder).
COMPUTED: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "conditioning": ("conditioning.json", conditioning_result),
    "workprecision": ("workprecision.json", workprecision_result),
    "harness": ("pytest-benchmark/harness.json", harness_result),
}


def write_json(path: str | Path, doc: Any) -> Path:
    """Write ``doc`` as JSON to ``path`` atomically (parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; results are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_computed(name: str, results_dir: str | Path = "results") -> Path:
    """Compute ``COMPUTED[name]`` and store it under ``results_dir``; return the file written."""
    from ctdnn_bench.errors import lookup

    filename, build = lookup(COMPUTED, "computed result", name)
    return write_json(Path(results_dir) / filename, build())
