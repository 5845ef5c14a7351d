"""Meganet's ADAM against hand-computed steps, against torch's Adam, and inside the training loop."""

from __future__ import annotations

import math

import pytest
import torch

from ctdnn_bench.errors import ConfigError
from ctdnn_bench.training.adam_meganet import MeganetAdam, adam_meganet_update, set_epoch


def hand_steps(x: float, grads: list[tuple[int, float]], lr: float, b1: float, b2: float, eps: float) -> list[float]:
    """Meganet ``sgd.m``: mJ, vJ accumulate every minibatch; the correction uses the epoch (written out in floats)."""
    m = v = 0.0
    out = []
    for epoch, g in grads:
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**epoch)) / math.sqrt(v / (1 - b2**epoch) + eps)
        out.append(x)
    return out


def test_update_matches_hand_computed_steps() -> None:
    # two minibatches in epoch 1, one in epoch 2; eps large enough to matter
    grads = [(1, 0.5), (1, -1.0), (2, 2.0)]
    expected = hand_steps(1.0, grads, lr=0.1, b1=0.9, b2=0.999, eps=1e-2)
    x, m, v = (torch.tensor(value, dtype=torch.float64) for value in (1.0, 0.0, 0.0))
    for (epoch, g), want in zip(grads, expected, strict=True):
        x, m, v = adam_meganet_update(
            x, torch.tensor(g, dtype=torch.float64), m, v, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-2, epoch=epoch
        )
        assert float(x) == pytest.approx(want, rel=1e-14)
    # the first step by hand: m = 0.05, v = 0.00025; corrected 0.5 and 0.25; 1 - 0.1 * 0.5 / sqrt(0.26)
    assert expected[0] == pytest.approx(1 - 0.1 * 0.5 / math.sqrt(0.26), rel=1e-14)


def test_optimizer_follows_the_epoch_and_equals_the_functional_update() -> None:
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = MeganetAdam([p], lr=0.1, eps=1e-2)
    grads = [(1, 0.5), (1, -1.0), (2, 2.0)]
    for epoch, g in grads:
        set_epoch(opt, epoch)
        p.grad = torch.full_like(p, g)
        opt.step()
    x0, x1 = p.detach().tolist()
    assert x0 == pytest.approx(hand_steps(1.0, grads, 0.1, 0.9, 0.999, 1e-2)[-1], rel=1e-14)
    assert x1 == pytest.approx(hand_steps(-2.0, grads, 0.1, 0.9, 0.999, 1e-2)[-1], rel=1e-14)


def test_step_ratio_to_torch_adam_under_a_constant_gradient() -> None:
    """Issue 14's ratio ((1 - b1^n) / (1 - b1^e)) / sqrt((1 - b2^n) / (1 - b2^e)): 1.36 after the 55 minibatches
    of ELM's first epoch, 0.24 at the end of epoch 10."""
    ours, ref = (torch.nn.Parameter(torch.zeros((), dtype=torch.float64)) for _ in range(2))
    meganet, adam = MeganetAdam([ours], lr=1e-3, eps=0.0), torch.optim.Adam([ref], lr=1e-3, eps=0.0)
    for epoch in range(1, 11):
        set_epoch(meganet, epoch)
        for _ in range(55):
            before = (ours.item(), ref.item())
            for p, opt in ((ours, meganet), (ref, adam)):
                p.grad = torch.ones_like(p)
                opt.step()
        ratio = (ours.item() - before[0]) / (ref.item() - before[1])
        if epoch in (1, 10):
            assert ratio == pytest.approx({1: 1.3625, 10: 0.2355}[epoch], abs=1e-4)


def test_stacked_update_with_a_learning_rate_per_model() -> None:
    """Usable elementwise on M stacked models: lr of shape (M, 1, 1) equals M separate updates."""
    gen = torch.Generator().manual_seed(0)
    param, grad = torch.randn(3, 2, 4, generator=gen), torch.randn(3, 2, 4, generator=gen)
    m, v = torch.randn(3, 2, 4, generator=gen), torch.rand(3, 2, 4, generator=gen)
    lr = torch.tensor([1e-3, 1e-2, 1e-1]).view(3, 1, 1)
    kw = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "epoch": 4}
    stacked = adam_meganet_update(param, grad, m, v, lr=lr, **kw)
    for i in range(3):
        single = adam_meganet_update(param[i], grad[i], m[i], v[i], lr=float(lr[i]), **kw)
        for a, b in zip(stacked, single, strict=True):
            torch.testing.assert_close(a[i], b)


def test_epoch_must_start_at_one() -> None:
    z = torch.zeros(2)
    with pytest.raises(ConfigError, match="starts at 1"):
        adam_meganet_update(z, z, z, z, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, epoch=0)


def test_surrogate_training_tells_the_optimizer_each_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from ctdnn_bench.data import SurrogateDataset
    from ctdnn_bench.models import ModelConfig
    from ctdnn_bench.training import RunConfig, TrainConfig, train_surrogate
    from ctdnn_bench.training import surrogate as loop

    seen: list[tuple[str, int]] = []

    def spy(opt: torch.optim.Optimizer, epoch: int) -> None:
        seen.append((type(opt).__name__, epoch))
        set_epoch(opt, epoch)

    monkeypatch.setattr(loop, "set_epoch", spy)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 1, (40, 3)), rng.uniform(0, 1, (40, 2))
    idx = (np.arange(24), np.arange(24, 32), np.arange(32, 40))
    data = SurrogateDataset.from_indices("toy", x, y, idx, description="toy", provenance="test")
    model = ModelConfig(architecture="leapfrog", degree=1, width=4, n_steps=3)
    result = train_surrogate(
        RunConfig(dataset="toy", model=model, train=TrainConfig(optimizer="adam_meganet", epochs=3, batch_size=8)),
        data,
    )
    assert result["status"] == "ok" and seen == [("MeganetAdam", 1), ("MeganetAdam", 2), ("MeganetAdam", 3)]
