"""Shared, general-purpose test fixtures (no data sets here: data tests build their own)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

# The data files live in ../shared/data beside the checkout (CI's layout). Pointing CTDNN_DATA_DIR there keeps
# every test off the network; tests of the download path unset it themselves.
_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if _SHARED_DATA.is_dir():
    os.environ.setdefault("CTDNN_DATA_DIR", str(_SHARED_DATA))


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
