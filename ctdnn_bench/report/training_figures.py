"""Figure functions for training runs: error curves, error against NFE, GNvpro's objective against work, NFE totals
and error against degrees of freedom.

Like :mod:`ctdnn_bench.report.figures` (whose style, colours and log axes they use), each takes a matplotlib ``Axes``
and data (training histories as DataFrames with one row per evaluation), draws on it and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ctdnn_bench.report.figures import color, log_if_wide, readable_log


def _mean_band(frames: Sequence[pd.DataFrame], x: str, y: str) -> pd.DataFrame:
    stacked = pd.concat([f[[x, y]] for f in frames if x in f and y in f and len(f)], ignore_index=True)
    if stacked.empty:
        return stacked
    return stacked.groupby(x)[y].agg(["mean", "min", "max", "count"]).reset_index()


def plot_error_curves(
    ax: Axes,
    histories: Mapping[str, Sequence[pd.DataFrame]],
    *,
    x: str = "epoch",
    columns: Mapping[str, str] | None = None,
    title: str = "",
    logy: bool = True,
) -> Axes:
    """Error vs epoch per variant: mean over seeds (line) and min-max band.

    Args:
        histories: variant label -> one history DataFrame per seed.
        x: the x column (``epoch`` or ``iteration``).
        columns: y column -> line style; default train error dashed, validation error solid.
    """
    columns = columns or {"train_rel_err": "--", "val_rel_err": "-"}
    seen: list[float] = []
    for label, frames in histories.items():
        for col, style in columns.items():
            band = _mean_band(frames, x, col)
            if band.empty:
                continue
            ax.plot(band[x], band["mean"], style, color=color(label), lw=1.4, marker="o" if len(band) < 3 else None)
            seen += [*band["min"], *band["max"]]
            if band["count"].max() > 1:
                ax.fill_between(band[x], band["min"], band["max"], color=color(label), alpha=0.15, lw=0)
    handles = [mpl.lines.Line2D([], [], color=color(lab), lw=2, label=lab) for lab in histories]
    handles += [mpl.lines.Line2D([], [], color="0.3", ls=s, label=_nice(c)) for c, s in columns.items()]
    ax.legend(handles=handles, frameon=True, framealpha=0.85, ncols=1)
    if logy:
        log_if_wide(ax, seen)
    ax.set_xlabel(x)
    ax.set_ylabel("relative error")
    ax.set_title(title)
    return ax


def _nice(column: str) -> str:
    return {"train_rel_err": "train", "val_rel_err": "validation", "train_loss": "train loss"}.get(column, column)


def plot_error_vs_nfe(
    ax: Axes, histories: Mapping[str, Sequence[pd.DataFrame]], *, column: str = "val_rel_err", title: str = ""
) -> Axes:
    """Error vs cumulative training NFE (forward + backward), one thin line per seed (paper Figure 6)."""
    seen: list[float] = []
    for label, frames in histories.items():
        for i, f in enumerate(frames):
            if column not in f or "cum_nfe_forward" not in f or f.empty:
                continue
            nfe = f["cum_nfe_forward"] + f.get("cum_nfe_backward", 0)
            ax.plot(
                nfe,
                f[column],
                "-",
                marker="o",
                ms=2.5 if len(f) > 3 else 5,
                color=color(label),
                lw=1.2,
                alpha=0.85,
                label=label if i == 0 else None,
            )
            seen += list(f[column])
    log_if_wide(ax, seen)
    ax.set_xlabel("cumulative training NFE (forward + backward)")
    ax.set_ylabel(f"{_nice(column)} relative error")
    ax.xaxis.set_major_formatter(mpl.ticker.EngFormatter(sep=""))
    ax.legend(frameon=True, framealpha=0.85)
    ax.set_title(title)
    return ax


def plot_objective_vs_work(
    ax: Axes, histories: Mapping[str, Sequence[pd.DataFrame]], *, column: str = "objective", title: str = ""
) -> Axes:
    """GNvpro: objective against work units spent, one thin step line per seed, colour = variant (basis).

    Args:
        histories: variant label -> one GNvpro history DataFrame per seed (columns ``work_units`` and ``column``;
            rows where theta did not move repeat the objective, hence the steps).
        column: the y column (``objective``: loss + regularization with the ridge decoder; or ``train_rel_err``).
    """
    seen: list[float] = []
    for label, frames in histories.items():
        for i, f in enumerate(frames):
            if column not in f or "work_units" not in f or f.empty:
                continue
            ax.plot(
                f["work_units"],
                f[column],
                drawstyle="steps-post",
                color=color(label),
                lw=1.2,
                alpha=0.85,
                label=label if i == 0 else None,
            )
            seen += list(f[column])
    log_if_wide(ax, seen)
    ax.set_xlabel("work units (objective + gradient 2, Gauss-Newton product 2, trial 1)")
    ax.set_ylabel(_nice(column) if column != "objective" else "objective (loss + regularization)")
    ax.legend(frameon=True, framealpha=0.85)
    ax.set_title(title)
    return ax


def plot_nfe_bars(ax: Axes, nfe: pd.DataFrame, *, title: str = "") -> Axes:
    """Stacked horizontal bars of mean cumulative forward and backward training NFE per variant.

    Args:
        nfe: index = variant label (the tick label); columns ``forward`` and ``backward``.
    """
    y = np.arange(len(nfe))
    ax.barh(y, nfe["forward"], color="#1f77b4", label="forward")
    ax.barh(y, nfe["backward"], left=nfe["forward"], color="#ff7f0e", label="backward (adjoint)")
    ax.set_yticks(y, [str(i) for i in nfe.index])
    ax.invert_yaxis()
    ax.set_xlabel("mean cumulative training NFE")
    ax.xaxis.set_major_formatter(mpl.ticker.EngFormatter(sep=""))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
    ax.set_title(title)
    return ax


def plot_error_vs_dof(ax: Axes, points: pd.DataFrame, *, title: str = "", legend: bool = True) -> Axes:
    """Test error (mean +- std over seeds) vs number of weights theta; colour = variant, marker = architecture.

    Args:
        points: columns ``label, architecture, theta, mean, std``.
    """
    markers = {"resnet": "o", "hamiltonian": "s"}
    for _, r in points.iterrows():
        ax.errorbar(
            r["theta"],
            r["mean"],
            yerr=0 if pd.isna(r["std"]) else r["std"],
            fmt=markers.get(r["architecture"], "^"),
            color=color(r["label"]),
            ms=5,
            capsize=2,
        )
    for _arch, g in points.groupby("architecture"):
        g = g[g["label"].str.startswith("legendre")].sort_values("theta")
        ax.plot(g["theta"], g["mean"], "-", color="0.6", lw=0.8, zorder=0)
    if legend:
        labels = list(dict.fromkeys(points["label"]))
        handles = [mpl.lines.Line2D([], [], color=color(lab), marker="o", ls="", label=lab) for lab in labels]
        handles += [mpl.lines.Line2D([], [], color="0.3", marker=m, ls="", label=a) for a, m in markers.items()]
        ax.legend(handles=handles, frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set_xscale("log")
    readable_log(ax, "x")
    log_if_wide(ax, points["mean"])
    ax.set_xlabel("weights theta (encoder + dynamics)")
    ax.set_ylabel("test relative error")
    ax.set_title(title)
    return ax
