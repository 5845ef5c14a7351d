"""pytest-benchmark timings of every benchmark case (the cases asv uses, from ctdnn_bench.harness.cases).

Each test also checks what the timed call returned (shape, finiteness, the NFE counting rule), so with
``--benchmark-disable`` the module is a fast test: every body runs once. Timed runs:

    pytest tests/test_benchmarks.py --benchmark-enable --benchmark-json results/pytest-benchmark/latest.json

Groups are ``<architecture>-<pass>``; NFE, steps and condition numbers go into each benchmark's ``extra_info``.
A CUDA case's timed calls end with ``torch.cuda.synchronize()`` (:func:`ctdnn_bench.harness.timing.synchronized`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from ctdnn_bench.conditioning import basis_matrix, condition_number, gram_matrix
from ctdnn_bench.harness import timing
from ctdnn_bench.harness.cases import CASES, NAMES, BenchCase, last_stats, loss
from ctdnn_bench.harness.gnvpro import GNVPRO_CASES, GnvproCase
from ctdnn_bench.harness.trainings import ENSEMBLE_SIZES, model_epochs_per_second
from ctdnn_bench.integrators import INTEGRATORS
from ctdnn_bench.stats import SolveStats


@pytest.fixture(autouse=True)
def single_thread() -> Iterator[None]:
    """One thread, as in the asv suite: steadier times, reproducible counts."""
    with timing.single_thread():
        yield


def build(case: BenchCase) -> tuple[nn.Module, Tensor]:
    reason = case.unavailable()
    if reason:
        pytest.skip(reason)
    return case.build()


def describe(case: BenchCase) -> dict[str, Any]:
    """The case's settings and its basis' conditioning, for ``extra_info``."""
    basis = case.model.make_basis()
    return {
        "case": case.name,
        "paradigm": case.paradigm,
        "cond_matrix": condition_number(basis_matrix(basis)),
        "cond_gram": condition_number(gram_matrix(basis)),
    }


def check_forward_nfe(case: BenchCase, stats: SolveStats) -> None:
    """The counting rules of ctdnn_bench.stats: one evaluation per Euler or Leapfrog step, two per Verlet step,
    and for torchdiffeq ``initial_calls + calls_per_step * attempted steps``."""
    attempted = stats.steps_accepted + stats.steps_rejected
    per_step = {"resnet": 1, "leapfrog": 1, "hamiltonian": 2}
    m = case.model
    if m.architecture in per_step:
        assert (stats.nfe_forward, attempted) == (per_step[m.architecture] * m.n_steps, m.n_steps)
    else:
        rule = INTEGRATORS[m.method]
        assert stats.nfe_forward == rule.initial_calls + rule.calls_per_step * attempted
        if not rule.adaptive:
            assert (stats.steps_accepted, stats.steps_rejected) == (m.n_steps, 0)


def group(case: BenchCase, what: str) -> str:
    return f"{case.model.architecture}-{what}"


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_forward(benchmark: Any, case: BenchCase) -> None:
    block, u0 = build(case)
    benchmark.group = group(case, "forward")
    with torch.no_grad():
        y = benchmark(timing.synchronized(block, u0.device), u0)
    assert y.shape == u0.shape and torch.isfinite(y).all()
    check_forward_nfe(case, last_stats(block))
    benchmark.extra_info.update(describe(case), **last_stats(block).as_dict())


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_backward(benchmark: Any, case: BenchCase) -> None:
    """Backward pass alone: a fresh forward pass (untimed setup) before each timed backward."""
    block, u0 = build(case)
    benchmark.group = group(case, "adjoint-backward" if case.model.adjoint else "backprop-backward")

    def setup() -> tuple[tuple[Tensor], dict[str, Any]]:
        block.zero_grad(set_to_none=True)
        y = loss(block(u0))
        timing.synchronize(u0.device)  # the forward pass is not part of the timed backward
        return (y,), {}

    rounds = 5 if case.model.architecture == "node" else 30
    backward = timing.synchronized(Tensor.backward, u0.device)
    benchmark.pedantic(backward, setup=setup, rounds=rounds, iterations=1, warmup_rounds=1)
    grads = [p.grad for p in block.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)  # type: ignore[union-attr]
    stats = last_stats(block)
    check_forward_nfe(case, stats)
    # backprop replays the recorded graph (no evaluations); the adjoint solves backwards, at least one RK step
    if case.model.adjoint:
        assert stats.nfe_backward >= INTEGRATORS[case.model.method].calls_per_step and stats.n_backward == 1
    else:
        assert stats.nfe_backward == 0
    benchmark.extra_info.update(describe(case), **stats.as_dict())


@pytest.fixture(scope="module")
def elm() -> Any:
    from ctdnn_bench.data import load_dataset
    from ctdnn_bench.data.fetch import resolve_data_dir

    data_dir = resolve_data_dir(None)
    if data_dir is None or not (data_dir / "NNERDS.mat").is_file():
        pytest.skip("NNERDS.mat not in $CTDNN_DATA_DIR")
    return load_dataset("elm")


@pytest.mark.parametrize("size", ENSEMBLE_SIZES, ids=lambda m: f"M{m}")
def test_stacked_epoch(benchmark: Any, elm: Any, size: int) -> None:
    """One ELM training epoch of a stacked group of ``size`` runs (M = 1: the single-run trainer)."""
    benchmark.group = "stacked-training-epoch"
    rate = benchmark.pedantic(model_epochs_per_second, args=(elm, size), rounds=1, iterations=1)
    benchmark.extra_info.update({"M": size, "model_epochs_per_s": rate})
    assert math.isfinite(rate) and rate > 0


@pytest.mark.parametrize("case", GNVPRO_CASES, ids=[c.name for c in GNVPRO_CASES])
def test_gnvpro_iteration(benchmark: Any, case: GnvproCase) -> None:
    """One GNvpro trust-region iteration from a fresh start (untimed setup: objective and gradient there)."""
    benchmark.group = "gnvpro-iteration"
    objective = case.problem()
    stats = objective.model.stats
    with torch.no_grad():
        objective.residual(objective.theta())
    per_pass = stats.nfe_forward  # one full-batch forward pass
    solvers, nfe = [], []

    def setup() -> tuple[tuple[()], dict[str, Any]]:
        solvers.append(case.solver(objective))
        nfe.append(stats.nfe_forward)
        return (), {}

    step = benchmark.pedantic(lambda: solvers[-1].step(), setup=setup, rounds=3, iterations=1)
    # one trial evaluation, and one forward-mode pass per Gauss-Newton product (2 work units each)
    assert 1 <= step.gmres_iterations <= 20 and step.work_units == 2 + 2 * step.gmres_iterations + 1
    assert stats.nfe_forward - nfe[-1] == per_pass * (step.gmres_iterations + 1)
    benchmark.extra_info.update(
        case=case.name,
        gmres_iterations=step.gmres_iterations,
        work_units=step.work_units,
        nfe_forward=per_pass * (step.gmres_iterations + 1),
    )
