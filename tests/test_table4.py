"""Table 4 (the neural-ODE degree sweep) and the neural-ODE protocols: the grids, and the report's table."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from scipy import stats

from ctdnn_bench.experiments import NODE_PROTOCOLS, PROFILES, PROTOCOLS, TABLE4_VARIANTS, experiment_configs
from ctdnn_bench.models import build_dynamics
from ctdnn_bench.report.table4 import TABLE4_LABELS, mean_ci, table4


def test_table4_grid_and_spiral_parameter_counts() -> None:
    runs = experiment_configs("table4", "quick")
    assert {c.dataset for c in runs} == set(PROFILES["quick"].table4_datasets)
    assert [v.label for v in TABLE4_VARIANTS] == list(TABLE4_LABELS)  # one label per variant in every table
    counts = {}
    for c in runs:
        if c.dataset == "spiral":
            counts[c.label] = sum(p.numel() for p in build_dynamics(c.model).parameters())
    # paper.md Sec. 7, task C1: (D + 1) x 252, the published 1008 / 1260 / 1512
    assert counts == {
        "static": 252,
        **{f"{b} d={d}": 252 * (d + 1) for b in ("legendre", "monomial[0,1]") for d in (3, 4, 5)},
    }
    assert all(c.model.domain == "unit" for c in runs if c.model.basis == "monomial")
    # the degree-3 runs are the node experiment's: one record serves both
    node_keys = {c.key() for c in experiment_configs("node", "quick")}
    shared = {c.label for c in runs if c.key() in node_keys}
    assert shared == {"static", "legendre d=3", "monomial[0,1] d=3"}
    paper = experiment_configs("table4", "paper")
    assert {c.train.iterations for c in paper} == {2000} and len({c.seed_init for c in paper}) == 6


def test_node_protocols() -> None:
    assert set(NODE_PROTOCOLS) == set(PROTOCOLS)
    revised = {c.dataset: c.train for c in experiment_configs("node", "quick")}
    v1 = {c.dataset: c.train for c in experiment_configs("node", "quick", protocol="v1")}
    r, o = revised["elm"], v1["elm"]
    assert (r.lr_step, r.lr_decay, r.patience, r.restore_best) == (500, 0.5, 5, True)
    assert (o.lr_step, o.patience, o.restore_best) == (0, 0, False) and o.optimizer == r.optimizer == "adam"
    assert (v1["spiral"].n_windows, v1["spiral"].time_axis) == (20, "relative")
    assert (revised["spiral"].n_windows, revised["spiral"].time_axis) == (1, "absolute")
    # the revised spiral runs keep the keys they had before the protocols were named (records stay valid)
    static = next(c for c in experiment_configs("node", "quick") if c.dataset == "spiral" and c.label == "static")
    assert static.key() == "d5bd8fdf82b517ff"


def row(label: str, seed: int, err: float, dataset: str = "spiral", **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "label": label,
        "seed_init": seed,
        "test_rel_err": err,
        "dataset": dataset,
        "task": dataset,
        "architecture": "node",
        "status": "ok",
        "optimizer": "rmsprop",
        "lr": 1e-3,
        "method": "dopri5",
        "rtol": 1e-7,
        "atol": 1e-9,
        "adjoint": True,
        "iterations_cfg": 120,
        "epochs": 0,
        "total": 252 * (int(label[-1]) + 1) if label != "static" else 252,
        "nfe_forward_train": 100.0,
        "nfe_backward_train": 200.0,
        "test_nfe_forward": 50.0,
        "probe_nfe_backward_default": 80.0,
        "probe_nfe_backward_seminorm": 40.0,
    }
    r.update(kw)
    return r


def test_mean_ci_is_students_t() -> None:
    mean, lo, hi, n = mean_ci([1.0, 2.0, 4.0])
    half = stats.t.ppf(0.975, 2) * pd.Series([1.0, 2.0, 4.0]).std() / math.sqrt(3)
    assert (mean, n) == (pytest.approx(7 / 3), 3) and (lo, hi) == (
        pytest.approx(7 / 3 - half),
        pytest.approx(7 / 3 + half),
    )
    assert math.isnan(mean_ci([1.0])[1]) and mean_ci([])[3] == 0


def test_table4_rows_pair_seeds_against_static_and_show_the_authors_numbers() -> None:
    static = [row("static", s, e) for s, e in ((0, 1.0), (1, 2.0), (2, 3.0))]
    leg4 = [row("legendre d=4", s, e) for s, e in ((0, 0.5), (1, 1.5), (2, 2.0))]
    diverged = row("legendre d=5", 0, math.nan, status="diverged")
    only_node = [row("legendre d=3", 0, 0.4, dataset="elm"), row("static", 0, 0.5, dataset="elm")]
    t = table4(pd.DataFrame([*static, *leg4, diverged, *only_node]))
    assert t is not None
    groups = [r for r in t.rows if r[0].cls == "group"]
    assert len(groups) == 1 and "RMSprop" in groups[0][0].text  # ELM ran degree 3 only: node's, not Table 4's
    by_label = {r[0].text: r for r in t.rows if r[0].cls != "group"}
    assert list(by_label) == ["static", "legendre d=4", "legendre d=5"]
    assert by_label["legendre d=4"][1].text == "1,260"
    diff = pd.Series([-0.5, -0.5, -1.0])
    half = stats.t.ppf(0.975, 2) * diff.std() / math.sqrt(3)
    delta = by_label["legendre d=4"][3].text
    assert delta == f"-0.667 [{-2 / 3 - half:.3g}, +{-2 / 3 + half:.3g}] (n=3)"
    assert by_label["legendre d=5"][2].flag == "1/1 diverged"
    assert by_label["legendre d=4"][7].text == "80 / 40"
    assert "1260 parameters [C-rev]" in by_label["legendre d=4"][-1].text
    assert "8.2132" in by_label["static"][-1].text
