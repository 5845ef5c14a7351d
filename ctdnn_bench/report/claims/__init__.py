"""The paper's claims C1-C6 (paper.md section 10), each decided by a rule applied to the measured results.

The standard is ``shared/docs/verdicts.md``. Every claim is a function ``claim_cN(table, conditioning) -> Result``,
one module per claim (:mod:`.c1` .. :mod:`.c6`, each with its rule text ``CN_RULE`` and thresholds): ``table`` is the
tidy run table of :func:`ctdnn_bench.report.inputs.load_runs` (with the per-run measures of
:mod:`ctdnn_bench.report.evidence`), ``conditioning`` a conditioning table (columns ``basis, domain, degree, T,
cond_matrix, cond_gram``). No verdict is written by hand. :func:`evaluate_claims` applies them all.

How every empirical claim (C1-C4, C6) is decided:

1. **Like for like.** Runs are compared only within a task (identical configs apart from the time basis and the
   seeds: data set, architecture, T, tolerances, optimizer, budget; the ``task`` column) and paired by seed.
   Bases are therefore compared within one optimizer.
2. **Evidence gate** (:func:`ctdnn_bench.report.evidence.gate`, applied in :mod:`.gate`): at least ``MIN_SEEDS``
   paired seeds; real data (the generated DCR stand-in never decides; the toy spiral task decides only the
   neural-ODE claims C1 and C2); for claims about final accuracy or convergence, every compared run finished
   (diverged, stopped early, learning curve flattened, or the paper's full budget). ``supported`` needs every real
   task of the claim to pass the gate; a task that fails it makes the verdict ``inconclusive``, with the reason and
   the command that would fix it. The universal claims C3, C4 and C6 may still be refuted (``not supported``) by a
   task that passes the gate.
3. **Tests** (:mod:`ctdnn_bench.report.paired`): paired effects with 95% bootstrap CIs; the CI must lie beyond the
   threshold *and* the one-sided p-value, Holm-corrected across the claim's tasks, must be <= ``ALPHA``.
   Failure rates get Clopper-Pearson intervals, paired failures exact McNemar tests.
4. **Failures are kept.** Runs that diverged or hit the solver's budget stay in: censored at their NFE (C1), counted
   as failures (C2, C3) or given the error of predicting zero (relative error ``FAIL_ERROR``) for accuracy.

The scaling-vs-orthogonality attribution is not a claim rule: it lives in :mod:`ctdnn_bench.report.attribution`.
"""

from __future__ import annotations

import pandas as pd

from ctdnn_bench.report.claims.base import (
    ARCHS,
    DTO_ARCHS,
    FAIL_ERROR,
    INCONCLUSIVE,
    LEGENDRE,
    MARGIN,
    MONOMIAL,
    MONOMIAL_TEXT,
    NONE,
    NOT_SUPPORTED,
    SUPPORTED,
    VERDICTS,
    Claim,
    ClaimFn,
    Paired,
    Result,
    failure_imputed,
    paired_effect,
    paper_roles,
)
from ctdnn_bench.report.claims.c1 import C1_REJECT, C1_RULE, C1_SUPPORT, claim_c1
from ctdnn_bench.report.claims.c2 import C2_GRAD_REJECT, C2_GRAD_SUPPORT, C2_RARE, C2_RULE, STALL_FACTOR, claim_c2
from ctdnn_bench.report.claims.c3 import C3_CONSISTENT, C3_FAIL_FACTOR, C3_RULE, claim_c3
from ctdnn_bench.report.claims.c4 import C4_RULE, claim_c4
from ctdnn_bench.report.claims.c5 import (
    C5_COND_WELL,
    C5_GROWTH_ILL,
    C5_GROWTH_WELL,
    C5_RULE,
    claim_c5,
    equilibrated_conditioning,
    growth_per_degree,
)
from ctdnn_bench.report.claims.c6 import C6_DEGREES, C6_RULE, claim_c6
from ctdnn_bench.report.evidence import MIN_SEEDS, PAPER_BUDGET, Gate
from ctdnn_bench.report.paired import ALPHA, Effect

CLAIMS: dict[str, tuple[str, str, str, ClaimFn]] = {
    "C1": (
        "Legendre-parameterized neural ODEs need far fewer function evaluations than monomial ones (summaries quote "
        "9.17e7 vs 7.87e8 cumulative NFE, about 8.6x).",
        "cumulative forward+backward training NFE and forward NFE alone (basis-invariant), paired by task and seed; "
        "NFE to a target validation error; backward NFE under the adjoint seminorm where recorded",
        C1_RULE,
        claim_c1,
    ),
    "C2": (
        "Legendre gives more stable training (no stalls, no gradient blow-up) than monomial.",
        "divergences, solver-budget hits, stalls against an absolute reference, loss spikes and gradient norms with "
        "respect to the weights the network uses, per architecture, across seeds and T",
        C2_RULE,
        claim_c2,
    ),
    "C3": (
        "Third-order monomial ResNets consistently fail to converge, while Legendre reaches similar accuracy with "
        "fewer weights.",
        "convergence of each finished ResNet run against the linear baseline or the best variant; test error of "
        "Legendre vs the unconstrained model",
        C3_RULE,
        claim_c3,
    ),
    "C4": (
        "Legendre accuracy is comparable to or better than monomial and unconstrained (one weight set per step) "
        "models.",
        "test relative error, paired by task and seed, non-inferiority",
        C4_RULE,
        claim_c4,
    ),
    "C5": (
        "The monomial Vandermonde matrix is ill-conditioned (grows exponentially with degree); Legendre stays well "
        "conditioned.",
        "condition numbers of basis and Gram matrices per degree and T (and after column equilibration)",
        C5_RULE,
        claim_c5,
    ),
    "C6": (
        "Constraining weights to a low-dimensional polynomial subspace regularizes: fewer degrees of freedom for "
        "similar error.",
        "generalization gap and test error vs the unconstrained model, error vs degree d = 3..6 (Table 3 style)",
        C6_RULE,
        claim_c6,
    ),
}


def evaluate_claims(table: pd.DataFrame, conditioning: pd.DataFrame | None = None) -> list[Claim]:
    """Apply every claim's rule to the results; a rule that fails on unexpected data gives ``inconclusive``."""
    out = []
    cond = conditioning if conditioning is not None else pd.DataFrame()
    for cid, (statement, measure, rule, fn) in CLAIMS.items():
        try:
            res = fn(table, cond)
        except (KeyError, ValueError, TypeError, ZeroDivisionError, IndexError) as exc:  # malformed data: say so
            res = Result(INCONCLUSIVE, f"the rule could not be applied ({type(exc).__name__}: {exc}).")
        out.append(Claim(cid, statement, measure, rule, res.verdict, res.evidence, res.explanation, res))
    return out


__all__ = [
    "ALPHA",
    "ARCHS",
    "C1_REJECT",
    "C1_RULE",
    "C1_SUPPORT",
    "C2_GRAD_REJECT",
    "C2_GRAD_SUPPORT",
    "C2_RARE",
    "C2_RULE",
    "C3_CONSISTENT",
    "C3_FAIL_FACTOR",
    "C3_RULE",
    "C4_RULE",
    "C5_COND_WELL",
    "C5_GROWTH_ILL",
    "C5_GROWTH_WELL",
    "C5_RULE",
    "C6_DEGREES",
    "C6_RULE",
    "CLAIMS",
    "DTO_ARCHS",
    "FAIL_ERROR",
    "INCONCLUSIVE",
    "LEGENDRE",
    "MARGIN",
    "MIN_SEEDS",
    "MONOMIAL",
    "MONOMIAL_TEXT",
    "NONE",
    "NOT_SUPPORTED",
    "PAPER_BUDGET",
    "STALL_FACTOR",
    "SUPPORTED",
    "VERDICTS",
    "Claim",
    "ClaimFn",
    "Effect",
    "Gate",
    "Paired",
    "Result",
    "claim_c1",
    "claim_c2",
    "claim_c3",
    "claim_c4",
    "claim_c5",
    "claim_c6",
    "equilibrated_conditioning",
    "evaluate_claims",
    "failure_imputed",
    "growth_per_degree",
    "paired_effect",
    "paper_roles",
]
