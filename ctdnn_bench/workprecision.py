"""The work-precision experiment: error vs cost of the neural-ODE forward solve (a few seconds on a CPU).

A fixed, seeded vector field ``f(t, u) = tanh(K(t) u + b(t))`` (:class:`~ctdnn_bench.dynamics.TanhLayerField`,
every coefficient drawn at random, ``time_init="random"``) is integrated over ``[0, T]`` with dopri5 at a ladder
of tolerances. Each solve's error is measured against a reference solve (torchdiffeq's ``dopri8`` at rtol 1e-10,
atol 1e-12) and its cost in function evaluations (NFE) is counted by
:class:`~ctdnn_bench.dynamics.NeuralODEBlock`. One line per basis: monomial on [0, T], monomial on [0, 1] and
Legendre. This is the standard way solver benchmarks compare cost at equal accuracy (SciMLBenchmarks /
DiffEqDevTools). ``ctdnn-bench run workprecision`` stores :func:`work_precision_result` as
``results/workprecision.json``; the report draws it from there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: (label, basis, domain) of the lines.
WP_BASES: tuple[tuple[str, str, str | None], ...] = (
    ("monomial [0,T]", "monomial", "raw"),
    ("monomial [0,1]", "monomial", "unit"),
    ("legendre", "legendre", None),
)


@dataclass(frozen=True, kw_only=True)
class WorkPrecisionSetup:
    """What the diagram solves.

    Args:
        degree: basis degree (paper: 3).
        final_time: T of the interval ``[0, T]``.
        width: state width of the field.
        batch: number of initial states (solved together, as in training).
        seeds: one field and one batch of initial states per seed; errors and NFE are averaged over seeds.
        rtols: relative tolerances; ``atol = rtol * atol_factor``.
        atol_factor: ratio of absolute to relative tolerance.
    """

    degree: int = 3
    final_time: float = 5.0
    width: int = 8
    batch: int = 16
    seeds: tuple[int, ...] = (0,)
    rtols: tuple[float, ...] = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
    atol_factor: float = 1e-2


def work_precision(setup: WorkPrecisionSetup | None = None) -> pd.DataFrame:
    """Error vs NFE per basis and tolerance.

    Returns:
        One row per (basis label, rtol, seed): ``basis``, ``rtol``, ``atol``, ``seed``, ``nfe`` (forward function
        evaluations of one solve), ``error`` (``max |u(T) - u_ref(T)| / max |u_ref(T)|``), ``steps_rejected``.
        Solves that fail (too many steps) are left out.
    """
    import torch

    s = setup or WorkPrecisionSetup()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    try:
        rows = _solve_all(s)
    finally:
        torch.set_num_threads(threads)
    return pd.DataFrame(rows)


def _solve_all(s: WorkPrecisionSetup) -> list[dict[str, float | int | str]]:
    import torch
    from torchdiffeq import odeint

    from ctdnn_bench.bases import make_basis
    from ctdnn_bench.dynamics import NeuralODEBlock, TanhLayerField
    from ctdnn_bench.errors import SolverError

    rows: list[dict[str, float | int | str]] = []
    with torch.random.fork_rng():
        for label, name, domain in WP_BASES:
            basis = make_basis(name, s.degree, 0.0, s.final_time, domain)
            for seed in s.seeds:
                torch.manual_seed(seed)
                field = TanhLayerField(s.width, basis, time_init="random", dtype=torch.float64)
                u0 = torch.randn(s.batch, s.width, dtype=torch.float64)
                t = torch.tensor([0.0, s.final_time], dtype=torch.float64)
                with torch.no_grad():
                    ref = odeint(field, u0, t, rtol=1e-10, atol=1e-12, method="dopri8")[-1]
                    scale = float(ref.abs().max())
                    for rtol in s.rtols:
                        block = NeuralODEBlock(
                            field, method="dopri5", rtol=rtol, atol=rtol * s.atol_factor, adjoint=False
                        )
                        try:
                            out = block(u0)
                        except SolverError:
                            continue
                        rows.append(
                            {
                                "basis": label,
                                "rtol": rtol,
                                "atol": rtol * s.atol_factor,
                                "seed": seed,
                                "nfe": block.last.nfe_forward,
                                "steps_rejected": block.last.steps_rejected,
                                "error": float((out - ref).abs().max()) / scale,
                            }
                        )
    return rows


def work_precision_result(setup: WorkPrecisionSetup | None = None) -> dict[str, Any]:
    """The stored form of :func:`work_precision`: ``{"setup": {...}, "rows": [...]}`` (JSON-ready)."""
    s = setup or WorkPrecisionSetup()
    return {"setup": dataclasses.asdict(s), "rows": work_precision(s).to_dict(orient="records")}
