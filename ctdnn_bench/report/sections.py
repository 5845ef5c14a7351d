"""The report's sections: one builder per section, each returning a :class:`~ctdnn_bench.report.view.Section`.

A builder reads stored results only (see :mod:`ctdnn_bench.report.inputs`); a figure that fails to draw leaves a
note (:func:`ctdnn_bench.report.view.safe`).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ctdnn_bench.report import claims as cl
from ctdnn_bench.report import factors as fa
from ctdnn_bench.report import figures as fg
from ctdnn_bench.report import table4 as t4
from ctdnn_bench.report import tables as tb
from ctdnn_bench.report.evidence import FLAT_REL, FLAT_TAIL, MIN_SEEDS, PAPER_BUDGET
from ctdnn_bench.report.inputs import Conditioning, Inputs, Runs, WorkPrecision, latest_benchmarks
from ctdnn_bench.report.paired import ALPHA, N_RESAMPLES
from ctdnn_bench.report.view import Details, Section, add_figure, safe, svg_figure

DATASET_ORDER = {"spiral": -1, "elm": 0, "cdr": 1, "dcr": 2}
OTHER_BASES = ("monomial", "legendre", "chebyshev", "fourier", "piecewise_linear", "piecewise_constant")


def _values(df: pd.DataFrame, col: str) -> list[Any]:
    if col not in df:
        return []
    vals = df[col].dropna().unique().tolist()
    return sorted(vals, key=lambda v: (str(type(v)), v))


def _num(v: Any) -> str:
    return f"{v:g}" if isinstance(v, int | float) else str(v)


def describe_runs(df: pd.DataFrame) -> str:
    """One sentence saying what a set of runs was: data set, profile, seeds, budget, optimizer, T, tolerances."""
    if df.empty:
        return "no runs"
    parts = [f"data set {', '.join(tb.dataset_name(g) for _, g in df.groupby('dataset'))}"]
    profiles = [p or "custom" for p in _values(df, "profile")]
    parts.append(f"profile {', '.join(profiles) or 'custom'}")
    parts.append(f"seeds {', '.join(str(int(s)) for s in _values(df, 'seed_init'))}")
    gn = df[df["optimizer"] == "gnvpro"] if "optimizer" in df else df.iloc[:0]
    mb = df.drop(index=gn.index)  # minibatch optimizers
    iters = [int(i) for i in _values(mb, "iterations_cfg") if i]
    if not mb.empty and (mb["architecture"] == "node").all() and iters:
        parts.append(f"{', '.join(map(str, iters))} iterations")
    elif not mb.empty:
        parts.append(f"{', '.join(str(int(e)) for e in _values(mb, 'epochs'))} epochs")
    if not mb.empty:
        names = "/".join(t4.optimizer_name(o) for o in _values(mb, "optimizer"))
        parts.append(f"{names} lr {'/'.join(_num(x) for x in _values(mb, 'lr'))}")
    if not gn.empty:
        budgets = sorted({tb.budget_of(g) for _, g in gn.groupby("task")})
        parts.append(f"gnvpro (full batch) {'/'.join(budgets)}")
    parts.append(f"T = {', '.join(_num(t) for t in _values(df, 'T'))}")
    if (df["architecture"] == "node").any():
        node = df[df["architecture"] == "node"]
        adj = "adjoint (OTD)" if node["adjoint"].all() else "backprop through the solver"
        parts.append(
            f"{'/'.join(_values(node, 'method'))}, rtol {'/'.join(_num(x) for x in _values(node, 'rtol'))}, "
            f"atol {'/'.join(_num(x) for x in _values(node, 'atol'))}, {adj}"
        )
    else:
        parts.append(f"fixed grid, {'/'.join(str(int(n)) for n in _values(df, 'n_steps'))} steps")
    return "; ".join(parts) + "."


def _pick_task(df: pd.DataFrame) -> pd.DataFrame:
    """The runs of the task with the most records (a store may hold the same setting with other budgets)."""
    if df.empty:
        return df
    best = df["task"].value_counts().idxmax()
    return df[df["task"] == best]


def _histories(runs: Runs, df: pd.DataFrame, labels: tuple[str, ...] | list[str]) -> dict[str, list[pd.DataFrame]]:
    out: dict[str, list[pd.DataFrame]] = {}
    for lab in labels:
        keys = df.loc[df["label"] == lab, "key"].tolist()
        frames = [runs.history(k) for k in keys]
        if frames:
            out[lab] = frames
    return out


def _dto(table: pd.DataFrame, optimizer: str | None = None) -> pd.DataFrame:
    """The Table-2 runs (ResNet, Hamiltonian), of one optimizer if given (records without the column are ADAM)."""
    if table.empty or "architecture" not in table:
        return pd.DataFrame()
    dto = table[table["architecture"].isin(cl.DTO_ARCHS) & table["label"].isin(tb.DTO_LABELS)]
    if optimizer is not None:
        dto = dto[(dto["optimizer"] if "optimizer" in dto else pd.Series("adam", index=dto.index)) == optimizer]
    return dto


def _curve_t(dto: pd.DataFrame) -> float:
    ts = sorted(dto["T"].unique())
    return 1.0 if 1.0 in ts else float(ts[0])


# ------------------------------------------------------------------------------------------------ sections


def section_claims(claims: list[cl.Claim]) -> Section:
    """The claims C1-C6 with rule, numbers and verdict (rendered by the template from ``claims``)."""
    return Section(
        "claims",
        "Claims and verdicts",
        intro=[
            "Each verdict is computed by the function named after the claim in ctdnn_bench/report/claims.py from "
            "the run table (and the conditioning table for C5). Runs are compared like for like: same data set, "
            "architecture, T, tolerances, optimizer and budget, paired by seed. 'monomial d=3' is the paper's "
            "monomial: on [0, T] in Table 2 (the authors' MATLAB), on [0, 1] in the neural-ODE runs (their revised "
            "Python); the next section separates time scaling from orthogonality.",
            f"Evidence gate (before any test): at least {MIN_SEEDS} seeds on which every compared variant has a "
            "record; for claims about final accuracy or convergence, every run finished (diverged, stopped early, "
            f"best validation error over the last {FLAT_TAIL:.0%} of evaluations improved by less than "
            f"{FLAT_REL:.0%}, or the paper's full budget of {PAPER_BUDGET['epochs']:,} epochs / "
            f"{PAPER_BUDGET['iterations']:,} iterations); real data (the generated DCR stand-in is shown but never "
            "decides; the toy spiral task decides only the neural-ODE claims C1 and C2). Tests: paired effects with "
            f"95% bootstrap CIs ({N_RESAMPLES:,} resamples, fixed seed), one-sided tests with Holm's correction "
            f"across tasks at {ALPHA:g}, Clopper-Pearson intervals and exact McNemar tests for failure counts; "
            "diverged and budget-hit runs are kept (censored or counted as failures), never dropped. Stability and "
            "gradient measures are taken with respect to the weights the network uses, not the basis coefficients, "
            "whose scale depends on the basis.",
        ],
    )


def section_attribution(table: pd.DataFrame) -> Section:
    """Time scaling vs orthogonality, computed from the three monomial/Legendre variants."""
    s = Section(
        "attribution",
        "Time scaling or orthogonality?",
        intro=[
            "The authors' MATLAB monomials live on [0, T] while their Legendre polynomials live on [-1, 1], so two "
            "effects are confounded. Here monomial on [0, T], monomial on [0, 1] and Legendre are compared on the "
            "same tasks and seeds: the factor raw/unit is the effect of time scaling alone, unit/Legendre the effect "
            "of orthogonality at equal scaling (a factor >= 1.25 either way counts as an effect). Table 2 rows with "
            "T = 1 are left out (there [0, T] = [0, 1]); for neural ODEs the raw variant is the spiral task on "
            "[0, 25].",
        ],
    )
    attr = cl.scaling_vs_orthogonality(table)
    s.intro.append(cl.attribution_summary(attr))
    if not attr.empty:
        order = {"elm": 0, "cdr": 1, "dcr": 2, "spiral": 3}

        def key(setting: str) -> tuple[int, str, float]:
            words = setting.split()
            big_t = float(words[-1][2:]) if words[-1].startswith("T=") else 0.0
            return order.get(words[0], 9), " ".join(words[1:-1]), big_t

        attr = attr.assign(_o=attr["setting"].map(key)).sort_values("_o", kind="stable")
        s.tables += tb.attribution_tables(attr.drop(columns="_o"))
    return s


FACTORS_TITLE = "Why does Legendre help? Scaling, centering, orthogonality, learning rate and regularizer"


def section_factors(effects: pd.DataFrame, cond: Conditioning) -> Section:
    """The factorial experiment's factor analysis (replaces :func:`section_attribution` when factorial runs exist)."""
    s = Section(
        "attribution",
        FACTORS_TITLE,
        intro=[
            "The factorial experiment (ctdnn-bench run factorial) crosses basis (monomial, Legendre, Chebyshev), time "
            "domain (raw [0, T], unit [0, 1], symmetric [-1, 1]), regularizer (alpha1/2 ||coefficients||^2, or the "
            "paper's L2-in-time norm alpha1/2 int_0^T ||theta(t)||^2 dt, the same for every basis) and learning rate "
            "(one for all, or lr T^-k for coefficient k on raw time, which makes Adam on raw-time monomials step like "
            "Adam on unit-time monomials). Effects are contrasts of cell means paired by seed, with 95% bootstrap "
            f"CIs ({N_RESAMPLES:,} resamples; none under {MIN_SEEDS} seeds): log test error (diverged runs get error "
            "1; shown as ratios), failure rate (differences of failed fractions) and the peak gradient norm with "
            "respect to the step weights (ratios). Main effects average over the other factors; the learning-rate "
            "effect is read on raw time only (elsewhere the treatment is the identity). The gap path splits the "
            "Table-2 gap, monomial on [0, T] vs Legendre on [-1, 1], into steps that change one factor each and add "
            "up to the gap; the order of the path is a choice, the main effects show how much it matters. See "
            "ctdnn_bench/report/factors.py.",
        ],
    )
    sentences = fa.gap_sentences(effects)
    s.intro += sentences or ["No task has every cell of the gap path with matched seeds."]
    if not effects.empty:
        for outcome, g in effects.groupby("outcome", sort=False):
            wide = g.pivot_table(
                index=["group", "effect"], columns="setting", values="text", aggfunc="first", sort=False
            )
            wide = wide.reset_index()
            s.tables.append(
                tb.frame_table(
                    wide,
                    f"factors-{str(outcome).split()[0]}",
                    f"{outcome}: effects per task (mean over seeds [95% CI] (n))",
                )
            )
    safe(
        s,
        "condition numbers",
        lambda: s.tables.append(
            tb.frame_table(
                fa.equilibrated_conditions(cond.table),
                "factors-conditioning",
                "Condition numbers of the basis matrix (d = 3, the paper's 12-point grid), raw and after column "
                "equilibration (each column scaled to unit norm): equilibration removes any diagonal scaling of the "
                "coefficients, i.e. what the learning-rate treatment undoes; what is left is centering and "
                "orthogonality.",
            )
        ),
    )
    return s


def section_bases(cond: Conditioning) -> Section:
    """Figure 1: the basis functions on [0, 1]."""
    s = Section(
        "bases",
        "Time bases",
        intro=[
            "theta(t) = sum_k p_k(t) theta_k: every weight is a combination of the same d + 1 functions of time. "
            "Monomials t^k crowd together near t = 1 (nearly parallel columns, hence the ill-conditioning below); "
            "shifted Legendre polynomials P_k(2t - 1) are orthogonal on [0, 1]."
        ],
    )

    if not cond.bases:
        s.notes.append("No basis values in results/conditioning.json: run `ctdnn-bench run conditioning`.")
        return s
    t, values = cond.bases["t"], cond.bases["values"]

    def draw() -> Any:
        fig, axes = fg.new_figure(2, 3, width=10.5, height=2.8)
        for i, (ax, name) in enumerate(zip(axes.flat, OTHER_BASES, strict=True)):
            fg.plot_basis(ax, name, t, values[name], legend=i == 0)
        return fig

    add_figure(
        s,
        "the basis figure",
        "fig-bases",
        "The six time bases of ctdnn_bench at degree 3 (four functions p_0..p_3 each, darker = higher "
        "index) on [0, 1], evaluated directly (no training). Monomial and Legendre are the paper's "
        "Figure 1; piecewise_constant with one cell per step is the paper's unconstrained model.",
        draw,
    )
    return s


def section_conditioning(cond: Conditioning) -> Section:
    """Figure 2 and the conditioning table."""
    s = Section(
        "conditioning",
        "Conditioning of the bases",
        intro=[
            "Basis matrix A[j, k] = p_k(t_j) on the paper's grid t_j = linspace(0, T, 12) (the Vandermonde matrix "
            "for monomials) and L2 Gram matrix M = int p_j p_k dt on [0, T] (the Hessian of the weight regularizer)."
        ],
    )
    wide = cond.curves
    if not wide.empty:

        def draw() -> Any:
            fig, axes = fg.new_figure(1, 2, width=10.5, height=3.8)
            fg.plot_conditioning(axes[0, 0], wide, "cond_matrix", title="basis matrix A (12 grid points)")
            fg.plot_conditioning(axes[0, 1], wide, "cond_gram", title="Gram matrix on [0, T]")
            axes[0, 1].legend(frameon=False, fontsize=7, loc="upper left")
            return fig

        add_figure(
            s,
            "the conditioning figure",
            "fig-conditioning",
            "2-norm condition numbers vs degree, computed by ctdnn_bench.conditioning (exact, "
            "no training). Monomial on [0, T] is drawn for T = 1 (solid), 5 (dashed) and 10 (dotted); the "
            "other bases do not depend on T. Values beyond about 1e16 are limited by float64 round-off.",
            draw,
        )
    t = tb.conditioning_html(cond.table)
    if t is None:
        s.notes.append("No conditioning results under results/: run `ctdnn-bench run conditioning`.")
    else:
        t.caption += " (from results/conditioning.json)"
        s.tables.append(t)
    return s


def section_curves(runs: Runs, table: pd.DataFrame) -> list[Section]:
    """Figures 3 and 4: error curves per basis and across Legendre degrees."""
    curves = Section(
        "training-curves",
        "Training and validation error: monomial vs Legendre vs unconstrained",
        intro=["The paper's Figures 2-3: error during training, per data set and architecture, at T = 1."],
    )
    degrees = Section(
        "degrees",
        "Validation error across Legendre degrees",
        intro=["The paper's Figures 4-5: validation error during training for Legendre d = 3, 4, 5, 6."],
    )
    dto = _dto(table, "adam")  # epoch histories; GNvpro's iterations are drawn against work units (Table 2)
    if dto.empty:
        for s in (curves, degrees):
            s.notes.append("No Table-2 (ResNet / Hamiltonian) runs in the results store: run `ctdnn-bench run table2`.")
        return [curves, degrees]
    big_t = _curve_t(dto)
    specs = (
        (curves, ("monomial d=3", "legendre d=3", "none"), None, "fig-curves"),
        (degrees, ("legendre d=3", "legendre d=4", "legendre d=5", "legendre d=6"), {"val_rel_err": "-"}, "fig-deg"),
    )
    for section, labels, columns, prefix in specs:
        at_t = dto[dto["T"] == big_t]
        for ds in sorted(at_t["dataset"].unique(), key=lambda d: (DATASET_ORDER.get(d, 9), d)):
            g = at_t[at_t["dataset"] == ds]
            parts = {arch: _pick_task(g[g["architecture"] == arch]) for arch in cl.DTO_ARCHS}
            parts = {a: p for a, p in parts.items() if not p.empty}
            used = pd.concat([p[p["label"].isin(labels)] for p in parts.values()])
            if used.empty:
                continue

            short = tb.dataset_name(used, short=True)

            def draw(
                parts: dict[str, pd.DataFrame] = parts,
                labels: tuple[str, ...] = labels,
                cols: Any = columns,
                short: str = short,
            ) -> Any:
                fig, axes = fg.new_figure(1, len(parts), width=10.5, height=3.4)
                for ax, (arch, p) in zip(axes.flat, parts.items(), strict=True):
                    fg.plot_error_curves(
                        ax,
                        _histories(runs, p, labels),
                        x="epoch",
                        columns=cols,
                        title=f"{short}: {arch}, T = {big_t:g}",
                    )
                return fig

            name = tb.dataset_name(used)
            what = "train (dashed) and validation (solid) error" if columns is None else "validation error"
            caption = (
                f"{name}: {what} vs epoch; line = mean over seeds, band = min-max over seeds. Runs: "
                f"{describe_runs(used)}"
            )
            add_figure(section, f"the {name} curves", f"{prefix}-{ds}", caption, draw)
    return [curves, degrees]


def section_node(runs: Runs, table: pd.DataFrame) -> Section:
    """Figure 5 and the neural-ODE table."""
    s = Section(
        "neural-ode",
        "Neural ODE: error vs function evaluations",
        intro=[
            "The paper's Figure 6: error against the cumulative number of vector-field evaluations spent in "
            "training (forward solves plus adjoint solves), and the totals per basis."
        ],
    )
    node = table[table["architecture"] == "node"] if "architecture" in table else pd.DataFrame()
    if node.empty:
        s.notes.append("No neural-ODE runs in the results store: run `ctdnn-bench run node`.")
        return s
    for _task, g in sorted(node.groupby("task"), key=lambda kg: tb.node_order(kg[1])):
        labels = [lab for lab in tb.NODE_LABELS if lab in set(g["label"])]
        name, short = tb.dataset_name(g), tb.dataset_name(g, short=True)

        def draw(g: pd.DataFrame = g, labels: list[str] = labels, short: str = short) -> Any:
            fig, axes = fg.new_figure(1, 3, width=10.5, height=3.3)
            hist = _histories(runs, g, labels)
            fg.plot_error_vs_nfe(axes[0, 0], hist, column="train_rel_err", title=f"{short}: train")
            fg.plot_error_vs_nfe(axes[0, 1], hist, column="val_rel_err", title=f"{short}: validation")
            nfe = g.groupby("label")[["nfe_forward_train", "nfe_backward_train"]].mean()
            nfe = nfe.reindex([lab for lab in labels if lab in nfe.index])
            n_div = g[g["status"] != "ok"].groupby("label").size()
            nfe.index = pd.Index([f"{lab} ({n_div[lab]} diverged)" if lab in n_div else lab for lab in nfe.index])
            nfe.columns = pd.Index(["forward", "backward"])
            fg.plot_nfe_bars(axes[0, 2], nfe, title="cumulative training NFE")
            return fig

        caption = (
            f"{name}: train and validation relative error vs cumulative training NFE (one line per seed, one point "
            "per evaluation), and the mean cumulative forward / backward NFE per variant (diverged runs counted up to "
            f"their divergence). Runs: {describe_runs(g)}"
        )
        add_figure(s, f"the {name} NFE figure", f"fig-node-{g['dataset'].iloc[0]}", caption, draw)
    t = tb.node_table(table)
    if t is not None:
        s.tables.append(t)
    return s


def section_table4(table: pd.DataFrame) -> Section:
    """Table 4: the neural-ODE degree sweep beside the authors' known numbers."""
    s = Section(
        "table4",
        "Table 4: neural ODE by polynomial degree",
        intro=[
            "Static, Legendre and monomial neural ODEs at degrees 3, 4 and 5 (optimize-then-discretize), with the "
            "change in test error against the static neural ODE; the authors' known numbers (paper.md section 8) "
            "stand in the last column with their provenance."
        ],
    )
    t = t4.table4(table)
    if t is None:
        s.notes.append("No neural-ODE degree sweep in the results store: run `ctdnn-bench run table4`.")
        return s
    node = table[(table["architecture"] == "node") & table["label"].isin(t4.TABLE4_LABELS)]
    s.intro.append(f"Runs: {describe_runs(node)}")
    s.tables.append(t)
    return s


def section_table2(runs: Runs, table: pd.DataFrame) -> Section:
    """Table 2 (test errors; train and validation folded away)."""
    s = Section(
        "table2",
        "Table 2: errors by data set, T, architecture and basis",
        intro=[
            "Relative errors of the discretize-then-optimize ResNet (forward Euler), Hamiltonian (Verlet) and "
            "Leapfrog networks, 12 steps on [0, T], trained by ADAM (minibatches) and, as the paper's second column, "
            "by GNvpro (variable projection + trust-region Gauss-Newton-Krylov, full batch). A Gauss-Newton method is "
            "nearly invariant to a linear reparameterization of the weights, so a basis effect seen under ADAM but "
            "not under GNvpro is an optimizer effect."
        ],
    )
    t = tb.table2(table)
    if t is None:
        s.notes.append("No Table-2 runs in the results store: run `ctdnn-bench run table2`.")
        return s
    dto = table[table["architecture"].isin(tb.TABLE2_ARCHS) & table["label"].isin(tb.DTO_LABELS)]
    s.intro.append(f"Runs: {describe_runs(dto)}")
    s.tables.append(t)
    extra = [tb.table2(table, "train_rel_err", "train"), tb.table2(table, "val_rel_err", "validation")]
    s.details.append(Details("Training and validation errors", [x for x in extra if x is not None]))
    _gnvpro_work_figures(s, runs, _dto(table, "gnvpro"))
    return s


def _gnvpro_work_figures(s: Section, runs: Runs, gn: pd.DataFrame) -> None:
    """Per data set: GNvpro's objective against work units, per basis, one panel per architecture (at T = 1)."""
    if gn.empty:
        s.notes.append("No GNvpro runs in the results store: `ctdnn-bench run table2` trains them beside ADAM's.")
        return
    big_t = _curve_t(gn)
    at_t = gn[gn["T"] == big_t]
    labels = ("monomial d=3", "monomial[0,1] d=3", "legendre d=3", "legendre d=6", "none")
    for ds in sorted(at_t["dataset"].unique(), key=lambda d: (DATASET_ORDER.get(d, 9), d)):
        g = at_t[at_t["dataset"] == ds]
        parts = {arch: _pick_task(g[g["architecture"] == arch]) for arch in cl.DTO_ARCHS}
        parts = {a: p for a, p in parts.items() if not p.empty}
        short = tb.dataset_name(g, short=True)

        def draw(parts: dict[str, pd.DataFrame] = parts, short: str = short) -> Any:
            fig, axes = fg.new_figure(1, len(parts), width=10.5, height=3.4)
            for ax, (arch, p) in zip(axes.flat, parts.items(), strict=True):
                fg.plot_objective_vs_work(ax, _histories(runs, p, labels), title=f"{short}: {arch}, T = {big_t:g}")
            return fig

        used = pd.concat(list(parts.values()))
        caption = (
            f"{tb.dataset_name(g)}: GNvpro's objective (half-MSE + alpha1/2 ||theta||^2 + alpha2/2 ||W||^2 with the "
            "ridge decoder W) against the work units spent, one line per seed, colour = basis; flat stretches are "
            f"rejected trust-region steps. Runs: {describe_runs(used)}"
        )
        add_figure(s, f"the {short} GNvpro work figure", f"fig-gnvpro-{ds}", caption, draw)


def section_table3(table: pd.DataFrame) -> Section:
    """Table 3 and Figure 6 (error vs degrees of freedom)."""
    s = Section("table3", "Table 3: error vs degrees of freedom")
    tables = [tb.table3(table, opt) for opt in tb.OPTIMIZER_NAMES]
    s.tables += [t for t in tables if t is not None]
    if not s.tables:
        s.notes.append("No DCR Hamiltonian T = 1 runs in the results store: run `ctdnn-bench run table3`.")
    dto = _dto(table, "adam")  # the figure: ADAM, as the paper's Table 3
    if dto.empty:
        return s
    big_t = _curve_t(dto)
    at_t = dto[dto["T"] == big_t]
    ok = at_t[at_t["status"] == "ok"]
    if ok.empty:
        return s
    points = (
        ok.groupby(["dataset", "label", "architecture"])
        .agg(theta=("theta", "median"), mean=("test_rel_err", "mean"), std=("test_rel_err", "std"))
        .reset_index()
    )
    datasets = sorted(at_t["dataset"].unique(), key=lambda d: (DATASET_ORDER.get(d, 9), d))

    def draw() -> Any:
        fig, axes = fg.new_figure(1, len(datasets), width=10.5, height=3.4)
        for i, (ax, ds) in enumerate(zip(axes.flat, datasets, strict=True)):
            name = tb.dataset_name(at_t[at_t["dataset"] == ds], short=True)
            last = i == len(datasets) - 1
            fg.plot_error_vs_dof(ax, points[points["dataset"] == ds], title=f"{name}, T = {big_t:g}", legend=last)
        return fig

    caption = (
        "Test error (mean ± std over seeds) against the number of weights theta (encoder + dynamics), per variant "
        f"and architecture; grey lines join Legendre d = 3..6. Runs: {describe_runs(at_t)}"
    )
    add_figure(s, "the error-vs-dof figure", "fig-dof", caption, draw)
    return s


def section_harness(bench: pd.DataFrame, wp: WorkPrecision) -> Section:
    """Figure 7: pytest-benchmark times and NFE, and the work-precision diagram."""
    s = Section(
        "harness",
        "Benchmark harness: time and function evaluations per pass",
        intro=[
            "Single forward, backward and adjoint passes timed by the pytest-benchmark suite. Times are noisy on "
            "shared machines (1.0-1.7x between processes); compare them as ratios within one run."
        ],
    )
    if bench.empty:
        s.notes.append(
            "No pytest-benchmark results under results/pytest-benchmark: run the benchmark tests with "
            "--benchmark-json results/pytest-benchmark/<name>.json (or --benchmark-autosave with "
            "--benchmark-storage file://results/pytest-benchmark)."
        )
    else:
        latest = latest_benchmarks(bench)
        nfe_cols = [c for c in latest.columns if c.startswith("nfe") and latest[c].notna().any()]
        files = sorted(latest["file"].unique())
        commits = sorted(c for c in latest["commit"].unique() if c)
        when = f"from {', '.join(files)}" + (f" (commit {', '.join(commits)})" if commits else "")

        def draw_times() -> Any:
            fig, axes = fg.new_figure(1, 1, width=10.5, height=max(2.2, 0.2 * len(latest) + 0.8))
            fg.plot_bench_times(axes[0, 0], latest, title="median time per call")
            return fig

        add_figure(
            s,
            "the benchmark times",
            "fig-bench-time",
            f"Median time per call of each benchmark (whisker: standard deviation), {len(latest)} "
            f"benchmarks, latest result of each, {when}.",
            draw_times,
        )
        if nfe_cols:

            def draw_nfe() -> Any:
                sub = latest.dropna(subset=nfe_cols, how="all")
                fig, axes = fg.new_figure(1, 1, width=10.5, height=max(2.2, 0.2 * len(sub) + 0.8))
                fg.plot_bench_nfe(axes[0, 0], sub, nfe_cols, title="function evaluations per call")
                return fig

            add_figure(
                s,
                "the benchmark NFE",
                "fig-bench-nfe",
                f"Function evaluations per call recorded by the benchmarks ({', '.join(nfe_cols)}; "
                f"deterministic given the seeds), {when}.",
                draw_nfe,
            )
        cols = ["group", "name", "basis", "degree", "phase", "median", "stddev", "rounds", *nfe_cols]
        view = latest[[c for c in cols if c in latest.columns]].copy()
        view["median"] = view["median"] * 1e3
        view["stddev"] = view["stddev"] * 1e3
        view = view.rename(columns={"median": "median (ms)", "stddev": "stddev (ms)"})
        s.details.append(Details("All benchmark numbers", [tb.frame_table(view, "bench-table", "pytest-benchmark")]))

    def add_wp() -> None:
        s.notes += wp.notes
        if wp.notes:
            return
        if wp.rows.empty:
            s.notes.append("The work-precision solves all failed.")
            return
        setup = wp.setup

        def draw() -> Any:
            fig, axes = fg.new_figure(1, 1, width=6.5, height=4.0)
            fg.plot_work_precision(axes[0, 0], wp.rows, title="work-precision, dopri5")
            return fig

        caption = (
            f"Work-precision diagram (results/workprecision.json): a seeded field f(t, u) = tanh(K(t) u + b(t)) (width "
            f"{setup['width']}, degree {setup['degree']}, all coefficients random, seed(s) "
            f"{', '.join(map(str, setup['seeds']))}) on [0, {setup['final_time']:g}], batch of {setup['batch']} "
            f"states, dopri5 at rtol {', '.join(f'{r:.0e}' for r in setup['rtols'])} (atol = rtol x "
            f"{setup['atol_factor']:g}); error at T against a dopri8 reference (rtol 1e-10). Lower-left is better; "
            "points are labelled with rtol."
        )
        s.figures.append(svg_figure("fig-work-precision", caption, draw))

    safe(s, "the work-precision diagram", add_wp)
    return s


def section_asv(asv: pd.DataFrame) -> Section:
    """Figure 8: history of the key asv benchmarks over commits."""
    s = Section("asv-history", "asv: benchmark history over commits")
    if asv.empty:
        s.notes.append("No asv results under results/asv: run `asv run` (results_dir results/asv) to track history.")
        return s
    n_commits = asv.groupby("benchmark")["commit"].nunique()
    multi = n_commits[n_commits >= 2]
    s.intro.append(
        f"{asv['benchmark'].nunique()} benchmarks, {asv['commit'].nunique()} commit(s), machine(s) "
        f"{', '.join(sorted(asv['machine'].unique()))}."
    )
    if multi.empty:
        s.notes.append(
            "asv results exist for one commit only: the history appears once results for several commits exist "
            "(`asv run` on more commits, or `asv continuous`)."
        )
        return s
    # deterministic tracks (NFE, condition numbers) first, then timings; the most-measured first
    ranked = sorted(multi.index, key=lambda b: (".track_" not in f".{b.rsplit('.', 1)[-1]}", -multi[b], b))[:6]

    def draw() -> Any:
        rows = math.ceil(len(ranked) / 2)
        fig, axes = fg.new_figure(rows, 2, width=10.5, height=2.8)
        for ax, bench in zip(axes.flat, ranked, strict=False):
            h = asv[asv["benchmark"] == bench]
            fg.plot_asv_history(ax, h, title=bench, unit=str(h["unit"].iloc[0]))
        for ax in list(axes.flat)[len(ranked) :]:
            ax.set_visible(False)
        return fig

    caption = (
        f"Value per commit (ordered by commit date) of the {len(ranked)} most-tracked benchmarks with results for "
        "two or more commits; deterministic track_* benchmarks first."
    )
    add_figure(s, "the asv history", "fig-asv", caption, draw)
    return s


def section_reference(table: pd.DataFrame) -> Section:
    """The authors' numbers beside ours."""
    s = Section("reference", "The authors' numbers")
    s.intro.append(
        "The v1 paper's result tables could not be read; these are the numbers that are known, each with its "
        "provenance (paper.md section 8)."
    )
    s.tables.append(tb.reference_table(table))
    return s


def section_environment(inputs: Inputs, generated: str, env: dict[str, Any]) -> Section:
    """Versions, machine, profile and date; and the environments recorded in the runs."""
    s = Section("environment", "Environment")
    rows = [[tb.Cell(k), tb.Cell(str(v))] for k, v in env.items()]
    rows += [
        [tb.Cell("profile filter"), tb.Cell(inputs.profile or "none (all records)")],
        [tb.Cell("results directory"), tb.Cell(str(inputs.results_dir))],
        [tb.Cell("generated (UTC)"), tb.Cell(generated)],
    ]
    s.tables.append(tb.HtmlTable("env-report", "This report was rendered with", ["item", "value"], rows))
    recs = list(inputs.runs.records.values())
    if recs:
        envs = pd.DataFrame([r.get("environment") or {} for r in recs])
        rows = [
            [tb.Cell(col), tb.Cell(", ".join(f"{v} ({n})" for v, n in envs[col].astype(str).value_counts().items()))]
            for col in envs.columns
        ]
        starts = sorted(str(r.get("started", "")) for r in recs if r.get("started"))
        if starts:
            rows.append([tb.Cell("runs started"), tb.Cell(f"{starts[0]} to {starts[-1]}")])
        wall = sum(float(r.get("wall_time") or 0.0) for r in recs)
        rows.append([tb.Cell("total wall time of the runs"), tb.Cell(f"{wall / 60:.1f} min")])
        s.tables.append(
            tb.HtmlTable("env-runs", "The runs were made with (value (number of runs))", ["item", "value"], rows)
        )
    return s


def run_counts(table: pd.DataFrame) -> tb.HtmlTable | None:
    """Runs per experiment and data set, with diverged / stalled counts."""
    if table.empty:
        return None
    out = tb.HtmlTable(
        "run-counts",
        "Run records per experiment and data set",
        ["experiment", "data set", "runs", "finished", "diverged", "stalled", "seeds", "budget"],
    )
    for (exp, _ds), g in table.groupby(["experiment", "dataset"], sort=False):
        node = (g["architecture"] == "node").all()
        gn = g[g["optimizer"] == "gnvpro"] if "optimizer" in g else g.iloc[:0]
        mb = g.drop(index=gn.index)
        budget = (
            f"{', '.join(str(int(i)) for i in _values(mb, 'iterations_cfg'))} iterations"
            if node
            else f"{', '.join(str(int(e)) for e in _values(mb, 'epochs'))} epochs"
            if not mb.empty
            else ""
        )
        if not gn.empty:  # GNvpro's budget is in work units
            gn_budgets = ", ".join(sorted({tb.budget_of(t) for _, t in gn.groupby("task")}))
            budget = f"{budget}; GNvpro {gn_budgets}" if budget else f"GNvpro {gn_budgets}"
        n_div = int((g["status"] != "ok").sum())
        stall = "stalled_ref" if "stalled_ref" in g else "stalled"  # against a reference, not the run's epoch 1
        n_stall = int(g.loc[g["status"] == "ok", stall].fillna(False).astype(bool).sum())
        out.rows.append(
            [
                tb.Cell(str(exp)),
                tb.Cell(tb.dataset_name(g), "standin" if tb.dataset_name(g) == tb.STANDIN else ""),
                tb.Cell(str(len(g))),
                tb.Cell(str(len(g) - n_div)),
                tb.Cell(str(n_div), "bad" if n_div else ""),
                tb.Cell(str(n_stall), "bad" if n_stall else ""),
                tb.Cell(", ".join(str(int(s)) for s in _values(g, "seed_init"))),
                tb.Cell(budget),
            ]
        )
    return out
