"""What produced a result: versions, git commit and machine (recorded in every run and in the report)."""

from __future__ import annotations

import functools
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def git_commit() -> str:
    """The commit of the checkout ctdnn_bench runs from (``+dirty`` if modified), or ``unknown``."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@functools.cache
def environment() -> dict[str, str | int]:
    """Python, torch, torchdiffeq, numpy, scipy and ctdnn_bench versions, git commit, platform and CPU count."""
    return {
        "python": sys.version.split()[0],
        "torch": _version("torch"),
        "torchdiffeq": _version("torchdiffeq"),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "ctdnn_bench": _version("ctdnn_bench"),
        "git_commit": git_commit(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count() or 1,
    }
