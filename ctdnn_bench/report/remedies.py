"""What a failed evidence gate means and what to run about it: the summary of failed conditions that a verdict
shows, and the commands that would meet them (one per condition and experiment). Reads :class:`Gate` objects only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ctdnn_bench.report.evidence import BUDGET, DCR_ZENODO, MEASURE, MIN_SEEDS, REAL, SEEDS, Gate


def seeds_command(experiment: str, profile: str, seeds: Sequence[int]) -> str:
    """A command that adds seeds to an existing profile so that ``MIN_SEEDS`` pairs exist."""
    extra = [s for s in (20, 0, 1, 2, 3, 4, 5, 6) if s not in seeds]
    want = [*seeds, *extra][: max(MIN_SEEDS, len(seeds))]
    return f"ctdnn-bench run {experiment} --profile {profile} --seeds {' '.join(map(str, want))}"


def commands(gates: Sequence[Gate]) -> list[str]:
    """The commands that would meet the failed conditions of ``gates`` (one per condition and experiment)."""
    out: list[str] = []
    for g in gates:
        exp = g.experiment or "table2"
        if BUDGET in g.failed:
            out.append(f"ctdnn-bench run {exp} --profile paper  (the paper's full budget; 6 seeds)")
        elif SEEDS in g.failed:
            out.append(f"ctdnn-bench run {exp} --profile standard  (>= {MIN_SEEDS} seeds)")
            if g.profile and g.profile not in ("standard", "paper", "None", ""):
                out.append(seeds_command(exp, g.profile, g.seeds) + "  (same budget, more seeds)")
        if REAL in g.failed and "stand-in" in g.failed[REAL]:
            out.append(
                f"put DCR_Data.mat (Zenodo {DCR_ZENODO}) into $CTDNN_DATA_DIR, then ctdnn-bench run {exp} "
                "--profile standard --results-dir results-dcr  (a fresh store: records are keyed by config and "
                "never overwritten)"
            )
        if MEASURE in g.failed:
            out.append(
                f"ctdnn-bench run {exp} --profile standard --results-dir results-new  (records made by this version "
                "of ctdnn_bench carry the measure; existing records are never overwritten)"
            )
    return list(dict.fromkeys(out))  # each command once, in first-seen order


#: how each failed condition reads in a summary
_CONDITION_TEXT = {
    SEEDS: f"fewer than {MIN_SEEDS} paired seeds",
    REAL: "not the paper's data (shown, never deciding)",
    BUDGET: "runs still improving (learning curve not flattened) at that fraction of the paper's budget",
    MEASURE: "measure not recorded",
}


def summarize_failures(gates: Sequence[Gate], limit: int = 3) -> str:
    """``"fewer than 5 paired seeds: ELM resnet T=1 (2 seed(s)), ... and 4 more; runs still improving ..."``."""
    by: dict[str, list[str]] = {}
    for g in gates:
        for cond, why in g.failed.items():
            by.setdefault(cond, []).append(f"{g.task} ({why})")
    parts = []
    for cond in (SEEDS, BUDGET, REAL, MEASURE):
        items = list(dict.fromkeys(by.get(cond, [])))
        if items:
            more = f" and {len(items) - limit} more" if len(items) > limit else ""
            parts.append(f"{_CONDITION_TEXT[cond]}: {', '.join(items[:limit])}{more}")
    return "; ".join(parts)
