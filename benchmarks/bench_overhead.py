"""Speed as ratios measured side by side in one process (interleaved rounds, median), so that load on a shared
machine cancels out. Informational: these are the only non-deterministic ``track_`` values, all named
``track_ratio_*``; exclude them from a deterministic gate with ``-b 'track_(?!ratio)'``.

Issue-2 target: a ResNet block with Legendre degree-3 weights costs at most 1.15x a static block in forward+backward
time at the paper's sizes (batch 32, width 15, 12 steps).
"""

from ctdnn_bench.harness.ratios import timing_ratios

from .common import VERSION


class Ratios:
    version = VERSION
    unit = "ratio"
    timeout = 180

    def setup_cache(self):
        return timing_ratios()

    def track_ratio_legendre_vs_static_block(self, ratios):
        """Legendre d=3 ResNetBlock / static-basis ResNetBlock (same code path, one basis function)."""
        return ratios["legendre_vs_static_block"]

    def track_ratio_legendre_vs_plain_linear(self, ratios):
        """Legendre d=3 ResNetBlock / a hand-written nn.Linear ResNet (no basis machinery at all)."""
        return ratios["legendre_vs_plain_linear"]

    def track_ratio_adjoint_vs_backprop(self, ratios):
        """Neural ODE (Legendre d=3, dopri5) forward + adjoint backward / forward + backprop through the solver."""
        return ratios["adjoint_vs_backprop"]
