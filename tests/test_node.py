"""Neural-ODE block: analytic solutions, convergence orders, adjoint vs backprop gradients, NFE accounting."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import scipy.linalg
import torch
from numpy.polynomial import legendre as npleg
from torch import Tensor, nn
from torchdiffeq import odeint

from ctdnn_bench import (
    AbstractBasis,
    MLPField,
    NeuralODEBlock,
    SolverError,
    TanhLayerField,
    TimeDependentLinear,
    make_basis,
)

# ---------------------------------------------------------------------------------------------------------------
# Small fields with known solutions (the library's fields are nonlinear)
# ---------------------------------------------------------------------------------------------------------------


class RateField(nn.Module):
    """du_i/dt = a_i(t) u_i with a_i(t) = sum_k p_k(t) c_ki: u_i(t) = u_i(0) exp(int_0^t a_i)."""

    def __init__(self, basis: AbstractBasis, width: int = 3, scale: float = 0.5) -> None:
        super().__init__()
        self.width, self.basis = width, basis
        self.coef = nn.Parameter(scale * torch.randn(basis.n_functions, width))

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        return u * (self.basis(torch.as_tensor(t, dtype=u.dtype)) @ self.coef)

    def exact(self, u0: Tensor, t: float) -> np.ndarray:
        """Legendre basis on [0, T] only: int_0^t P_k(2s/T - 1) ds = (T/2) legint(P_k, lbnd=-1)(x)."""
        big_t, degree = self.basis.t1, self.basis.degree
        x = 2 * t / big_t - 1
        integrals = np.array(
            [big_t / 2 * npleg.legval(x, npleg.legint(np.eye(degree + 1)[k], lbnd=-1)) for k in range(degree + 1)]
        )
        return u0.numpy() * np.exp(integrals @ self.coef.detach().numpy())


class LinearField(nn.Module):
    """du/dt = A u with a static (time-constant) TimeDependentLinear and no bias: u(t) = expm(A t) u(0)."""

    def __init__(self, width: int = 3, big_t: float = 2.0) -> None:
        super().__init__()
        self.width = width
        self.layer = TimeDependentLinear(width, width, make_basis("static", 0, 0.0, big_t), bias=False, init_std=0.6)

    @property
    def basis(self) -> AbstractBasis:
        return self.layer.basis

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        return self.layer(t, u)


class SwitchField(nn.Module):
    """du/dt = -k sigmoid(200 (t - 1/2)) u: quiet, then a sharp switch that an adaptive solver first steps over."""

    def __init__(self, k: float = 50.0) -> None:
        super().__init__()
        self.width, self.basis, self.k = 2, make_basis("static", 0, 0.0, 1.0), k
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        return -self.scale * self.k * torch.sigmoid((t - 0.5) * 200) * u


class StepCounter(nn.Module):
    """Counts accepted/rejected steps through torchdiffeq's own callbacks (an independent check of the block)."""

    def __init__(self, field: nn.Module) -> None:
        super().__init__()
        self.field = field
        self.accepted = self.rejected = 0

    def forward(self, t: Tensor, u: Tensor) -> Tensor:
        return self.field(t, u)

    def callback_accept_step(self, t0: Tensor, y0: Tensor, dt: Tensor) -> None:
        self.accepted += 1

    def callback_reject_step(self, t0: Tensor, y0: Tensor, dt: Tensor) -> None:
        self.rejected += 1


# ---------------------------------------------------------------------------------------------------------------
# Analytic solutions and convergence
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("adjoint", [True, False])
def test_time_dependent_rate_matches_analytic(adjoint: bool, float64: torch.dtype, seeded: None) -> None:
    field = RateField(make_basis("legendre", 3, 0.0, 2.0))
    block = NeuralODEBlock(field, rtol=1e-10, atol=1e-12, adjoint=adjoint)
    u0 = torch.randn(4, 3)
    np.testing.assert_allclose(block(u0).detach().numpy(), field.exact(u0, 2.0), rtol=1e-8)
    times = torch.tensor([0.0, 0.3, 1.1, 2.0])
    traj = block(u0, times)
    assert traj.shape == (4, 4, 3)
    for j, t in enumerate(times.tolist()):
        np.testing.assert_allclose(traj[j].detach().numpy(), field.exact(u0, t), rtol=1e-8)


def test_linear_system_matches_matrix_exponential(float64: torch.dtype, seeded: None) -> None:
    field = LinearField(width=3, big_t=2.0)
    block = NeuralODEBlock(field, rtol=1e-10, atol=1e-12)
    u0 = torch.randn(5, 3)
    a = field.layer.weight_coef[0].detach().numpy()
    expected = u0.numpy() @ scipy.linalg.expm(2.0 * a).T
    np.testing.assert_allclose(block(u0).detach().numpy(), expected, rtol=1e-8, atol=1e-10)


def observed_orders(method: str, n_steps: list[int]) -> list[float]:
    big_t = 2.0
    field = RateField(make_basis("legendre", 3, 0.0, big_t), scale=0.6)
    u0 = torch.randn(2, 3)
    exact = field.exact(u0, big_t)
    errors = []
    for n in n_steps:
        block = NeuralODEBlock(field, method=method, step_size=big_t / n, adjoint=False)
        with torch.no_grad():
            errors.append(np.abs(block(u0).numpy() - exact).max())
        assert block.last.steps_accepted == n
    return [math.log2(errors[i] / errors[i + 1]) for i in range(len(errors) - 1)]


def test_rk4_converges_with_order_four(float64: torch.dtype, seeded: None) -> None:
    orders = observed_orders("rk4", [4, 8, 16, 32])
    assert 3.7 < orders[-1] < 4.3, orders
    assert all(3.5 < p < 4.5 for p in orders), orders


def test_euler_converges_with_order_one(float64: torch.dtype, seeded: None) -> None:
    orders = observed_orders("euler", [16, 32, 64, 128])
    assert 0.9 < orders[-1] < 1.1, orders


# ---------------------------------------------------------------------------------------------------------------
# Gradients: adjoint (optimize-then-discretize) vs backprop through the solver
# ---------------------------------------------------------------------------------------------------------------


def node_gradients(adjoint: bool) -> tuple[Tensor, list[Tensor], NeuralODEBlock]:
    torch.manual_seed(1)
    field = MLPField((3, 8, 3), make_basis("legendre", 2, 0.0, 1.0), time_init="random", init_std=0.3)
    block = NeuralODEBlock(field, rtol=1e-10, atol=1e-12, adjoint=adjoint)
    u0 = torch.randn(4, 3, requires_grad=True)
    target = torch.randn(4, 3)
    loss = ((block(u0) - target) ** 2).sum()
    params = list(field.parameters())
    grads = torch.autograd.grad(loss, [u0, *params])
    return grads[0], list(grads[1:]), block


def test_adjoint_gradients_match_backprop(float64: torch.dtype) -> None:
    g_u_adj, g_p_adj, adj_block = node_gradients(adjoint=True)
    g_u_bp, g_p_bp, bp_block = node_gradients(adjoint=False)
    torch.testing.assert_close(g_u_adj, g_u_bp, rtol=1e-6, atol=1e-9)
    for a, b in zip(g_p_adj, g_p_bp, strict=True):
        assert b.abs().max() > 1e-3  # every coefficient (all 3 Legendre functions, all layers) gets a gradient
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-9)
    # NFE: the adjoint solves a backward ODE, backprop through the solver evaluates nothing in backward
    assert adj_block.last.nfe_backward > 0 and adj_block.last.n_backward == 1
    assert bp_block.last.nfe_backward == 0 and bp_block.last.n_backward == 0


def test_backprop_gradient_matches_finite_differences(float64: torch.dtype, seeded: None) -> None:
    field = MLPField((2, 4, 2), make_basis("legendre", 1, 0.0, 1.0), time_init="random", init_std=0.5)
    block = NeuralODEBlock(field, method="rk4", step_size=0.25, adjoint=False)
    u0 = torch.randn(3, 2, requires_grad=True)
    assert torch.autograd.gradcheck(block, (u0,))


# ---------------------------------------------------------------------------------------------------------------
# NFE accounting (ctdnn_bench.stats docstring)
# ---------------------------------------------------------------------------------------------------------------


def test_dopri5_nfe_rule_smooth_problem(float64: torch.dtype, seeded: None) -> None:
    field = TanhLayerField(4, make_basis("legendre", 3, 0.0, 1.0), time_init="random")
    for rtol in (1e-4, 1e-7, 1e-10):
        block = NeuralODEBlock(field, rtol=rtol, atol=rtol * 1e-2, adjoint=False)
        block(torch.randn(3, 4))
        last = block.last
        assert last.nfe_forward == 2 + 6 * (last.steps_accepted + last.steps_rejected)
        assert last.steps_accepted >= 1


@pytest.mark.parametrize("rtol", [1e-3, 1e-6])
@pytest.mark.parametrize(("method", "per_step"), [("dopri5", 6), ("bosh3", 3)])  # FSAL: stages - 1 new calls
def test_rejected_steps_are_counted(method: str, per_step: int, rtol: float, float64: torch.dtype) -> None:
    field = SwitchField()
    block = NeuralODEBlock(field, method=method, rtol=rtol, atol=rtol * 1e-2, adjoint=False)
    u0 = torch.ones(1, 2)
    block(u0)
    last = block.last
    assert last.steps_rejected > 0
    assert last.nfe_forward == 2 + per_step * (last.steps_accepted + last.steps_rejected)
    # the same solve, counted by torchdiffeq's step callbacks: the reconstruction from call times agrees
    counter = StepCounter(field)
    with torch.no_grad():
        odeint(counter, u0, torch.tensor([0.0, 1.0]), rtol=rtol, atol=rtol * 1e-2, method=method)
    assert (last.steps_accepted, last.steps_rejected) == (counter.accepted, counter.rejected)


@pytest.mark.parametrize(("method", "calls"), [("rk4", 4), ("euler", 1)])
@pytest.mark.parametrize(("big_t", "n"), [(1.0, 12), (5.0, 12), (10.0, 12), (1.0, 10), (3.0, 7), (1.0, 49), (5.0, 61)])
def test_fixed_step_nfe(method: str, calls: int, big_t: float, n: int, float64: torch.dtype, seeded: None) -> None:
    """step_size h over [0, T] takes T / h steps, ``calls`` evaluations each, also when T / h is an integer only up
    to round-off (T = 1, h = 1/49: torchdiffeq's own grid would add a zero-length 50th step)."""
    field = TanhLayerField(2, make_basis("legendre", 1, 0.0, big_t))
    block = NeuralODEBlock(field, method=method, step_size=big_t / n, adjoint=False)
    u0 = torch.randn(2, 2)
    out = block(u0)
    assert block.last.nfe_forward == calls * n
    assert (block.last.steps_accepted, block.last.steps_rejected) == (n, 0)
    # same solution as torchdiffeq's step_size grid (a zero-length extra step changes nothing but the count)
    with torch.no_grad():
        ref = odeint(field, u0, torch.tensor([0.0, big_t]), method=method, options={"step_size": big_t / n})[-1]
    torch.testing.assert_close(out, ref, rtol=1e-13, atol=1e-13)


def test_fixed_step_non_divisible_step_keeps_torchdiffeq_grid(float64: torch.dtype, seeded: None) -> None:
    """h = 0.3 on [0, 1]: three full steps and a short last one (torchdiffeq's convention), so 4 steps."""
    field = TanhLayerField(2, make_basis("legendre", 1, 0.0, 1.0))
    block = NeuralODEBlock(field, method="euler", step_size=0.3, adjoint=False)
    u0 = torch.randn(2, 2)
    out = block(u0)
    assert block.last.nfe_forward == 4
    u = u0.clone()
    for t0, t1 in ((0.0, 0.3), (0.3, 0.6), (0.6, 0.9), (0.9, 1.0)):
        u = u + (t1 - t0) * field(torch.tensor(t0), u)
    torch.testing.assert_close(out, u, rtol=1e-12, atol=1e-12)


def test_adjoint_backward_nfe(float64: torch.dtype, seeded: None) -> None:
    field = TanhLayerField(3, make_basis("legendre", 2, 0.0, 1.0), time_init="random")
    block = NeuralODEBlock(field, adjoint=True)
    block(torch.randn(2, 3)).sum().backward()
    last = block.last
    assert last.nfe_backward > 0 and last.n_backward == 1
    # the backward adjoint solve is itself one dopri5 solve over [0, T]: 2 + 6 (attempted steps) calls
    assert (last.nfe_backward - 2) % 6 == 0
    assert last.nfe_forward == 2 + 6 * (last.steps_accepted + last.steps_rejected)
    # rk4 adjoint: the backward solve takes the same fixed steps, 4 calls each
    block = NeuralODEBlock(field, method="rk4", step_size=0.125, adjoint=True)
    block(torch.randn(2, 3)).sum().backward()
    assert (block.last.nfe_forward, block.last.nfe_backward) == (32, 32)


def test_backward_nfe_lands_on_its_own_solve(float64: torch.dtype, seeded: None) -> None:
    """Two forward passes, then one backward: the adjoint evaluations belong to the first call's statistics."""
    field = TanhLayerField(3, make_basis("legendre", 2, 0.0, 1.0), time_init="random")
    block = NeuralODEBlock(field, adjoint=True)
    out = block(torch.randn(2, 3))
    first = block.last
    with torch.no_grad():
        block(torch.randn(2, 3))
    second = block.last
    out.sum().backward()
    assert first.nfe_backward > 0 and first.n_backward == 1
    assert second.nfe_backward == 0 and second.n_backward == 0
    assert block.stats.nfe_backward == first.nfe_backward and block.stats.n_backward == 1


def test_stats_accumulate_and_reset(float64: torch.dtype, seeded: None) -> None:
    field = TanhLayerField(3, make_basis("legendre", 2, 0.0, 1.0), time_init="random")
    block = NeuralODEBlock(field, adjoint=True)
    total = {"nfe_forward": 0, "nfe_backward": 0, "steps_accepted": 0, "steps_rejected": 0, "n_forward": 0}
    for i in range(3):
        out = block(torch.randn(2, 3) * (i + 1))
        if i != 1:
            out.sum().backward()
        for key in total:
            total[key] += getattr(block.last, key)
    for key, value in total.items():
        assert getattr(block.stats, key) == value, key
    assert block.stats.n_forward == 3 and block.stats.n_backward == 2
    block.reset_stats()
    assert all(v == 0 for v in block.stats.as_dict().values())
    assert all(v == 0 for v in block.last.as_dict().values())


def test_no_grad_forward_has_no_backward(float64: torch.dtype, seeded: None) -> None:
    field = TanhLayerField(3, make_basis("legendre", 2, 0.0, 1.0))
    block = NeuralODEBlock(field, adjoint=True)
    with torch.no_grad():
        out = block(torch.randn(2, 3))
    assert not out.requires_grad and block.last.nfe_backward == 0


def module_snapshot(m: nn.Module) -> dict[str, object]:
    snap: dict[str, object] = {}
    for name, sub in m.named_modules():
        snap[name] = (
            sorted(vars(sub)),
            {
                k: sorted(v) if isinstance(v, dict) else v
                for k, v in vars(sub).items()
                if k.startswith("_") and "hook" in k
            },
            sorted(sub._parameters),
            sorted(sub._buffers),
            sorted(sub._modules),
        )
    return snap


@pytest.mark.parametrize("adjoint", [True, False])
def test_field_is_never_mutated(adjoint: bool, float64: torch.dtype, seeded: None) -> None:
    field = MLPField((3, 5, 3), make_basis("legendre", 2, 0.0, 1.0), time_init="random")
    before = module_snapshot(field)
    state = {k: v.clone() for k, v in field.state_dict().items()}
    block = NeuralODEBlock(field, adjoint=adjoint)
    block(torch.randn(2, 3)).sum().backward()
    assert module_snapshot(field) == before
    for name, sub in field.named_modules():
        assert not sub._forward_hooks and not sub._forward_pre_hooks and not sub._backward_hooks, name
    for k, v in field.state_dict().items():
        assert torch.equal(v, state[k]), k
    # and the field still works on its own, exactly as before
    assert field(torch.tensor(0.5), torch.ones(1, 3)).shape == (1, 3)


def test_max_nfe_raises_quickly(float64: torch.dtype) -> None:
    class Stiff(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.width, self.basis = 2, make_basis("static", 0, 0.0, 1.0)

        def forward(self, t: Tensor, u: Tensor) -> Tensor:
            return -1e6 * u

    block = NeuralODEBlock(Stiff(), rtol=1e-10, atol=1e-12, max_nfe=300)
    start = time.perf_counter()
    with pytest.raises(SolverError, match="budget of 300"):
        block(torch.ones(1, 2))
    assert time.perf_counter() - start < 5.0
    assert block.last.nfe_forward == 301  # the call that went over the budget raised


def test_blow_up_raises_solver_error(float64: torch.dtype) -> None:
    """u' = u^2, u(0) = 1 blows up at t = 1: integrating to t = 2 must end in a SolverError, not hang."""

    class Blowup(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.width, self.basis = 1, make_basis("static", 0, 0.0, 2.0)

        def forward(self, t: Tensor, u: Tensor) -> Tensor:
            return u**2

    start = time.perf_counter()
    with pytest.raises(SolverError):
        NeuralODEBlock(Blowup(), max_nfe=20_000)(torch.ones(1, 1))
    assert time.perf_counter() - start < 10.0


def test_seminorm_adjoint_saves_backward_nfe_and_keeps_the_gradient() -> None:
    """Kidger et al. 2021: leaving the parameter adjoint out of the error norm takes fewer backward steps; the
    gradient changes only within the solver's tolerance (both are approximations of the same integral)."""
    import dataclasses

    from ctdnn_bench.harness.cases import BY_NAME, forward_backward

    rtol = 1e-7
    base = BY_NAME["node-legendre-d3-dopri5-otd"]
    model = dataclasses.replace(base.model, rtol=rtol, atol=rtol * 1e-2)
    case = dataclasses.replace(base, model=model, batch=8)
    block, u0 = case.build()
    assert isinstance(block, NeuralODEBlock)
    grads, nfe = {}, {}
    for norm in ("default", "seminorm"):
        block.adjoint_norm = norm
        forward_backward(block, u0)
        grads[norm] = torch.cat([p.grad.flatten() for p in block.parameters() if p.grad is not None])
        nfe[norm] = (block.last.nfe_forward, block.last.nfe_backward)
    assert nfe["seminorm"][0] == nfe["default"][0]  # the forward solve does not see the adjoint's norm
    assert 0 < nfe["seminorm"][1] <= nfe["default"][1]
    diff = torch.linalg.norm(grads["seminorm"] - grads["default"]) / torch.linalg.norm(grads["default"])
    assert diff < 100 * rtol
