"""Training workloads of the harness: seeded short runs (deterministic errors), timed epochs, stacked groups.

:data:`TRAININGS` are two-epoch ELM runs whose errors are exactly reproducible on one thread (regression metrics);
:data:`EPOCH_DATASETS` are the data sets whose epoch asv times; :func:`ensemble_group` is one stacked group of
:data:`ENSEMBLE_SIZES` runs and :func:`model_epochs_per_second` its training throughput (the stacked-vs-single ratio
of :func:`ctdnn_bench.harness.ratios.throughput_ratio`).
"""

from __future__ import annotations

from ctdnn_bench.models import ModelConfig
from ctdnn_bench.training.config import RunConfig, TrainConfig

#: Seeded short training runs on ELM (2 epochs, float64): deterministic with ``torch.set_num_threads(1)``.
TRAININGS: dict[str, RunConfig] = {
    f"elm-resnet-{basis}-d3": RunConfig(
        dataset="elm",
        model=ModelConfig(architecture="resnet", basis=basis, degree=3),
        train=TrainConfig(epochs=2, eval_every=2),
    )
    for basis in ("legendre", "monomial")
}

#: Data sets whose training epoch is timed.
EPOCH_DATASETS: tuple[str, ...] = ("elm", "cdr")


#: Group sizes of the stacked-training throughput benchmark: 1 is the single-run trainer, 126 one Table 2 group
#: (7 variants x 3 T x 6 seeds of one data set and architecture at the paper's settings).
ENSEMBLE_SIZES = (1, 126)


def ensemble_group(size: int, dtype: str = "float64", epochs: int = 1) -> list[RunConfig]:
    """``size`` ELM runs of one stacked group: ResNet, Legendre d=3, T = 5, the revised protocol, seeds 0, 1, ..."""
    train = TrainConfig(epochs=epochs, alpha1=1e-5, alpha2=1e-3, decoder_warm_start=True, eval_every=max(epochs, 1))
    model = ModelConfig(architecture="resnet", basis="legendre", degree=3, final_time=5.0)
    return [
        RunConfig(dataset="elm", model=model, train=train, seed_init=s, seed_batch=s, dtype=dtype) for s in range(size)
    ]


def model_epochs_per_second(data: object, size: int, dtype: str = "float64", epochs: int = 1) -> float:
    """Training throughput of :func:`ensemble_group` on ``data``: model-epochs per second of training steps
    (evaluations excluded). ``size = 1`` trains with the single-run trainer, larger sizes stacked."""
    from ctdnn_bench.training.ensemble import train_ensemble
    from ctdnn_bench.training.surrogate import train_surrogate

    cfgs = ensemble_group(size, dtype, epochs)
    results = train_ensemble(cfgs, data) if size > 1 else [train_surrogate(cfgs[0], data)]
    return size * epochs / sum(float(r["final"]["train_time"]) for r in results)
