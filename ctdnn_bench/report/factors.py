"""Factor analysis of the ``factorial`` experiment: why is Legendre better than monomials?

The factorial (:func:`ctdnn_bench.experiments.factorial`) crosses basis {monomial, Legendre, Chebyshev}, time domain
{raw [0, T], unit [0, 1], symmetric [-1, 1]}, regularizer {coefficients, L2-in-time} and learning rate {one for
all, ``lr T^-k`` per coefficient}, the last only on raw time (elsewhere it is the identity, so those cells are the
``none`` runs). Per task (data set, architecture, T, budget) and seed, every effect is a *contrast*: a weighted sum
of cell means of a per-run outcome, paired by seed; its mean over seeds gets the bootstrap CI of
:func:`ctdnn_bench.report.paired.mean_ci` (95%, BCa, 2,000 resamples; no CI under 5 seeds).

Outcomes: log test error (a diverged run gets the error :data:`FAIL_ERROR`, or the task's worst if larger; effects
are shown as ratios), failure (diverged or stalled against the linear baseline/best variant; effects are
differences of failed fractions) and log of the peak function-space gradient norm (``grad_norm_fs_max``: with
respect to the step weights, comparable across bases).

Effects:

- *main effects*, each averaged over the levels of the other factors where the design is complete: time scaling
  (raw - unit domain), centering (unit - symmetric), orthogonality (monomial - Legendre, and monomial - Chebyshev,
  on [-1, 1], where both are orthogonal), regularizer (coefficients - L2-in-time), learning rate (one lr - lr T^-k,
  on raw time);
- *interactions*, differences of an effect between two levels of another factor;
- *the gap path*: the Table-2 gap, monomial on [0, T] vs Legendre on [-1, 1] (both with the coefficient
  regularizer and one learning rate), split into steps that change one factor at a time: learning rate, regularizer,
  what is left of the time scaling (initialization), centering, orthogonality, and the regularizer again at
  Legendre. The steps add up to the gap exactly (per seed), so "which factor explains the gap" is the step with the
  largest share. The order of the path is a choice; the main effects and interactions show how much it matters.

Nothing here imports torch.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctdnn_bench.report.paired import Effect, mean_ci

BASES = ("monomial", "legendre", "chebyshev")
DOMAINS = ("raw", "unit", "symmetric")
REGS = ("coefficients", "l2_time")
LRS = ("none", "unit_time")
FAIL_ERROR = 1.0  # as claims.FAIL_ERROR: predicting zero has relative error 1
#: outcome -> (column of :func:`factorial_runs`, "ratio" (log scale) or "difference")
OUTCOMES: dict[str, tuple[str, str]] = {
    "test error": ("log_err", "ratio"),
    "failure rate": ("fail", "difference"),
    "peak function-space gradient norm": ("log_gfs", "ratio"),
}
SETTING_COLUMNS = ("dataset", "architecture", "T", "degree", "n_steps", "optimizer", "lr", "epochs")

Cell = tuple[str, str, str, str]  # (basis, domain, regularizer, lr_scaling)


def cells(
    basis: Sequence[str] = BASES,
    domain: Sequence[str] = DOMAINS,
    reg: Sequence[str] = REGS,
    lr: Sequence[str] = ("none",),
) -> list[Cell]:
    """The cells of the product of the given levels."""
    return list(itertools.product(basis, domain, reg, lr))


@dataclass(frozen=True)
class Contrast:
    """``sum_i weight_i * mean(outcome over cells_i)``, per seed."""

    name: str
    group: str  # "main", "interaction" or "gap path"
    terms: tuple[tuple[float, tuple[Cell, ...]], ...]


def _diff(name: str, group: str, a: list[Cell], b: list[Cell]) -> Contrast:
    return Contrast(name, group, ((1.0, tuple(a)), (-1.0, tuple(b))))


def _interaction(name: str, a1: list[Cell], b1: list[Cell], a2: list[Cell], b2: list[Cell]) -> Contrast:
    """(a1 - b1) - (a2 - b2)."""
    return Contrast(name, "interaction", ((1.0, tuple(a1)), (-1.0, tuple(b1)), (-1.0, tuple(a2)), (1.0, tuple(b2))))


MON, LEG, CHE = ("monomial",), ("legendre",), ("chebyshev",)
RAW, UNIT, SYM = ("raw",), ("unit",), ("symmetric",)
COEF, L2T = ("coefficients",), ("l2_time",)
MATCHED = ("unit_time",)

#: the gap path from the paper's monomial (on [0, T]) to its Legendre (on [-1, 1]), one factor per step
GAP_PATH: tuple[tuple[str, Cell], ...] = (
    ("monomial [0,T]", ("monomial", "raw", "coefficients", "none")),
    ("learning rate (one lr -> lr T^-k)", ("monomial", "raw", "coefficients", "unit_time")),
    ("regularizer (coefficients -> L2-in-time)", ("monomial", "raw", "l2_time", "unit_time")),
    ("time scaling left (raw -> [0,1], lr and regularizer matched)", ("monomial", "unit", "l2_time", "none")),
    ("centering ([0,1] -> [-1,1])", ("monomial", "symmetric", "l2_time", "none")),
    ("orthogonality (monomial -> Legendre on [-1,1])", ("legendre", "symmetric", "l2_time", "none")),
    ("regularizer at Legendre (L2-in-time -> coefficients)", ("legendre", "symmetric", "coefficients", "none")),
)
GAP = "gap: monomial [0,T] / Legendre [-1,1]"


def _main_effects() -> list[Contrast]:
    """Each factor's effect, averaged over the other factors."""
    return [
        _diff("time scaling (raw [0,T] - unit [0,1])", "main", cells(domain=RAW), cells(domain=UNIT)),
        _diff("centering ([0,1] - [-1,1])", "main", cells(domain=UNIT), cells(domain=SYM)),
        _diff(
            "orthogonality (monomial - Legendre, on [-1,1])",
            "main",
            cells(basis=MON, domain=SYM),
            cells(basis=LEG, domain=SYM),
        ),
        _diff(
            "orthogonality (monomial - Chebyshev, on [-1,1])",
            "main",
            cells(basis=MON, domain=SYM),
            cells(basis=CHE, domain=SYM),
        ),
        _diff("regularizer (coefficients - L2-in-time)", "main", cells(reg=COEF), cells(reg=L2T)),
        _diff("learning rate (one lr - lr T^-k, on [0,T])", "main", cells(domain=RAW), cells(domain=RAW, lr=MATCHED)),
    ]


def _interactions() -> list[Contrast]:
    """How much one factor's effect changes with another."""
    return [
        _interaction(
            "time scaling x regularizer (coefficients - L2-in-time)",
            cells(domain=RAW, reg=COEF),
            cells(domain=UNIT, reg=COEF),
            cells(domain=RAW, reg=L2T),
            cells(domain=UNIT, reg=L2T),
        ),
        _interaction(
            "time scaling x basis (monomial - Legendre)",
            cells(basis=MON, domain=RAW),
            cells(basis=MON, domain=UNIT),
            cells(basis=LEG, domain=RAW),
            cells(basis=LEG, domain=UNIT),
        ),
        _interaction(
            "orthogonality x regularizer (coefficients - L2-in-time)",
            cells(basis=MON, domain=SYM, reg=COEF),
            cells(basis=LEG, domain=SYM, reg=COEF),
            cells(basis=MON, domain=SYM, reg=L2T),
            cells(basis=LEG, domain=SYM, reg=L2T),
        ),
        _interaction(
            "learning rate x regularizer (coefficients - L2-in-time)",
            cells(domain=RAW, reg=COEF),
            cells(domain=RAW, reg=COEF, lr=MATCHED),
            cells(domain=RAW, reg=L2T),
            cells(domain=RAW, reg=L2T, lr=MATCHED),
        ),
    ]


def contrasts() -> list[Contrast]:
    """Every effect the analysis reports (see the module docstring): main effects, interactions, the gap and the
    steps of the gap path."""
    gap = [_diff(GAP, "gap path", [GAP_PATH[0][1]], [GAP_PATH[-1][1]])]
    steps = [_diff(step, "gap path", [a], [b]) for (_, a), (step, b) in itertools.pairwise(GAP_PATH)]
    return [*_main_effects(), *_interactions(), *gap, *steps]


def has_factorial(table: pd.DataFrame) -> bool:
    """True if the table holds runs only the factorial makes (L2-in-time regularizer or per-coefficient lr)."""
    if table.empty or "regularizer" not in table or "lr_scaling" not in table:
        return False
    return bool((table["regularizer"] == "l2_time").any() or (table["lr_scaling"] == "unit_time").any())


def factorial_runs(table: pd.DataFrame) -> pd.DataFrame:
    """The runs of the factorial's cells with ``setting`` (a task name), ``cell`` and the outcome columns
    ``log_err``, ``fail``, ``log_gfs``; cells whose lr treatment is the identity (non-raw domains) count as ``none``."""
    need = {"basis", "domain", "regularizer", "lr_scaling", "seed_init", "status", "test_rel_err", *SETTING_COLUMNS}
    if table.empty or not need <= set(table.columns):
        return pd.DataFrame()
    df = table[table["basis"].isin(BASES) & table["domain"].isin(DOMAINS)].copy()
    if df.empty:
        return df
    df.loc[df["domain"] != "raw", "lr_scaling"] = "none"
    df["setting"] = [
        f"{r.dataset} {r.architecture} T={float(r.T):g} d={int(r.degree)} ({int(r.epochs)} epochs)"
        for r in df.itertuples()
    ]
    df["cell"] = list(zip(df["basis"], df["domain"], df["regularizer"], df["lr_scaling"], strict=True))
    failed = df["failed"].astype(bool) if "failed" in df else df["status"] != "ok"
    err = pd.to_numeric(df["test_rel_err"], errors="coerce")
    diverged = (df["status"] != "ok") | ~np.isfinite(err)
    worst = err[~diverged].groupby(df["setting"]).max().reindex(df["setting"]).to_numpy()
    fill = np.fmax(FAIL_ERROR, np.nan_to_num(worst, nan=FAIL_ERROR))
    df["log_err"] = np.log(np.where(diverged, fill, err))
    df["fail"] = failed.astype(float)
    gfs = pd.to_numeric(df["grad_fs_peak"], errors="coerce") if "grad_fs_peak" in df else np.nan
    df["log_gfs"] = np.log(np.where(np.asarray(gfs) > 0, gfs, np.nan))
    return df


def _per_seed(wide: pd.DataFrame, contrast: Contrast) -> np.ndarray:
    """The contrast's value per seed (NaN where a seed lacks one of its cells)."""
    total = np.zeros(len(wide))
    for weight, group in contrast.terms:
        if not all(c in wide.columns for c in group):
            return np.full(len(wide), np.nan)
        total = total + weight * wide[list(group)].to_numpy(dtype=float).mean(axis=1)
    return total


def factor_effects(table: pd.DataFrame, outcomes: Sequence[str] = tuple(OUTCOMES)) -> pd.DataFrame:
    """One row per setting, outcome (of ``outcomes``, keys of :data:`OUTCOMES`) and contrast: ``setting``,
    ``outcome``, ``kind``, ``group``, ``effect``, ``n`` (paired seeds), ``mean``, ``low``, ``high`` (on the log
    scale for ratios), ``text``."""
    runs = factorial_runs(table)
    rows: list[dict[str, object]] = []
    if runs.empty:
        return pd.DataFrame(rows)
    for setting, g in runs.groupby("setting", sort=True):
        if not (g["regularizer"] == "l2_time").any():
            continue  # a Table-2 task without factorial runs
        for outcome in outcomes:
            column, kind = OUTCOMES[outcome]
            wide = g.pivot_table(index="seed_init", columns="cell", values=column, aggfunc="first")
            for c in contrasts():
                values = _per_seed(wide, c)
                eff = mean_ci(values)
                if eff.n == 0:
                    continue
                rows.append(
                    {
                        "setting": setting,
                        "outcome": outcome,
                        "kind": kind,
                        "group": c.group,
                        "effect": c.name,
                        "n": eff.n,
                        "mean": eff.mean,
                        "low": eff.low,
                        "high": eff.high,
                        "text": eff.text(ratio=kind == "ratio"),
                    }
                )
    return pd.DataFrame(rows)


def _excludes_zero(r: pd.Series) -> bool:
    return bool(np.isfinite(r["low"]) and (r["low"] > 0 or r["high"] < 0))


def gap_sentences(effects: pd.DataFrame, outcome: str = "test error") -> list[str]:
    """One plain sentence per setting: the monomial-vs-Legendre gap in ``outcome`` and the step of the gap path
    that explains most of it."""
    out: list[str] = []
    if effects.empty:
        return out
    sel = effects[(effects["outcome"] == outcome) & (effects["group"] == "gap path")]
    for setting, g in sel.groupby("setting", sort=True):
        gap = g[g["effect"] == GAP]
        steps = g[g["effect"] != GAP]
        if gap.empty or steps.empty:
            continue
        gr = gap.iloc[0]
        ratio = gr["kind"] == "ratio"
        # the step with the largest share in the direction of the gap (or the largest in size if the gap is ~0)
        sign = 1.0 if gr["mean"] >= 0 else -1.0
        top = steps.loc[(steps["mean"] * sign).idxmax()]
        share = top["mean"] / gr["mean"] if gr["mean"] else math.nan
        if not np.isfinite(top["low"]):
            sure = "too few seeds for a CI"
        else:
            sure = "its CI rules out no effect" if _excludes_zero(top) else "its CI does not rule out no effect"
        what = "ratio" if ratio else "difference"
        direction = "worse" if gr["mean"] > 0 else "better"
        out.append(
            f"{setting}: the monomial on [0, T] is {direction} than Legendre on [-1, 1] in {outcome} by "
            f"{gr['text']} ({what} monomial/Legendre); the step explaining most of it is {top['effect']}, "
            f"{top['text']} ({share:.0%} of the gap on the log scale; {sure})."
        )
    return out


def equilibrated_conditions(
    conditioning: pd.DataFrame, degree: int = 3, final_times: Sequence[float] = (5.0, 10.0)
) -> pd.DataFrame:
    """Condition numbers of the basis matrix of every factorial basis and domain, raw and after column equilibration,
    from the stored conditioning table (``results/conditioning.json``): what scaling alone explains."""
    need = {"basis", "domain", "degree", "T", "cond_matrix", "cond_equilibrated"}
    if conditioning.empty or not need <= set(conditioning.columns):
        raise ValueError("no equilibrated condition numbers stored: run `ctdnn-bench run conditioning`")
    df = conditioning[
        conditioning["basis"].isin(BASES)
        & conditioning["domain"].isin(DOMAINS)
        & (conditioning["degree"] == degree)
        & conditioning["T"].isin(final_times)
    ]
    return df[["T", "basis", "domain", "cond_matrix", "cond_equilibrated"]].rename(
        columns={"cond_matrix": "cond(A)", "cond_equilibrated": "cond(A), columns equilibrated"}
    )


def effect_for(effects: pd.DataFrame, setting: str, outcome: str, name: str) -> Effect | None:
    """The effect ``name`` of one setting and outcome as an :class:`~ctdnn_bench.report.paired.Effect`."""
    sel = effects[(effects["setting"] == setting) & (effects["outcome"] == outcome) & (effects["effect"] == name)]
    if sel.empty:
        return None
    r = sel.iloc[0]
    return Effect(int(r["n"]), float(r["mean"]), float(r["low"]), float(r["high"]), "bootstrap")
