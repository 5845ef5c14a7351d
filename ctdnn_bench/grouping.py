"""Which runs of a sweep train together: stacked groups of one shape, bounded in size, biggest first."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.training.config import RunConfig

#: Default bound on the members of one stacked group: throughput saturates around 100 members on one core, and
#: smaller groups spread over the workers.
GROUP_SIZE = 128


def task_cost(cfgs: list[RunConfig]) -> float:
    """A rough relative cost of a task, used only to start the largest tasks first."""
    cfg = cfgs[0]
    steps = cfg.train.iterations or cfg.train.epochs
    per_member = 20.0 if cfg.model.architecture == "node" else 1.0
    return steps * per_member * (len(cfgs) ** 0.5)  # stacking makes members cheap: count them sublinearly


def make_groups(configs: Iterable[RunConfig], group_size: int = GROUP_SIZE, workers: int = 1) -> list[list[RunConfig]]:
    """Partition ``configs`` into tasks: runs with one ``group_signature`` train stacked, the others alone.

    A bucket of one signature is cut into near-equal groups of at most ``group_size`` members; while there are
    fewer tasks than ``workers``, the largest group is halved so that every worker has work. Tasks come largest
    first (longest-processing-time order), so the pool finishes close together.

    Args:
        configs: the runs (any order; order within a group follows it).
        group_size: the most members of one group (1 trains every run alone).
        workers: the number of workers the tasks will be spread over.
    """
    from ctdnn_bench.training.ensemble import group_signature

    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
        raise ConfigError(f"group_size must be an integer >= 1 (1 trains every run alone), got {group_size!r}")
    buckets: dict[str, list[RunConfig]] = defaultdict(list)
    tasks: list[list[RunConfig]] = []
    for cfg in configs:
        sig = group_signature(cfg) if group_size > 1 else None
        if sig is None:
            tasks.append([cfg])
        else:
            buckets[sig].append(cfg)
    for members in buckets.values():
        n = math.ceil(len(members) / group_size)
        tasks += [members[i::n] for i in range(n)]
    while len(tasks) < workers:
        largest = max(tasks, key=len, default=[])
        if len(largest) < 2:
            break
        tasks.remove(largest)
        tasks += [largest[0::2], largest[1::2]]
    return sorted(tasks, key=task_cost, reverse=True)
