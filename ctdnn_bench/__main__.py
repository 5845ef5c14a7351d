"""``python -m ctdnn_bench``: the ``ctdnn-bench`` command line."""

from __future__ import annotations

import sys

from ctdnn_bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
