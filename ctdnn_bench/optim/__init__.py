"""Optimizers that are not ``torch.optim`` optimizers: GNvpro (variable projection + trust-region Gauss-Newton).

- :mod:`~ctdnn_bench.optim.gmres`: GMRES that keeps its Krylov basis;
- :mod:`~ctdnn_bench.optim.gauss_newton`: matrix-free ``J v``, ``J^T w`` and ``J^T J v`` of a residual;
- :mod:`~ctdnn_bench.optim.trust_region`: the trust-region Newton-Krylov loop (Meganet ``trnewton``);
- :mod:`~ctdnn_bench.optim.varpro`: the reduced residual of a surrogate model, decoder eliminated.
"""
