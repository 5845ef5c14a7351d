"""GNvpro: the variable-projection residual (float64, a small network), its exact Jacobian products, and training
runs that return a well-formed record."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import Tensor
from torch.func import grad, jacfwd

from ctdnn_bench.cli import main
from ctdnn_bench.data import SurrogateDataset
from ctdnn_bench.errors import ConfigError
from ctdnn_bench.models import ModelConfig, build_model
from ctdnn_bench.optim.gauss_newton import linearize
from ctdnn_bench.optim.varpro import VarProObjective
from ctdnn_bench.store import ResultsStore
from ctdnn_bench.training import RunConfig, TrainConfig, train
from ctdnn_bench.training.loop import HISTORY_KEYS
from ctdnn_bench.training.metrics import loss_value
from ctdnn_bench.training.surrogate import regularization

F64 = torch.float64
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ALPHAS = {"alpha1": 1e-5, "alpha2": 1e-3}


def problem(architecture: str = "resnet", n: int = 24, seed: int = 0) -> VarProObjective:
    """A small surrogate (3 inputs, 2 outputs, width 4, 3 steps, degree 2) on a smooth data set of n samples."""
    model = build_model(
        ModelConfig(architecture=architecture, width=4, n_steps=3, degree=2, time_init="random"), 3, 2, seed=seed
    ).to(F64)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=gen, dtype=F64)
    y = torch.stack([torch.sin(x[:, 0]) + x[:, 1] ** 2, torch.cos(x[:, 2])], dim=1)
    return VarProObjective(model, x, y, **ALPHAS)


@pytest.fixture(params=["resnet", "hamiltonian"])
def vp(request: pytest.FixtureRequest) -> VarProObjective:
    return problem(request.param)


def test_reduced_objective_is_the_full_objective_at_the_ridge_decoder(vp: VarProObjective) -> None:
    theta = vp.theta()
    w = vp.decoder(vp.features(theta))
    torch.testing.assert_close(vp.residual(theta), vp.full_residual(theta, w), rtol=0, atol=0)
    # ... which is the objective of the ADAM runs (half-MSE + Tikhonov) with that decoder loaded into the model
    vp.load(theta)
    cfg = TrainConfig(**ALPHAS)
    adam = loss_value(vp.model(vp.x), vp.ch * math.sqrt(vp.n), "half_mse") + regularization(vp.model, cfg)
    assert 0.5 * float(vp.residual(theta).square().sum()) == pytest.approx(float(adam), rel=1e-12)


def test_reduced_gradient_is_the_full_gradient_at_the_ridge_decoder(vp: VarProObjective) -> None:
    """The variable-projection theorem: dW/dtheta drops out because the full gradient in W vanishes at W(theta)."""
    theta = vp.theta()
    w = vp.decoder(vp.features(theta)).detach()

    def full(t: Tensor, w: Tensor) -> Tensor:
        return 0.5 * vp.full_residual(t, w).square().sum()

    g_theta, g_w = grad(full, argnums=(0, 1))(theta, w)
    reduced = linearize(vp.residual, theta).gradient
    torch.testing.assert_close(reduced, g_theta, rtol=1e-9, atol=1e-12)
    assert float(g_w.abs().max()) < 1e-12 * max(1.0, float(g_theta.abs().max()))
    # and dW/dtheta is not zero: the reduced Jacobian differs from the Jacobian at fixed W
    j_full = jacfwd(lambda t: vp.full_residual(t, w))(theta)
    assert not torch.allclose(jacfwd(vp.residual)(theta), j_full, rtol=1e-6, atol=1e-9)


def test_jacobian_products_match_jacfwd_and_finite_differences(vp: VarProObjective) -> None:
    theta = vp.theta()
    lin = linearize(vp.residual, theta)
    jac = jacfwd(vp.residual)(theta)  # dense, (m, p)
    gen = torch.Generator().manual_seed(1)
    v = torch.randn(theta.numel(), generator=gen, dtype=F64)
    w = torch.randn(lin.residual.numel(), generator=gen, dtype=F64)
    torch.testing.assert_close(lin.jvp(v), jac @ v, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(lin.vjp(w), jac.T @ w, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(lin.gn_product(v), jac.T @ (jac @ v), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(lin.gradient, jac.T @ lin.residual, rtol=1e-10, atol=1e-12)
    # central differences: J v = (r(theta + h v) - r(theta - h v)) / 2h + O(h^2)
    h = 1e-5
    with torch.no_grad():
        fd = (vp.residual(theta + h * v) - vp.residual(theta - h * v)) / (2 * h)
    torch.testing.assert_close(lin.jvp(v), fd, rtol=1e-6, atol=1e-8)
    # J^T w through the adjoint identity <J^T w, v> = <w, J v> with the finite-difference J v
    assert float(lin.vjp(w) @ v) == pytest.approx(float(w @ fd), rel=1e-6)


def test_load_writes_theta_and_the_ridge_decoder() -> None:
    vp = problem()
    theta = vp.theta() + 0.1
    vp.load(theta)
    torch.testing.assert_close(vp.theta(), theta)
    pred = vp.model(vp.x)
    r = vp.data_residual(vp.residual(theta))
    torch.testing.assert_close(pred - vp.ch * math.sqrt(vp.n), r, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------------------- training


def toy_data(n: int = 80, seed: int = 0) -> SurrogateDataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3))
    y = np.stack([np.sin(2 * x[:, 0]) + x[:, 1] ** 2, np.cos(x[:, 2]) + 0.5 * x[:, 0] * x[:, 1]], axis=1)
    idx = (np.arange(48), np.arange(48, 64), np.arange(64, 80))
    return SurrogateDataset.from_indices("toy", x, y, idx, description="toy", provenance="test")


def gnvpro_cfg(architecture: str = "resnet", **train: object) -> RunConfig:
    model = ModelConfig(architecture=architecture, basis="legendre", degree=2, width=5, n_steps=4)
    tc = TrainConfig(optimizer="gnvpro", **{"work_units": 120, **ALPHAS, **train})  # type: ignore[arg-type]
    return RunConfig(dataset="toy", model=model, train=tc)


@pytest.mark.parametrize("architecture", ["resnet", "hamiltonian"])
def test_training_returns_a_well_formed_record(architecture: str) -> None:
    res = train(gnvpro_cfg(architecture, eval_every=3, work_units=400), toy_data())
    assert res["status"] == "ok" and res["reason"] is None and res["history_unit"] == "iteration"
    h, f = res["history"], res["final"]
    n = len(h["iteration"])
    assert set(HISTORY_KEYS) <= set(h) and all(len(col) == n for col in h.values())
    assert h["iteration"] == list(range(n)) and h["action"][0] == "start"
    # work units: 2 at the start, then as the loop counts them; the last iteration started below the budget
    assert h["work_units"][0] == 2 and h["work_units"][-2] < 400 <= h["work_units"][-1] == f["work_units"]
    assert all(b >= a for a, b in itertools.pairwise(h["work_units"]))
    # the objective never increases, and falls
    assert all(b <= a for a, b in itertools.pairwise(h["objective"]))
    assert h["objective"][-1] < 0.5 * h["objective"][0]
    # validation every 3 iterations, at row 0 and at the last row; NaN in between; train metrics every row
    evaluated = [i for i, v in enumerate(h["val_rel_err"]) if not math.isnan(v)]
    assert evaluated == sorted({0, n - 1, *range(0, n, 3)})
    assert not any(math.isnan(v) for v in h["train_rel_err"])
    # NFE: forward passes of 4 steps (x2 for the Verlet block) per full-batch pass; backprop adds none
    per_pass = 4 * (2 if architecture == "hamiltonian" else 1)
    assert all(v % per_pass == 0 for v in h["nfe_forward"]) and f["nfe_backward_train"] == 0
    assert f["nfe_forward_train"] == h["cum_nfe_forward"][-1] > 0
    # final metrics: the trained model with the ridge decoder; the train loss is the last row's
    assert f["train_loss"] == pytest.approx(h["train_loss"][-1], rel=1e-9)
    assert f["train_rel_err"] == pytest.approx(h["train_rel_err"][-1], rel=1e-9)
    for split in ("train", "val", "test"):
        assert {f"{split}_rel_err", f"{split}_rel_err_global", f"{split}_loss"} <= set(f)
    assert f["theta"] == 5 * 3 + 5 + 3 * (5 * 5 + 5) and f["decoder"] == 6 * 2
    assert f["accepted_steps"] == sum(h["accepted"]) >= 1 and f["optimizer_stop"].startswith("budget")


def test_same_config_same_numbers() -> None:
    a, b = train(gnvpro_cfg(), toy_data()), train(gnvpro_cfg(), toy_data())
    assert a["history"]["objective"] == b["history"]["objective"]
    assert a["final"]["test_rel_err"] == b["final"]["test_rel_err"]


def test_float32_runs() -> None:
    res = train(dataclasses.replace(gnvpro_cfg(work_units=40), dtype="float32"), toy_data())
    assert res["status"] == "ok" and res["final"]["test_rel_err"] < 1.0


def test_breakdown_is_recorded_as_diverged(monkeypatch: pytest.MonkeyPatch) -> None:
    from ctdnn_bench.optim import varpro

    real = varpro.VarProObjective.residual

    def broken(self: VarProObjective, theta: Tensor) -> Tensor:  # NaN everywhere but the starting point
        r = real(self, theta)
        return r if torch.equal(theta, self.theta()) else r * math.nan

    monkeypatch.setattr(varpro.VarProObjective, "residual", broken)
    res = train(gnvpro_cfg(work_units=10_000), toy_data())
    assert res["status"] == "diverged" and "radius" in res["reason"] and res["diverged_at"] >= 1
    assert "test_rel_err" not in res["final"] and res["history"]["action"][-1] == "reject"


def test_config_rules() -> None:
    assert TrainConfig(optimizer="gnvpro").budget == 4000 and TrainConfig(optimizer="gnvpro", work_units=7).budget == 7
    with pytest.raises(ConfigError, match="work_units applies only to optimizer 'gnvpro'"):
        TrainConfig(work_units=100)
    for bad in (-1, 2.5, True):
        with pytest.raises(ConfigError, match="work_units must be an integer"):
            TrainConfig(optimizer="gnvpro", work_units=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="half_mse"):
        TrainConfig(optimizer="gnvpro", loss="l1")
    with pytest.raises(ConfigError, match="loss_tol and grad_clip"):
        TrainConfig(optimizer="gnvpro", loss_tol=0.01)
    with pytest.raises(ConfigError, match="not architecture 'node'"):
        RunConfig(model=ModelConfig(architecture="node"), train=TrainConfig(optimizer="gnvpro"))
    with pytest.raises(ConfigError, match="did you mean 'gnvpro'"):
        TrainConfig(optimizer="gnvrpo")


def test_keys_of_earlier_configs_are_unchanged() -> None:
    """work_units was added after records existed: at its default it is left out of the key (LATE_FIELDS).
    The keys below were computed on main before the field existed."""
    assert RunConfig().key() == "d579eb3eecb8f095"
    table2_cdr = RunConfig(
        dataset="cdr",
        model=ModelConfig(architecture="hamiltonian", basis="monomial", degree=3, domain="raw", final_time=5.0),
        train=TrainConfig(epochs=15, **ALPHAS, decoder_warm_start=True),
    )
    assert table2_cdr.key() == "b85171611cae81c9"
    gn = RunConfig(train=TrainConfig(optimizer="gnvpro", work_units=300))
    assert gn.to_dict()["train"]["work_units"] == 300 and RunConfig.from_dict(gn.to_dict()) == gn
    assert gn.key() != RunConfig(train=TrainConfig(optimizer="gnvpro", work_units=301)).key()


# ------------------------------------------------------------------------------------------------------- CLI


def test_cli_optimizer_choices_are_the_configs() -> None:
    from ctdnn_bench import cli
    from ctdnn_bench.training.config import OPTIMIZERS

    assert cli.OPTIMIZERS == OPTIMIZERS


@pytest.mark.skipif(not (SHARED_DATA / "CDR_Data.mat").is_file(), reason=f"no data in {SHARED_DATA}")
def test_cli_trains_with_gnvpro(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "train",
        "--dataset",
        "cdr",
        "--n-steps",
        "3",
        "--width",
        "5",
        "--optimizer",
        "gnvpro",
        "--work-units",
        "10",
    ]
    assert main([*argv, "--results-dir", str(tmp_path), "--data-dir", str(SHARED_DATA)]) == 0
    (record,) = list(ResultsStore(tmp_path).records())
    train_cfg = record["config"]["train"]
    assert train_cfg["optimizer"] == "gnvpro" and train_cfg["work_units"] == 10
    assert (train_cfg["alpha1"], train_cfg["alpha2"]) == (1e-5, 1e-3)  # the paper's, by default
    assert record["status"] == "ok" and record["history_unit"] == "iteration"
    out = capsys.readouterr().out
    assert record["final"]["work_units"] >= 10 and f"{record['final']['work_units']} work units" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--optimizer", "gnvpo"], "invalid choice: 'gnvpo'"),
        (["--optimizer", "gnvpro", "--work-units", "0"], "expected an integer >= 1, got 0"),
        (["--optimizer", "gnvpro", "--work-units", "4e3"], "expected an integer >= 1, got '4e3'"),
        (["--optimizer", "gnvpro", "--work-units"], "expected one argument"),
    ],
)
def test_cli_bad_values_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", *argv])
    assert exc.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--work-units", "100"], "work_units applies only to optimizer 'gnvpro', not 'adam'"),
        (["--optimizer", "gnvpro", "--architecture", "node"], "not architecture 'node'"),
        (["--optimizer", "gnvpro", "--loss", "l1"], "use loss 'half_mse'"),
    ],
)
def test_cli_bad_combinations_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *argv, "--results-dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err and not list(tmp_path.rglob("*.json"))


# ------------------------------------------------------------------------------------------------ experiments


def test_table2_and_table3_have_the_optimizer_axis() -> None:
    from ctdnn_bench.experiments import PROFILES, Profile, experiment_configs

    for name in ("table2", "table3"):
        runs = experiment_configs(name, "paper", seeds=(20, 21))
        adam = [c for c in runs if c.train.optimizer == "adam" and c.model.architecture != "leapfrog"]
        gn = [c for c in runs if c.train.optimizer == "gnvpro"]
        assert len(adam) == len(gn)  # the GNvpro column: ResNet and Hamiltonian, as the paper

        def variant(c: RunConfig) -> tuple[object, ...]:
            return (c.dataset, c.label, c.model, c.seed_init, c.seed_batch)

        assert sorted(map(variant, adam), key=str) == sorted(map(variant, gn), key=str)  # same variants and seeds
        assert {(c.train.work_units, c.train.alpha1, c.train.alpha2) for c in gn} == {(4000, 1e-5, 1e-3)}
    assert PROFILES["paper"].gnvpro_work_units == 4000
    # a profile that does not set it (e.g. a new "standard" one) gets 1000
    assert Profile(name="x", epochs={}, seeds=(1,), spiral_iterations=1, node_eval_every=1, node_iterations=1,
                   node_datasets=()).gnvpro_work_units == 1000  # fmt: skip
    v1 = experiment_configs("table2", "quick", protocol="v1")
    quick = {c.key() for c in experiment_configs("table2", "quick")}
    assert {c.key() for c in v1 if c.train.optimizer == "gnvpro"} <= quick


# ------------------------------------------------------------------------------------------ benchmark harness


def test_gnvpro_cases_are_seeded_and_in_the_regression_baseline() -> None:
    from ctdnn_bench.harness.baseline import DEFAULT_BASELINE, load_baseline
    from ctdnn_bench.harness.cases import BY_NAME
    from ctdnn_bench.harness.gnvpro import GNVPRO_CASES

    baseline = load_baseline(Path(__file__).resolve().parents[1] / DEFAULT_BASELINE)
    for case in GNVPRO_CASES:
        assert case.block in BY_NAME
        first = case.one_iteration()
        assert first == case.one_iteration()  # seeded: the same numbers twice
        assert first["work_units"] == 2 + 2 * first["gmres_iterations"] + 1
        for key in ("gmres_iterations", "gmres_residual", "work_units", "nfe_forward", "objective"):
            assert f"gnvpro/{case.name}/{key}" in baseline
