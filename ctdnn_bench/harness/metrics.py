"""The deterministic measurements of the harness, and the one function that names them.

Every quantity here is exactly reproducible given seeds, fixed inputs, float64 and one torch thread: NFE and steps of
one forward and backward pass of every CPU :data:`~ctdnn_bench.harness.cases.CASES` entry, parameter counts,
condition numbers of the tracked bases, the GMRES iterations and residual of one GNvpro iteration, and the errors of
the short seeded trainings. They are the regression baseline's metrics (:mod:`ctdnn_bench.harness.baseline`) and
asv's ``track_`` values; both look them up by :func:`metric_key`. The case modules (and torch) are imported when a
measurement runs, so that importing this module stays cheap.
"""

from __future__ import annotations

from pathlib import Path

from ctdnn_bench.harness.timing import single_thread

Metrics = dict[str, float | int]

#: The metric groups, the first part of every :func:`metric_key`.
GROUPS = ("case", "conditioning", "gnvpro", "training")


def metric_key(
    group: str, name: str, quantity: str, *, degree: int | None = None, final_time: float | None = None
) -> str:
    """The name of one metric: ``group/name/quantity``, with ``d<degree>/T<final_time>`` before the quantity where
    given (conditioning), e.g. ``case/resnet-legendre-d3/nfe_forward`` or
    ``conditioning/legendre/d3/T10/cond_gram``. These names are the keys of the committed baseline."""
    if group not in GROUPS:
        raise ValueError(f"unknown metric group {group!r}; one of {', '.join(GROUPS)}")
    parts = [group, name]
    if degree is not None:
        parts.append(f"d{degree}")
    if final_time is not None:
        parts.append(f"T{final_time:g}")
    return "/".join([*parts, quantity])


def case_metrics() -> Metrics:
    """Forward/backward NFE, steps and parameter counts of every CPU benchmark case after one forward+backward."""
    from ctdnn_bench.harness.cases import CASES, forward_backward, last_stats

    out: Metrics = {}
    for case in CASES:
        if case.device != "cpu":  # the baseline must not depend on the machine having a GPU
            continue
        block, u0 = case.build()
        forward_backward(block, u0)
        stats = last_stats(block)
        for key in ("nfe_forward", "nfe_backward", "steps_accepted", "steps_rejected"):
            out[metric_key("case", case.name, key)] = getattr(stats, key)
        for key, value in case.parameter_counts().items():
            out[metric_key("case", case.name, f"params_{key}")] = value
    return out


def conditioning_metrics() -> Metrics:
    """Condition numbers of the basis and Gram matrices per tracked basis, degree and final time."""
    from ctdnn_bench.harness.cases import CONDITIONING_BASES, CONDITIONING_TRACKED, conditioning

    out: Metrics = {}
    for key in CONDITIONING_BASES:
        for degree in CONDITIONING_TRACKED.degrees:
            for big_t in CONDITIONING_TRACKED.final_times:
                for name, value in conditioning(key, degree, big_t).items():
                    out[metric_key("conditioning", key, name, degree=degree, final_time=big_t)] = value
    return out


def gnvpro_metrics() -> Metrics:
    """GMRES iterations and relative residual, work units, forward NFE and objective of the first trust-region
    iteration of every :data:`~ctdnn_bench.harness.gnvpro.GNVPRO_CASES` entry (seeded synthetic data)."""
    from ctdnn_bench.harness.gnvpro import GNVPRO_CASES

    return {metric_key("gnvpro", case.name, k): v for case in GNVPRO_CASES for k, v in case.one_iteration().items()}


def training_metrics(data_dir: str | Path | None = None) -> Metrics:
    """Errors, loss and training NFE of the short seeded runs in :data:`~ctdnn_bench.harness.trainings.TRAININGS`."""
    from ctdnn_bench.harness.trainings import TRAININGS
    from ctdnn_bench.training import load_data, train_surrogate

    out: Metrics = {}
    for name, cfg in TRAININGS.items():
        result = train_surrogate(cfg, load_data(cfg.dataset, data_dir, cfg.seed_split))
        final = result["final"]
        for key in ("train_loss", "train_rel_err", "test_rel_err", "nfe_forward_train"):
            out[metric_key("training", name, key)] = final[key]
    return out


def compute_metrics(data_dir: str | Path | None = None, *, training: bool = True) -> Metrics:
    """All regression metrics, computed on one thread. ``training=False`` leaves out the runs that need data."""
    with single_thread():
        metrics = {**case_metrics(), **conditioning_metrics(), **gnvpro_metrics()}
        if training:
            metrics.update(training_metrics(data_dir))
    return metrics
