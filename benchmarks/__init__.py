"""The asv benchmark suite of ctdnn_bench: configuration in ../asv.conf.json, cases in ctdnn_bench.harness.cases,
how to run it in README.md here."""
