"""The spiral ODE task: the reference trajectory, its regions and the training windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ctdnn_bench.data import TrajectoryDataset, load_spiral, spiral_windows
from ctdnn_bench.data.spiral import spiral_rhs
from ctdnn_bench.errors import ConfigError


@pytest.fixture(scope="module")
def spiral() -> TrajectoryDataset:
    return load_spiral(500)


def test_reference_trajectory(spiral: TrajectoryDataset) -> None:
    assert spiral.t.shape == (500,) and spiral.y.shape == (500, 2) and spiral.y.dtype == np.float64
    np.testing.assert_array_equal(spiral.y[0], [2.0, 0.0])
    np.testing.assert_allclose(spiral.t[[0, -1]], [0.0, 25.0])
    # d/dt sum(y**4) = 4 v A v^T with v = y**3, and A's symmetric part is -0.1 I: strictly decreasing.
    assert np.all(np.diff(np.sum(spiral.y**4, axis=1)) < 0)


def test_vector_field_row_convention() -> None:
    # y**3 = [8, 0]; the row vector times A = [[-0.1, 2], [-2, -0.1]] is 8 * A's first row.
    f = spiral_rhs(torch.zeros(()), torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=torch.float64))
    torch.testing.assert_close(f, torch.tensor([[-0.8, 16.0], [-2.0, -0.1]], dtype=torch.float64))


def test_rk4_reference_agrees_with_tight_dopri5(spiral: TrajectoryDataset) -> None:
    tight = load_spiral(500, method="dopri5")
    err = np.abs(spiral.y - tight.y).max()
    assert err < 1e-2, err  # rk4 with h = 25/499: about 5e-3
    finer = load_spiral(999)  # rk4 is fourth order: halving h shrinks the error about 16x
    assert np.abs(finer.y[::2] - tight.y).max() < err / 8


def test_regions_match_the_authors_split(spiral: TrajectoryDataset) -> None:
    r = spiral.regions()
    assert r == {"train": slice(0, 321), "val": slice(320, 401), "test": slice(400, 500)}
    i_train, i_val = r["train"].stop - 1, r["val"].stop - 1
    assert spiral.t[i_train - 1] < 16.0 <= spiral.t[i_train]
    assert spiral.t[i_val - 1] < 20.0 <= spiral.t[i_val]


def test_windows_shapes_and_contents(spiral: TrajectoryDataset) -> None:
    y0, t, y = spiral_windows(spiral, batch_time=10, generator=torch.Generator().manual_seed(0))
    assert y0.shape == (1, 2) and t.shape == (10,) and y.shape == (10, 1, 2)
    start = int(np.searchsorted(spiral.t, t[0].item()))
    np.testing.assert_allclose(t.numpy(), spiral.t[start : start + 10])  # absolute times
    np.testing.assert_allclose(y[:, 0].numpy(), spiral.y[start : start + 10])
    torch.testing.assert_close(y[0], y0)


def test_relative_time_batches(spiral: TrajectoryDataset) -> None:
    y0, t, y = spiral_windows(spiral, batch_size=4000, absolute_time=False, generator=torch.Generator().manual_seed(1))
    assert y0.shape == (4000, 2) and y.shape == (10, 4000, 2)
    np.testing.assert_allclose(t.numpy(), spiral.t[:10])
    starts = np.array([np.flatnonzero((spiral.y == row).all(axis=1))[0] for row in y0.numpy()])
    # Starts cover {0, ..., i_train - batch_time - 1} (authors' get_batch): windows stay in the train region.
    assert starts.min() == 0 and starts.max() == 320 - 10 - 1
    with pytest.raises(ConfigError, match="batch_size=1"):
        spiral_windows(spiral, batch_size=2)


def test_windows_are_reproducible(spiral: TrajectoryDataset) -> None:
    draw = [spiral_windows(spiral, generator=torch.Generator().manual_seed(s), dtype=torch.float32) for s in (3, 3, 4)]
    assert draw[0][1].dtype == torch.float32
    torch.testing.assert_close(draw[0], draw[1])
    assert not torch.equal(draw[0][1], draw[2][1])
