"""Project the wall time of a sweep before running it, from a short calibration on this machine.

Every distinct kind of task (a stacked group of one shape, or a run that trains alone) is timed on budgets of 1 and
2 epochs (or iterations); its fixed, per-step and per-evaluation costs are scaled to the full budget. The tasks are
then scheduled largest first on the workers, and the projected wall time is the last worker's finish. Nothing is
written: the calibration trains in memory only. Adaptive neural-ODE runs, whose solver steps grow as they train,
are underestimated; the projection says so.
"""

from __future__ import annotations

import heapq
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ctdnn_bench.grouping import make_groups
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training.config import RunConfig


@dataclass(frozen=True, kw_only=True)
class PlanRow:
    """The projection of one experiment.

    Args:
        experiment: its name.
        runs: runs in the experiment; ``todo``: those without a record.
        groups: tasks the ``todo`` runs form (stacked groups and single runs).
        seconds: projected wall time of the ``todo`` runs on the given workers.
        seconds_single: the same with every run trained alone (``--group-size 1``).
    """

    experiment: str
    runs: int
    todo: int
    groups: int
    seconds: float
    seconds_single: float


#: GNvpro's calibration unit: work units of about one trust-region iteration (20 GMRES steps cost ~43).
GNVPRO_UNIT = 50


def _shortened(cfg: RunConfig, n: int) -> RunConfig:
    """A copy of ``cfg`` with a budget of ``n`` epochs (iterations; GNvpro: ``n`` x 50 work units)."""
    t = cfg.train
    if t.optimizer == "gnvpro":
        return replace(cfg, train=replace(t, work_units=n * GNVPRO_UNIT, eval_every=1))
    if t.iterations:
        return replace(cfg, train=replace(t, iterations=n, eval_every=1))
    return replace(cfg, train=replace(t, epochs=n, eval_every=1))


def _steps_and_evaluations(cfg: RunConfig) -> tuple[int, int]:
    """Epochs (or iterations) of the full run and how many evaluations it makes (every ``eval_every``, first, last)."""
    t = cfg.train
    if t.optimizer == "gnvpro":
        from ctdnn_bench.training.config import GNVPRO_WORK_UNITS

        n = max((t.work_units or GNVPRO_WORK_UNITS) // GNVPRO_UNIT, 1)
    else:
        n = t.iterations or max(t.epochs, 1)
    return n, n // t.eval_every + 2


def _kind(task: list[RunConfig]) -> str:
    """Tasks of one kind cost about the same: same shape and budget, and (for groups) about the same size."""
    c = task[0]
    m, t = c.model, c.train
    return json.dumps(
        [c.dataset, c.dtype, m.architecture, m.width, m.hidden, m.n_steps, t.optimizer, t.epochs, t.iterations,
         t.batch_size, round(len(task), -1) if len(task) > 5 else len(task)]
    )  # fmt: skip


def _time_task(task: list[RunConfig], data_dir: str | None) -> float:
    """Seconds the full task would take, from two calibration runs of 1 and 2 steps.

    ``wall(n) = fixed + n (step + evaluation)``, and the training-step part is measured by the trainers themselves
    (``train_time``), so the fixed cost (building, warm start, final evaluation), the cost per step and the cost per
    evaluation separate, and each is scaled by its own count in the full run.
    """
    from ctdnn_bench.training.ensemble import train_ensemble
    from ctdnn_bench.training.run import load_data, train

    data = load_data(task[0].dataset, data_dir, task[0].seed_split)

    def measure(n: int) -> tuple[float, float]:
        cfgs = [_shortened(c, n) for c in task]
        start = time.perf_counter()
        results = train_ensemble(cfgs, data) if len(cfgs) > 1 else [train(cfgs[0], data)]
        return time.perf_counter() - start, sum(float(r["final"].get("train_time", 0.0)) for r in results)

    (wall1, _), (wall2, train2) = measure(1), measure(2)
    step = train2 / 2
    evaluation = max(wall2 - wall1 - step, 0.0)
    fixed = max(wall1 - step - evaluation, 0.0)
    steps, evaluations = _steps_and_evaluations(task[0])
    return fixed + steps * step + evaluations * evaluation


def _makespan(costs: list[float], workers: int) -> float:
    """Wall time of tasks run largest first on ``workers`` workers (each takes the next task when free)."""
    finish = [0.0] * max(workers, 1)
    for cost in sorted(costs, reverse=True):
        heapq.heappush(finish, heapq.heappop(finish) + cost)
    return max(finish)


def plan_sweep(
    experiments: dict[str, list[RunConfig]],
    results_dir: str | Path,
    *,
    data_dir: str | None = None,
    workers: int = 1,
    group_size: int = 128,
) -> list[PlanRow]:
    """Project each experiment's wall time with stacking (``group_size``) and with every run alone.

    Args:
        experiments: run configs by experiment name.
        results_dir: the results store (runs with a record are not counted as work).
        data_dir: where the data files are.
        workers: workers the sweep would use.
        group_size: the most runs per stacked group.
    """
    import torch

    torch.set_num_threads(1)  # as the workers train
    store = ResultsStore(results_dir)
    measured: dict[str, float] = {}

    def cost(task: list[RunConfig]) -> float:
        kind = _kind(task)
        if kind not in measured:
            measured[kind] = _time_task(task, data_dir)
        return measured[kind]

    rows = []
    for name, cfgs in experiments.items():
        todo = [c for c in {c.key(): c for c in cfgs}.values() if not store.has(c.key())]
        tasks = make_groups(todo, group_size, workers)
        singles = make_groups(todo, 1, workers)
        rows.append(
            PlanRow(
                experiment=name,
                runs=len({c.key() for c in cfgs}),
                todo=len(todo),
                groups=len(tasks),
                seconds=_makespan([cost(t) for t in tasks], workers),
                seconds_single=_makespan([cost(t) for t in singles], workers),
            )
        )
    return rows


def format_plan(rows: list[PlanRow], workers: int) -> str:
    """The plan as a text table, with totals and how it was projected."""

    def hms(s: float) -> str:
        return f"{int(s // 3600)}h{int(s % 3600 // 60):02d}m" if s >= 3600 else f"{int(s // 60)}m{int(s % 60):02d}s"

    lines = [f"{'experiment':12s} {'runs':>6s} {'to do':>6s} {'groups':>7s} {'projected':>10s} {'alone':>10s}"]
    for r in rows:
        times = f"{hms(r.seconds):>10s} {hms(r.seconds_single):>10s}"
        lines.append(f"{r.experiment:12s} {r.runs:6d} {r.todo:6d} {r.groups:7d} {times}")
    total, alone = sum(r.seconds for r in rows), sum(r.seconds_single for r in rows)
    lines.append(f"{'total':12s} {'':6s} {'':6s} {'':7s} {hms(total):>10s} {hms(alone):>10s}")
    lines.append(
        f"projected on {workers} worker(s) from 1- and 2-epoch (or iteration) calibrations of each kind of task on "
        "this machine ('alone': --group-size 1); neural-ODE runs slow down as they train, so their projection is a "
        "lower bound. Nothing was run or written."
    )
    return "\n".join(lines)
