"""The asv benchmark suite of ctdnn_bench (configuration in ../asv.conf.json; cases in ctdnn_bench.cases)."""
