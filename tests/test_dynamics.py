"""Fixed-grid blocks: ResNet (forward Euler) and Hamiltonian (Chang et al. Verlet split), against hand-written loops."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre as npleg
from torch.autograd.functional import jacobian

from ctdnn_bench import HamiltonianBlock, LeapfrogBlock, ResNetBlock, make_basis
from ctdnn_bench.dynamics import AbstractFixedGridBlock, leapfrog_steps, step_times


def hand_weights(block: AbstractFixedGridBlock, times: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """K(t_k), b(t_k) from the coefficients and numpy's shifted Legendre values (block basis: Legendre on [0, T])."""
    big_t, degree = block.basis.t1, block.basis.degree
    p = npleg.legvander(2 * times / big_t - 1, degree)  # (n_steps, d + 1)
    w = block.layer.weight_coef.detach().numpy()
    b = block.layer.bias_coef.detach().numpy()  # type: ignore[union-attr]
    return [np.tensordot(p_k, w, axes=1) for p_k in p], [np.tensordot(p_k, b, axes=1) for p_k in p]


def randomize_bias(block: AbstractFixedGridBlock) -> None:
    with torch.no_grad():
        block.layer.bias_coef.normal_(0.0, 0.3)  # type: ignore[union-attr]


@pytest.mark.parametrize("time_grid", ["linspace", "left"])
@pytest.mark.parametrize(("big_t", "n_steps"), [(1.0, 12), (5.0, 12), (10.0, 7)])
def test_resnet_equals_hand_written_euler(
    time_grid: str, big_t: float, n_steps: int, float64: torch.dtype, seeded: None
) -> None:
    block = ResNetBlock(5, make_basis("legendre", 3, 0.0, big_t), n_steps=n_steps, time_grid=time_grid)
    block.layer.weight_coef.data = 0.4 * torch.randn_like(block.layer.weight_coef)
    randomize_bias(block)
    h = big_t / n_steps
    times = np.linspace(0.0, big_t, n_steps) if time_grid == "linspace" else np.arange(n_steps) * h
    ks, bs = hand_weights(block, times)
    u0 = torch.randn(3, 5)
    u = u0.numpy().copy()
    for k_mat, b_vec in zip(ks, bs, strict=True):
        u = u + h * np.tanh(u @ k_mat.T + b_vec)
    out = block(u0)
    np.testing.assert_allclose(out.detach().numpy(), u, rtol=1e-12, atol=1e-12)
    assert block.last.nfe_forward == n_steps and block.last.steps_accepted == n_steps
    assert block.last.nfe_backward == 0 and block.last.n_forward == 1


def test_step_times() -> None:
    np.testing.assert_allclose(step_times(0.0, 5.0, 12, "linspace"), np.linspace(0, 5, 12))
    np.testing.assert_allclose(step_times(1.0, 4.0, 6, "left"), 1.0 + 0.5 * np.arange(6))


def test_resnet_unconstrained_uses_one_weight_set_per_step(float64: torch.dtype, seeded: None) -> None:
    """piecewise_constant with degree n_steps - 1 (the paper's "none"): step k uses exactly coefficient k."""
    for grid in ("linspace", "left"):
        block = ResNetBlock(3, make_basis("piecewise_constant", 11, 0.0, 5.0), n_steps=12, time_grid=grid)
        block.layer.weight_coef.data = torch.randn_like(block.layer.weight_coef)
        weights, _ = block.step_weights()
        for k, w_k in enumerate(weights):
            torch.testing.assert_close(w_k, block.layer.weight_coef[k], rtol=0, atol=0)


def test_resnet_stats_accumulate_and_reset(float64: torch.dtype, seeded: None) -> None:
    block = ResNetBlock(3, make_basis("legendre", 2, 0.0, 1.0), n_steps=9)
    for _ in range(3):
        block(torch.randn(2, 3))
    assert block.stats.nfe_forward == 27 and block.stats.n_forward == 3 and block.last.nfe_forward == 9
    block.reset_stats()
    assert block.stats.as_dict() == dict.fromkeys(block.stats.as_dict(), 0)
    assert block.last.nfe_forward == 0


def test_resnet_gradcheck(seeded: None) -> None:
    block = ResNetBlock(3, make_basis("legendre", 2, 0.0, 2.0), n_steps=4, time_init="random", dtype=torch.float64)
    u0 = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(block, (u0,))
    w = block.layer.weight_coef

    def of_coef(c: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(block, {"layer.weight_coef": c}, (u0.detach(),))

    assert torch.autograd.gradcheck(of_coef, (w.detach().clone().requires_grad_(True),))


# ---------------------------------------------------------------------------------------------------------------
# Hamiltonian block
# ---------------------------------------------------------------------------------------------------------------


def make_hamiltonian(
    width: int = 4, big_t: float = 5.0, n_steps: int = 12, time_grid: str = "linspace"
) -> HamiltonianBlock:
    block = HamiltonianBlock(width, make_basis("legendre", 3, 0.0, big_t), n_steps=n_steps, time_grid=time_grid)
    block.layer.weight_coef.data = 0.5 * torch.randn_like(block.layer.weight_coef)
    randomize_bias(block)
    return block


@pytest.mark.parametrize("time_grid", ["linspace", "left"])
def test_hamiltonian_equals_hand_written_loop(time_grid: str, float64: torch.dtype, seeded: None) -> None:
    big_t, n_steps = 5.0, 12
    block = make_hamiltonian(big_t=big_t, n_steps=n_steps, time_grid=time_grid)
    h = big_t / n_steps
    times = np.linspace(0.0, big_t, n_steps) if time_grid == "linspace" else np.arange(n_steps) * h
    ks, bs = hand_weights(block, times)
    u0 = torch.randn(3, 4)
    y, z = u0.numpy().copy(), np.zeros((3, 4))
    for k_mat, b_vec in zip(ks, bs, strict=True):
        z = z - h * np.tanh(y @ k_mat + b_vec)  # K^T y per sample, rows are samples
        y = y + h * np.tanh(z @ k_mat.T + b_vec)  # K z with the updated z
    np.testing.assert_allclose(block(u0).detach().numpy(), y, rtol=1e-12, atol=1e-12)
    _, z_full = block.integrate(u0, torch.zeros_like(u0))
    np.testing.assert_allclose(z_full.detach().numpy(), z, rtol=1e-12, atol=1e-12)
    assert block.last.nfe_forward == 2 * n_steps and block.last.steps_accepted == n_steps


def test_hamiltonian_is_reversible(float64: torch.dtype, seeded: None) -> None:
    block = make_hamiltonian()
    y0, z0 = torch.randn(5, 4), torch.randn(5, 4)
    y1, z1 = block.integrate(y0, z0)
    assert (y1 - y0).abs().max() > 0.1  # the map is not trivially the identity
    y_back, z_back = block.inverse(y1, z1)
    torch.testing.assert_close(y_back, y0, rtol=0, atol=1e-12)
    torch.testing.assert_close(z_back, z0, rtol=0, atol=1e-12)


def flat_map(block: HamiltonianBlock, width: int) -> Callable[[torch.Tensor], torch.Tensor]:
    def step(v: torch.Tensor) -> torch.Tensor:
        y, z = block.integrate(v[:width].unsqueeze(0), v[width:].unsqueeze(0))
        return torch.cat([y[0], z[0]])

    return step


@pytest.mark.parametrize("n_steps", [1, 12])
def test_hamiltonian_preserves_volume(n_steps: int, float64: torch.dtype, seeded: None) -> None:
    """Each half step is a shear (unit block-triangular Jacobian), so det d(y', z')/d(y, z) = 1."""
    width = 4
    block = make_hamiltonian(width=width, n_steps=n_steps)
    v = torch.randn(2 * width)
    jac = jacobian(flat_map(block, width), v)
    assert (jac - torch.eye(2 * width)).abs().max() > 0.05  # a genuinely non-trivial map
    assert float(torch.linalg.det(jac)) == pytest.approx(1.0, abs=1e-12)
    # a generic (non-shear) map would not pass: the ResNet step's Jacobian has det != 1
    res = ResNetBlock(2 * width, make_basis("legendre", 1, 0.0, 5.0), n_steps=n_steps, init_std=0.5)
    jr = jacobian(lambda x: res(x.unsqueeze(0))[0], v)
    assert abs(float(torch.linalg.det(jr)) - 1.0) > 1e-3


def test_hamiltonian_symplectic_only_in_width_one(float64: torch.dtype, seeded: None) -> None:
    """Chang et al.'s scheme preserves volume but is not canonically symplectic in general.

    The half step z' = z - h tanh(K^T y + b) has Jacobian block -h D K^T (D = diag(sech^2)), which is not symmetric
    for width > 1, so J^T Omega J != Omega. For width 1 the blocks are 1x1 (symmetric) and every 2x2 map with
    det 1 is symplectic, so J^T Omega J = Omega holds there.
    """
    for width, symplectic in ((1, True), (3, False)):
        block = make_hamiltonian(width=width)
        jac = jacobian(flat_map(block, width), torch.randn(2 * width))
        eye, zero = torch.eye(width), torch.zeros(width, width)
        omega = torch.cat([torch.cat([zero, eye], 1), torch.cat([-eye, zero], 1)], 0)
        defect = float((jac.T @ omega @ jac - omega).abs().max())
        if symplectic:
            assert defect < 1e-12
        else:
            assert defect > 1e-3
        assert float(torch.linalg.det(jac)) == pytest.approx(1.0, abs=1e-12)


def test_hamiltonian_starts_from_zero_momentum(float64: torch.dtype, seeded: None) -> None:
    """forward(u) = integrate(u, 0)[0]; with zero weights and biases nothing moves (tanh(0) = 0)."""
    block = make_hamiltonian()
    u = torch.randn(2, 4)
    torch.testing.assert_close(block(u), block.integrate(u, torch.zeros_like(u))[0])
    with torch.no_grad():
        block.layer.weight_coef.zero_()
        block.layer.bias_coef.zero_()  # type: ignore[union-attr]
    torch.testing.assert_close(block(u), u, rtol=0, atol=0)


# ----------------------------------------------------------------------------------------------------- Leapfrog


def leapfrog_block(big_t: float = 2.0, n_steps: int = 9) -> LeapfrogBlock:
    block = LeapfrogBlock(4, make_basis("legendre", 3, 0.0, big_t), n_steps=n_steps, time_init="random")
    randomize_bias(block)
    return block


def test_leapfrog_equals_hand_written_loop(float64: torch.dtype, seeded: None) -> None:
    """y_{k+1} = 2 y_k - y_{k-1} + h^2 (-K_k^T tanh(K_k y_k) + c_k), y_{-1} = y_0, in numpy."""
    block = leapfrog_block()
    h = 2.0 / 9
    ks, cs = hand_weights(block, np.linspace(0.0, 2.0, 9))
    u0 = torch.randn(3, 4)
    y = y_prev = u0.numpy().copy()
    for k_mat, c in zip(ks, cs, strict=True):
        force = -np.tanh(y @ k_mat.T) @ k_mat + c  # rows are samples: K y -> y K^T, K^T z -> z K
        y, y_prev = 2 * y - y_prev + h**2 * force, y
    np.testing.assert_allclose(block(u0).detach().numpy(), y, rtol=1e-12, atol=1e-12)
    assert block.last.nfe_forward == 9 * LeapfrogBlock.NFE_PER_STEP and block.last.steps_accepted == 9


def test_leapfrog_is_time_reversible(float64: torch.dtype, seeded: None) -> None:
    """Run backwards from (y_N, y_{N-1}): the same recurrence on reversed weights recovers (y_0, y_{-1})."""
    block = leapfrog_block(big_t=5.0, n_steps=12)
    y0, y_minus1 = torch.randn(5, 4), torch.randn(5, 4)  # a non-zero initial velocity, to test the general case
    with torch.no_grad():
        y_last, y_before = block.integrate(y0, y_minus1)
        back0, back_minus1 = block.inverse(y_last, y_before)
    assert not torch.allclose(y_last, y0)
    torch.testing.assert_close(back0, y0, rtol=1e-11, atol=1e-11)
    torch.testing.assert_close(back_minus1, y_minus1, rtol=1e-11, atol=1e-11)


def test_leapfrog_steps_broadcast_over_stacked_models(float64: torch.dtype, seeded: None) -> None:
    """M stacked models in one call equal M separate calls (the contract of the stacked trainer)."""
    blocks = [leapfrog_block() for _ in range(3)]
    weights, biases = zip(*(b.stacked_weights() for b in blocks), strict=True)
    u = torch.randn(3, 6, 4)
    stacked = leapfrog_steps(u, torch.stack(weights), torch.stack(biases), blocks[0].h)
    for m, block in enumerate(blocks):
        torch.testing.assert_close(stacked[m], block(u[m]), rtol=1e-13, atol=1e-13)


def test_leapfrog_parameter_count_equals_the_resnets() -> None:
    """One K_k (15 x 15) and one outer c_k (15) per coefficient: 240 (d + 1); the ELM model's theta adds the
    encoder's 15 * 15 + 15, so Legendre d = 3 has 1200 (paper.md Sec. 7, Experiment A)."""
    from ctdnn_bench.models import ModelConfig, build_model, parameter_counts

    for degree, theta in ((3, 1200), (6, 1920)):
        counts = parameter_counts(build_model(ModelConfig(architecture="leapfrog", degree=degree), 15, 10, seed=0))
        assert counts["dynamics"] == 240 * (degree + 1) and counts["theta"] == theta
