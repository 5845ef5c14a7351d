"""The benchmark side of ctdnn_bench: what the asv suite, the pytest-benchmark tests and the CI gate measure.

- :mod:`.cases`: :class:`~.cases.BenchCase` (a :class:`~ctdnn_bench.models.ModelConfig` plus a seeded input), the
  one list :data:`~.cases.CASES`, and the bases whose conditioning is tracked;
- :mod:`.trainings` and :mod:`.gnvpro`: the short seeded trainings, timed epochs, stacked groups, GNvpro iterations;
- :mod:`.metrics`: the deterministic measurements (NFE, steps, parameter counts, condition numbers, GMRES counts,
  short-training errors) and :func:`~.metrics.metric_key`, the one function that names them;
- :mod:`.baseline`: the committed baseline (``results/baselines/metrics.json``) and :func:`~.baseline.regress`;
- :mod:`.timing`: :func:`~.timing.single_thread`, the rounds and paired-ratio timers, CUDA synchronization;
- :mod:`.ratios`: speed as ratios measured side by side in one process (information, not a gate);
- :mod:`.passes`: the short timed run of every case stored for the report (``ctdnn-bench run harness``).

Importing this package imports nothing else (no torch); import the module you need.
"""
