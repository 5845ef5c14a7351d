"""``python -m ctdnn_bench``: the ``ctdnn-bench`` command line."""

import sys

from ctdnn_bench.cli import main

sys.exit(main())
