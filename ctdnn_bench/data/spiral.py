"""The torchdiffeq "spiral" task used for the paper's neural-ODE experiments (paper.md, section 3.4).

True dynamics dy/dt = (y**3) @ A (row-vector convention), A = [[-0.1, 2.0], [-2.0, -0.1]], y(0) = [2, 0],
on t = linspace(0, 25, N); train region t in [0, 16], validation [16, 20], test [20, 25].
torch and torchdiffeq are imported inside the functions so that importing the data package stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctdnn_bench.data.dataset import TrajectoryDataset
from ctdnn_bench.errors import ConfigError, unknown_name

if TYPE_CHECKING:
    import torch

A_TRUE = ((-0.1, 2.0), (-2.0, -0.1))
Y0 = (2.0, 0.0)
T_END, TRAIN_END, VAL_END = 25.0, 16.0, 20.0
METHODS = ("rk4", "dopri5")


def spiral_rhs(t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """dy/dt = (y**3) @ A for y of shape (..., 2); autonomous, ``t`` is ignored."""
    import torch

    return (y**3) @ torch.tensor(A_TRUE, dtype=y.dtype, device=y.device)


def load_spiral(n_points: int = 500, *, method: str = "rk4") -> TrajectoryDataset:
    """The true spiral trajectory on ``linspace(0, 25, n_points)``, computed in float64.

    Args:
        n_points: grid size N (500 in the revised protocol, 1000 in torchdiffeq's demo).
        method: ``"rk4"``: torchdiffeq's fixed-step rk4 with one step per grid interval (h = 25/(N-1)), as
            in the authors' ``ode_demo_NEW.py`` (max deviation from the exact solution about 5e-3 at N = 500);
            ``"dopri5"``: adaptive, rtol = atol = 1e-10 (accurate to about 1e-8, slower).

    Returns:
        A :class:`TrajectoryDataset` with t (N,), y (N, 2) and the region boundaries 16 and 20.
    """
    import torch
    from torchdiffeq import odeint

    if method not in METHODS:
        raise unknown_name("spiral reference method", method, METHODS)
    if n_points < 20:
        raise ConfigError(f"n_points must be at least 20 to leave points in every region, got {n_points}")
    t = torch.linspace(0.0, T_END, n_points, dtype=torch.float64)
    y0 = torch.tensor(Y0, dtype=torch.float64)
    options = {"rtol": 1e-10, "atol": 1e-10} if method == "dopri5" else {}
    with torch.no_grad():
        y = odeint(spiral_rhs, y0, t, method=method, **options)
    return TrajectoryDataset(
        t=t.numpy(),
        y=y.numpy(),
        train_end=TRAIN_END,
        val_end=VAL_END,
        description=(
            f"torchdiffeq spiral dy/dt = (y**3) A, y(0) = [2, 0], {n_points} points on [0, 25], reference by "
            f"{method} in float64; regions train [0, 16], val [16, 20], test [20, 25]"
        ),
    )


def spiral_windows(
    data: TrajectoryDataset,
    *,
    batch_size: int = 1,
    batch_time: int = 10,
    generator: torch.Generator | None = None,
    absolute_time: bool = True,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw training windows of ``batch_time`` consecutive grid points from the train region.

    Window starts s are uniform on {0, ..., i_train - batch_time - 1}, where i_train is the train region's
    end index, as the authors' ``get_batch``.

    Args:
        data: from :func:`load_spiral`.
        batch_size: number of windows B. With ``absolute_time=True`` it must be 1 (one window per batch, the
            revised protocol), because windows with different starts do not share absolute times.
        batch_time: points per window.
        generator: seeded ``torch.Generator`` for reproducible draws; default torch's global generator.
        absolute_time: return the window's absolute times t[s:s + batch_time] (needed when the weights depend
            on time); False returns torchdiffeq's relative axis t[:batch_time] for any B.
        dtype: dtype of the returned tensors; default float64.

    Returns:
        y0 (B, 2) true start states, t_window (batch_time,), y_true (batch_time, B, 2).
    """
    import torch

    if absolute_time and batch_size != 1:
        raise ConfigError(
            "absolute_time=True needs batch_size=1 (windows with different starts have different absolute "
            "times); use absolute_time=False for torchdiffeq's relative-time batches"
        )
    n_starts = data.regions()["train"].stop - 1 - batch_time
    if batch_time < 2 or batch_size < 1 or n_starts < 1:
        raise ConfigError(f"cannot draw {batch_size} windows of {batch_time} points from the train region")
    dtype = dtype or torch.float64
    t, y = torch.as_tensor(data.t, dtype=dtype), torch.as_tensor(data.y, dtype=dtype)
    s = torch.randint(0, n_starts, (batch_size,), generator=generator)
    offsets = torch.arange(batch_time)
    y_true = y[s[None, :] + offsets[:, None]]  # (batch_time, B, 2)
    t_window = t[s[0] + offsets] if absolute_time else t[offsets] - t[0]
    return y[s], t_window, y_true
