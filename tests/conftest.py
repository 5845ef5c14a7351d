"""Shared, general-purpose test fixtures (no data sets here: data tests build their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture
def float64() -> Iterator[torch.dtype]:
    """Run the test with ``torch.float64`` as the default dtype, restoring the previous default afterwards."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch.float64
    finally:
        torch.set_default_dtype(previous)


@pytest.fixture
def seeded() -> Iterator[None]:
    """Seed torch's global generator for the test and restore its state afterwards (tests stay order-independent)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        yield
