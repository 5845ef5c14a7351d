"""The stacked ensemble trainer: each member's record equals a single run of its config."""

from __future__ import annotations

import math
import types
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import torch

from ctdnn_bench.convert import convert_basis
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig, build_model
from ctdnn_bench.training.config import RunConfig, TrainConfig
from ctdnn_bench.training.ensemble import group_signature, train_ensemble
from ctdnn_bench.training.loop import function_space_grad_norm
from ctdnn_bench.training.stack import StackedAdam
from ctdnn_bench.training.surrogate import train_surrogate


@pytest.fixture(scope="module")
def data() -> Any:
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(5, 3))

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(n, 5))
        return x, np.tanh(x @ mix) + 0.1

    (xt, yt), (xv, yv), (xs, ys) = split(70), split(30), split(40)
    return types.SimpleNamespace(x_train=xt, y_train=yt, x_val=xv, y_val=yv, x_test=xs, y_test=ys, n_in=5, n_out=3)


def _group(architecture: str, dtype: str) -> list[RunConfig]:
    """Bases, degrees, T and seeds mixed; member 1 diverges, member 2 stops early (and is clipped); members 4 and 5
    use the L2-in-time regularizer (with a weight large enough to matter), member 4 also per-coefficient learning
    rates (raw-time monomials, T = 5), member 5 only the latter."""
    base = TrainConfig(epochs=5, batch_size=16, alpha1=1e-5, alpha2=1e-3, decoder_warm_start=True, eval_every=2)
    huge = 1e200 if dtype == "float64" else 1e30  # one Adam step makes the next loss overflow
    trains = [
        base,
        replace(base, lr=huge),
        replace(base, loss_tol=0.26 if architecture == "leapfrog" else 0.24, grad_clip=0.5),
        replace(base, lr=3e-3),
        replace(base, alpha1=1e-2, regularizer="l2_time", lr_scaling="unit_time"),
        replace(base, alpha1=1e-2, regularizer="l2_time"),
        replace(base, lr=3e-3, lr_scaling="unit_time"),
    ]
    variants = [
        ("legendre", 4, None, 1.0),
        ("monomial", 3, "raw", 10.0),
        ("chebyshev", 3, None, 5.0),
        ("piecewise_constant", 4, None, 5.0),
        ("monomial", 3, "raw", 5.0),
        ("legendre", 2, None, 5.0),
        ("chebyshev", 3, "raw", 5.0),
    ]
    return [
        RunConfig(
            dataset="synthetic",
            model=ModelConfig(
                architecture=architecture, basis=b, degree=d, domain=dom, final_time=t, width=6, n_steps=5
            ),
            train=tr,
            seed_init=i,
            seed_batch=10 + i,
            dtype=dtype,
        )
        for i, ((b, d, dom, t), tr) in enumerate(zip(variants, trains, strict=True))
    ]


def _rel(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b) / max(abs(a), 1e-300)


@pytest.mark.parametrize("architecture", ["resnet", "hamiltonian", "leapfrog"])
@pytest.mark.parametrize(("dtype", "tol"), [("float64", 1e-10), ("float32", 1e-5)])
def test_stacked_records_equal_single_runs(data: Any, architecture: str, dtype: str, tol: float) -> None:
    cfgs = _group(architecture, dtype)
    stacked = train_ensemble(cfgs, data)
    statuses = []
    for cfg, got in zip(cfgs, stacked, strict=True):
        want = train_surrogate(cfg, data)
        for k in ("status", "diverged_at", "history_unit"):
            assert got[k] == want[k], k
        # the reason names the non-finite quantity; past overflow, inf or nan depends on the order of operations
        assert (got["reason"] or "").split(" (")[0] == (want["reason"] or "").split(" (")[0]
        assert got["history"].keys() == want["history"].keys()
        for k, column in want["history"].items():
            assert len(got["history"][k]) == len(column), k
            if k != "train_time":  # the group's time is apportioned, not measured per member
                assert max(map(_rel, column, got["history"][k]), default=0.0) <= tol, k
        assert got["final"].keys() == want["final"].keys()
        for k, v in want["final"].items():
            if k != "train_time":
                assert _rel(float(v or 0), float(got["final"][k] or 0)) <= tol, k
        assert got["group"]["size"] == len(cfgs)
        statuses.append((want["status"], want["final"]["stopped_early"]))
    # the group really contains a divergence and an early stop
    assert statuses[1][0] == "diverged"
    assert statuses[2] == ("ok", True)
    assert statuses[0] == statuses[3] == statuses[4] == statuses[5] == ("ok", False)


def test_group_signature_shares_shapes_not_hyperparameters() -> None:
    cfg = _group("resnet", "float64")[0]
    same = replace(cfg, seed_init=5, train=replace(cfg.train, lr=1e-2, alpha1=0.0, grad_clip=1.0))
    other_basis = replace(cfg, model=replace(cfg.model, basis="monomial", degree=5, domain="raw", final_time=7.0))
    assert group_signature(cfg) == group_signature(same) == group_signature(other_basis)
    for changed in (
        replace(cfg, train=replace(cfg.train, epochs=6)),
        replace(cfg, model=replace(cfg.model, architecture="hamiltonian")),
        replace(cfg, dtype="float32"),
    ):
        assert group_signature(changed) not in (None, group_signature(cfg))
    node = replace(cfg, model=replace(cfg.model, architecture="node"))
    assert group_signature(node) is None
    assert group_signature(replace(cfg, train=replace(cfg.train, optimizer="rmsprop"))) is None


def test_stacked_adam_is_torch_adam_per_member() -> None:
    gen = torch.Generator().manual_seed(0)
    p0 = torch.randn(3, 4, 2, generator=gen, dtype=torch.float64)
    lrs = torch.tensor([1e-3, 1e-2, 1e-1], dtype=torch.float64)
    stacked = p0.clone().requires_grad_()
    singles = [p0[i].clone().requires_grad_() for i in range(3)]
    adam = StackedAdam({"p": stacked}, lrs)
    torch_adams = [torch.optim.Adam([s], lr=float(lr)) for s, lr in zip(singles, lrs, strict=True)]
    active = torch.tensor([True, True, False])
    for _ in range(5):
        grad = torch.randn(3, 4, 2, generator=gen, dtype=torch.float64)
        stacked.grad = grad.clone()
        adam.step(active)
        for i in range(2):
            singles[i].grad = grad[i].clone()
            torch_adams[i].step()
    for i in range(2):
        torch.testing.assert_close(stacked[i].detach(), singles[i].detach(), rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(stacked[2].detach(), p0[2])  # an inactive member does not move


def test_function_space_gradient_norm_does_not_depend_on_the_basis() -> None:
    """The same network in raw-time monomials and in Legendre: coefficient gradients differ by the basis' scale,
    gradients with respect to the step weights do not."""
    cfg = ModelConfig(architecture="resnet", basis="legendre", degree=3, final_time=10.0, width=4, n_steps=6)
    model = build_model(cfg, 3, 2, seed=0, dtype=torch.float64)
    with torch.no_grad():
        model.dynamics.layer.weight_coef.normal_(generator=torch.Generator().manual_seed(1))
    x = torch.randn(8, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    norms = {}
    for name, m in (("legendre", model), ("monomial", convert_basis(model, "monomial", "raw"))):
        m.dynamics.grid_grad_sq = None
        m(x).pow(2).sum().backward()
        coef = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in m.parameters()))
        norms[name] = (coef, function_space_grad_norm(m))
    assert norms["monomial"][1] == pytest.approx(norms["legendre"][1], rel=1e-9)
    assert norms["monomial"][0] > 10 * norms["legendre"][0]


def test_make_groups_partitions_bounds_and_spreads() -> None:
    from ctdnn_bench.grouping import make_groups

    cfgs = [c for arch in ("resnet", "hamiltonian") for c in _group(arch, "float64")]
    node = replace(cfgs[0], model=replace(cfgs[0].model, architecture="node"))
    tasks = make_groups([*cfgs, node], group_size=3, workers=1)
    assert sorted(c.key() for t in tasks for c in t) == sorted(c.key() for c in [*cfgs, node])
    assert all(len(t) <= 3 for t in tasks)
    assert all(len({group_signature(c) for c in t}) == 1 for t in tasks)
    assert [node] in tasks  # a neural ODE trains alone
    assert all(len(t) == 1 for t in make_groups(cfgs, group_size=1))
    assert len(make_groups(cfgs[:4], group_size=128, workers=2)) == 2  # one bucket, halved for two workers
    with pytest.raises(ConfigError, match="group_size must be an integer >= 1"):
        make_groups(cfgs, group_size=0)


def test_sweep_stacked_equals_sweep_single(tmp_path: Any, data: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the runner and the store: records of a stacked sweep equal those of --group-size 1."""
    import ctdnn_bench.training.run as run_module
    from ctdnn_bench.runner import run_sweep
    from ctdnn_bench.store import ResultsStore

    monkeypatch.setattr(run_module, "load_data", lambda *a: data)
    monkeypatch.setattr("ctdnn_bench.runner.load_data", lambda *a: data)
    identity = {"dataset": "synthetic", "files": {}}
    monkeypatch.setattr(run_module, "data_identity", lambda *a: identity)
    monkeypatch.setattr("ctdnn_bench.runner.data_identity", lambda *a: identity)
    cfgs = _group("resnet", "float64")
    finals = {}
    for size in (1, 128):
        root = tmp_path / str(size)
        run_sweep(cfgs, root, workers=1, group_size=size, progress=False)
        finals[size] = {r["key"]: r for r in ResultsStore(root).records()}
    assert finals[1].keys() == finals[128].keys() == {c.key() for c in cfgs}
    for key, single in finals[1].items():
        stacked = finals[128][key]
        assert stacked["status"] == single["status"]
        assert stacked["group"]["size"] == len(cfgs) and "group" not in single
        for k, v in single["final"].items():
            if k != "train_time":
                assert _rel(float(v or 0), float(stacked["final"][k] or 0)) <= 1e-10, k
