"""One vocabulary of variants: which time basis, degree and time domain a run's weights use, and its one label.

A :class:`Variant` is ``(basis, degree, domain)`` with the domain normalized (``None`` in a
:class:`~ctdnn_bench.models.ModelConfig` means the basis' default, see :data:`DEFAULT_DOMAINS`), and a label that
means the same thing in every experiment, table and figure:

- ``monomial d=k``: monomials on raw time [0, T] (the authors' MATLAB; the paper's Table 2 monomial);
- ``monomial[0,1] d=k``: monomials on time mapped to [0, 1] (the revision's neural ODEs);
- ``legendre d=k``: Legendre polynomials on time mapped to [-1, 1] (their default domain);
- ``static``: weights constant in time; ``none``: one weight set per step (``piecewise_constant`` with
  ``degree = n_steps - 1``, the paper's unconstrained weights);
- any other combination: ``<basis>[<interval>] d=k``, the interval left out on the basis' home domain
  (:data:`HOME_DOMAINS`: raw time for monomials, the default domain for every other basis), e.g.
  ``legendre[0,T] d=3``, ``monomial[-1,1] d=3``, ``chebyshev d=3``.

A run label (:func:`run_label`) adds the training treatments of the factorial experiment that change what a variant
is trained with: `` L2t`` (regularizer ``l2_time``) and `` lr/T^k`` (lr_scaling ``unit_time``).

:func:`variant_of` reads a run's variant from its config (a :class:`~ctdnn_bench.training.config.RunConfig` or the
JSON dict of one, as stored in a run record), never from a label string; :func:`task_signature` is the rest of a
config: what a run was asked to do apart from its variant and seeds. The module also holds the experiments' variant
lists, architectures and the one order of the data sets. Nothing here imports torch: the report uses it (which is why
these live here and not in :mod:`ctdnn_bench.training.config`, which needs torch).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctdnn_bench.errors import ConfigError, unknown_name

if TYPE_CHECKING:
    from ctdnn_bench.training.config import RunConfig

#: Each basis' default time domain (its class attribute ``default_domain``, which needs torch to read; a test keeps
#: the two equal).
DEFAULT_DOMAINS: dict[str, str] = {
    "monomial": "unit",
    "legendre": "symmetric",
    "chebyshev": "symmetric",
    "fourier": "unit",
    "piecewise_constant": "unit",
    "piecewise_linear": "unit",
    "static": "unit",
}
#: The domain on which a basis' label carries no interval: raw time [0, T] for monomials (the paper's Table 2
#: monomial), the default domain for every other basis.
HOME_DOMAINS: dict[str, str] = {**DEFAULT_DOMAINS, "monomial": "raw"}
#: How a label names a time domain (``raw`` = [0, T], ``unit`` = [0, 1], ``symmetric`` = [-1, 1]).
DOMAIN_TAGS: dict[str, str] = {"raw": "[0,T]", "unit": "[0,1]", "symmetric": "[-1,1]"}
#: ``ModelConfig.n_steps``' default (the paper's 12 steps), hence the degree of ``none`` (a test keeps them equal).
DEFAULT_N_STEPS = 12
#: Run-label suffixes of the factorial's training treatments: (train field, value) -> suffix.
TREATMENTS: dict[tuple[str, str], str] = {("regularizer", "l2_time"): " L2t", ("lr_scaling", "unit_time"): " lr/T^k"}
#: The default of each treatment field (``LATE_FIELDS`` of :mod:`ctdnn_bench.training.config`: records written before
#: these fields existed lack them).
TREATMENT_DEFAULTS: dict[str, str] = {"regularizer": "coefficients", "lr_scaling": "none"}

_NOTES: dict[tuple[str, str], str] = {
    ("monomial", "raw"): "monomials on time [0, T] (the authors' MATLAB; their v1 neural-ODE code)",
    ("monomial", "unit"): "monomials on time mapped to [0, 1]",
    ("legendre", "symmetric"): "Legendre polynomials on time mapped to [-1, 1]",
    ("static", "unit"): "weights constant in time",
}
_INTERVALS = {"raw": "[0, T]", "unit": "[0, 1]", "symmetric": "[-1, 1]"}


@dataclass(frozen=True)
class Variant:
    """A time parameterization of the weights.

    Args:
        label: its one name (see the module docstring); derived from the other fields by :func:`variant`.
        basis: a basis name (:data:`DEFAULT_DOMAINS`' keys).
        degree: the polynomial degree (``degree + 1`` functions; ``n_steps - 1`` for ``none``).
        domain: the normalized time domain: ``raw``, ``unit`` or ``symmetric`` (never None).
        note: one line for readers; not part of equality.
    """

    label: str
    basis: str
    degree: int
    domain: str
    note: str = field(default="", compare=False)

    @property
    def config_domain(self) -> str | None:
        """The domain as a :class:`~ctdnn_bench.models.ModelConfig` spells it: None on a non-monomial basis' default
        domain, else the name. Run keys hash this spelling, so it is the one every experiment has always used."""
        if self.basis != "monomial" and self.domain == DEFAULT_DOMAINS[self.basis]:
            return None
        return self.domain

    def model_fields(self) -> dict[str, Any]:
        """``basis``, ``degree`` and ``domain`` for a :class:`~ctdnn_bench.models.ModelConfig`."""
        return {"basis": self.basis, "degree": self.degree, "domain": self.config_domain}


def normal_domain(basis: str, domain: str | None) -> str:
    """``domain``, or the basis' default if it is None; ConfigError for an unknown basis or domain."""
    if basis not in DEFAULT_DOMAINS:
        raise unknown_name("basis", basis, DEFAULT_DOMAINS)
    if domain is None:
        return DEFAULT_DOMAINS[basis]
    if domain not in DOMAIN_TAGS:
        raise unknown_name("time domain", domain, DOMAIN_TAGS)
    return domain


def variant_label(basis: str, degree: int, domain: str | None, n_steps: int = DEFAULT_N_STEPS) -> str:
    """The label of ``(basis, degree, domain)`` (``n_steps``: the fixed grid's steps, which tell ``none``)."""
    dom = normal_domain(basis, domain)
    if basis == "piecewise_constant" and degree == n_steps - 1 and dom == HOME_DOMAINS[basis]:
        return "none"
    tag = "" if dom == HOME_DOMAINS[basis] else DOMAIN_TAGS[dom]
    return f"static{tag}" if basis == "static" else f"{basis}{tag} d={degree}"


def variant(basis: str, degree: int, domain: str | None = None, n_steps: int = DEFAULT_N_STEPS) -> Variant:
    """The :class:`Variant` of ``(basis, degree, domain)``, labelled by :func:`variant_label`."""
    dom = normal_domain(basis, domain)
    label = variant_label(basis, degree, dom, n_steps)
    if label == "none":
        note = "one weight set per step (the paper's unconstrained weights)"
    else:
        note = _NOTES.get(
            (basis, dom), f"{basis} on time {'[0, T]' if dom == 'raw' else f'mapped to {_INTERVALS[dom]}'}"
        )
    return Variant(label, basis, degree, dom, note)


def _sections(config: Mapping[str, Any] | RunConfig) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The model and train settings of a RunConfig or of its JSON dict, as mappings."""
    if isinstance(config, Mapping):
        model, train = config.get("model"), config.get("train", {})
        if not isinstance(model, Mapping) or not isinstance(train, Mapping):
            raise ConfigError(f"a run config needs a model and a train table, got {dict(config)!r}")
        return model, train
    return vars(config.model), vars(config.train)


def variant_of(config: Mapping[str, Any] | RunConfig) -> Variant:
    """The variant of a run, from its config's ``model.basis``, ``degree``, ``domain`` (and ``n_steps``): a
    :class:`~ctdnn_bench.training.config.RunConfig` or its JSON dict (``RunConfig.to_dict()``, a record's
    ``config``). The config's ``label`` is not read."""
    model, _ = _sections(config)
    try:
        basis, degree = model["basis"], model["degree"]
    except KeyError as exc:
        raise ConfigError(f"a run config's model has no {exc.args[0]!r}: cannot tell its variant") from None
    return variant(basis, degree, model.get("domain"), model.get("n_steps", DEFAULT_N_STEPS))


def run_label(config: Mapping[str, Any] | RunConfig) -> str:
    """The label of a run: its variant's label plus the training treatments it has (:data:`TREATMENTS`, in that
    order), e.g. ``legendre[0,T] d=3 L2t lr/T^k``."""
    _, train = _sections(config)
    suffix = "".join(
        text for (name, value), text in TREATMENTS.items() if train.get(name, TREATMENT_DEFAULTS[name]) == value
    )
    return variant_of(config).label + suffix


def task_signature(config: Mapping[str, Any]) -> str:
    """What a run was asked to do, apart from its variant and seeds (12 hex digits of a hash of its JSON config):
    runs with the same signature differ only in ``model.basis``/``degree``/``domain`` and the seeds, so they can be
    compared like for like. The factorial's training treatments at their defaults (:data:`TREATMENT_DEFAULTS`) are
    left out, so a record keeps its task whether or not it was written before those fields existed."""
    cfg = json.loads(json.dumps(dict(config)))
    for key in ("label", "seed_init", "seed_batch"):
        cfg.pop(key, None)
    for key in ("basis", "degree", "domain"):
        cfg.get("model", {}).pop(key, None)
    train = cfg.get("train", {})
    for key, default in TREATMENT_DEFAULTS.items():  # records written before these fields existed lack them
        if train.get(key, default) == default:
            train.pop(key, None)
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:12]


def _variants(items: Iterable[tuple[str, int, str | None]]) -> tuple[Variant, ...]:
    return tuple(variant(basis, degree, domain) for basis, degree, domain in items)


#: Table 2's variants (discretize-then-optimize): the authors' monomial on [0, T] and the same on [0, 1] (so that
#: time scaling and orthogonality can be told apart), Legendre d = 3..6, and ``none`` (one weight set per step).
DTO_VARIANTS: tuple[Variant, ...] = _variants(
    [
        ("monomial", 3, "raw"),
        ("monomial", 3, "unit"),
        *(("legendre", d, None) for d in (3, 4, 5, 6)),
        ("piecewise_constant", DEFAULT_N_STEPS - 1, None),
    ]
)
#: Table 3's variants: Legendre d = 3..6 against ``none`` (error against degrees of freedom).
TABLE3_VARIANTS: tuple[Variant, ...] = tuple(v for v in DTO_VARIANTS if v.basis in ("legendre", "piecewise_constant"))
#: The neural-ODE variants at degree 3: static, monomial on [0, 1] and on raw time, Legendre.
NODE_VARIANTS: tuple[Variant, ...] = _variants(
    [("static", 0, None), ("monomial", 3, "unit"), ("monomial", 3, "raw"), ("legendre", 3, None)]
)
#: Table 4's variants: static, then Legendre and monomial on [0, 1] (the revision's normalized time) at degrees
#: 3, 4, 5; the degree-3 ones are :data:`NODE_VARIANTS`' (same configs: the runs are shared).
TABLE4_VARIANTS: tuple[Variant, ...] = _variants(
    [
        ("static", 0, None),
        *(("legendre", d, None) for d in (3, 4, 5)),
        *(("monomial", d, "unit") for d in (3, 4, 5)),
    ]
)
#: Every named variant of the experiments, by label.
VARIANTS: dict[str, Variant] = {v.label: v for v in (*DTO_VARIANTS, *NODE_VARIANTS, *TABLE4_VARIANTS)}

#: The fixed-grid (discretize-then-optimize) architectures of Table 2, in table order (Leapfrog: the first
#: version's third architecture).
DTO_ARCHITECTURES: tuple[str, ...] = ("resnet", "hamiltonian", "leapfrog")
#: The architectures of the paper's GNvpro column.
GNVPRO_ARCHITECTURES: tuple[str, ...] = ("resnet", "hamiltonian")
#: The monomial each of the authors' codes used, by architecture: their MATLAB (Table 2's fixed grids) on raw time
#: [0, T], their revised Python (the neural ODEs) on time mapped to [0, 1]. The claims hold this one against Legendre.
PAPER_MONOMIAL: dict[str, str] = {
    **dict.fromkeys(DTO_ARCHITECTURES, variant("monomial", 3, "raw").label),
    "node": variant("monomial", 3, "unit").label,
}
#: The surrogate data sets, in the one order every experiment, table and figure uses.
DATASETS: tuple[str, ...] = ("elm", "cdr", "dcr")
#: The neural-ODE data sets: the spiral task first, then the surrogates.
NODE_DATASETS: tuple[str, ...] = ("spiral", *DATASETS)


def in_order(datasets: Iterable[str]) -> tuple[str, ...]:
    """``datasets`` without repeats in the one order (:data:`NODE_DATASETS`), other names after them, sorted."""
    names = set(datasets)
    return (*(d for d in NODE_DATASETS if d in names), *sorted(names - set(NODE_DATASETS)))


def check_labels(labels: Iterable[str], variants: Iterable[Variant], what: str) -> tuple[str, ...]:
    """``labels`` as a tuple if each is the label of one of ``variants``; ConfigError naming the first that is not."""
    known = [v.label for v in variants]
    out = tuple(labels)
    for label in out:
        if label not in known:
            raise unknown_name(f"{what} variant", label, known)
    return out
