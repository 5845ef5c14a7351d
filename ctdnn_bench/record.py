"""The run record: one run's config, outcome, history, final metrics, data identity and environment.

A :class:`RunRecord` is written by :func:`ctdnn_bench.training.run.execute_group` and stored as JSON
(:meth:`RunRecord.to_dict`) under ``results/runs/<key>.json`` (:mod:`ctdnn_bench.store`)::

    {"schema": 1, "key": "<16 hex>", "experiments": ["table2"], "profile": "quick", "label": "legendre d=3",
     "config": RunConfig.to_dict(), "basis_domain": "symmetric",
     "status": "ok" | "diverged", "reason": str | None, "diverged_at": int | None,
     "history": {"epoch" or "iteration": [...], "train_loss": [...], "train_rel_err": [...], "val_rel_err": [...],
                 "nfe_forward": [...], "nfe_backward": [...], "cum_nfe_forward": [...], "cum_nfe_backward": [...],
                 "train_time": [...], "grad_norm": [...], "grad_norm_max": [...]},
     "final": {"train_rel_err", "val_rel_err", "test_rel_err", "*_rel_err_global", "*_loss", "*_nfe_forward",
               "nfe_forward_train", "nfe_backward_train", "train_time", "encoder", "dynamics", "decoder", "theta",
               "total", "epochs_run" | "iterations", ...},
     "history_unit": "epoch" | "iteration",
     "group": {"size", "time"} (stacked runs only),
     "stalled": bool, "converged": bool,
     "dataset": {"name", "standin", "provenance"},
     "data_identity": {"files": {name: sha256}, "standin": bool, "generator": {...} | None},
     "baseline": {...} | None,
     "environment": {"python", "torch", "torchdiffeq", "numpy", "ctdnn_bench", "git_commit", "platform", "cpu_count"},
     "started": ISO time, "finished": ISO time, "wall_time": seconds}

:meth:`RunRecord.from_dict` reads such a document back after checking it (:func:`record_problem`: the schema version
first; a record of a newer schema is refused). Records written before a field existed (``basis_domain``,
``data_identity``, ``baseline``) read as they are and write back without it; keys this version does not know are
kept. Nothing here imports torch, so reading results is fast.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ctdnn_bench.errors import ResultsError
from ctdnn_bench.variants import run_label

SCHEMA = 1


def is_newer(doc: Any) -> bool:
    """True for a record written by a newer ctdnn_bench (a higher integer schema)."""
    schema = doc.get("schema") if isinstance(doc, dict) else None
    return type(schema) is int and schema > SCHEMA


_NUM = (int, float)
_NONE = type(None)
#: field -> (accepted types, required); bool is refused where a number belongs (see _type_ok)
_RECORD_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "key": ((str,), True),
    "status": ((str,), True),
    "config": ((dict,), True),
    "label": ((str,), False),
    "profile": ((str,), False),
    "experiments": ((list,), False),
    "final": ((dict,), False),
    "history": ((dict,), False),
    "stalled": ((bool, _NONE), False),
    "converged": ((bool, _NONE), False),
    "diverged_at": ((int, _NONE), False),
    "wall_time": ((*_NUM, _NONE), False),
    "dataset": ((dict,), False),
    "data_identity": ((dict, _NONE), False),
    "basis_domain": ((str,), False),
}
_CONFIG_FIELDS: dict[str, tuple[type, ...]] = {
    "dataset": (str,),
    "seed_init": (int,),
    "seed_split": (int,),
    "seed_batch": (int,),
    "model": (dict,),
    "train": (dict,),
}
_MODEL_FIELDS: dict[str, tuple[type, ...]] = {
    "architecture": (str,),
    "basis": (str,),
    "degree": (int,),
    "domain": (str, _NONE),
    "final_time": _NUM,
    "n_steps": (int,),
    "method": (str,),
    "rtol": _NUM,
    "atol": _NUM,
    "adjoint": (bool,),
}
_TRAIN_FIELDS: dict[str, tuple[type, ...]] = {"optimizer": (str,), "lr": _NUM, "epochs": (int,), "iterations": (int,)}


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    # JSON true/false load as bool, a subclass of int: accept them only where a bool belongs
    return isinstance(value, types) and (not isinstance(value, bool) or bool in types)


def _fields_problem(where: str, doc: dict[str, Any], fields: dict[str, tuple[type, ...]]) -> str | None:
    for name, types in fields.items():
        if name not in doc:
            return f"{where} has no {name!r}"
        if not _type_ok(doc[name], types):
            return f"{where}{name!r} is {doc[name]!r}, not a {' or '.join(t.__name__ for t in types)}"
    return None


def record_problem(doc: Any, key: str) -> str | None:
    """Why ``doc`` (read from ``<key>.json``) is not a usable run record of this schema, or None if it is."""
    if not isinstance(doc, dict):
        return f"not a run record (a JSON {type(doc).__name__}, not an object)"
    schema = doc.get("schema")
    if is_newer(doc):
        return (
            f"written by a newer ctdnn_bench (record schema {schema}; this version reads schema {SCHEMA}): refused; "
            "upgrade ctdnn_bench to use it"
        )
    if type(schema) is not int or schema != SCHEMA:
        return f"not a ctdnn_bench run record of schema {SCHEMA} (schema {schema!r})"
    for name, (types, required) in _RECORD_FIELDS.items():
        if name not in doc:
            if required:
                return f"has no {name!r}"
        elif not _type_ok(doc[name], types):
            return f"{name!r} is {doc[name]!r}, not a {' or '.join(t.__name__ for t in types)}"
    if doc["key"] != key:
        return f"its key {doc['key']!r} does not match its file name"
    if doc["status"] not in ("ok", "diverged"):
        return f"unknown status {doc['status']!r}"
    cfg = doc["config"]
    return (
        _fields_problem("config ", cfg, _CONFIG_FIELDS)
        or _fields_problem("config model ", cfg["model"], _MODEL_FIELDS)
        or _fields_problem("config train ", cfg["train"], _TRAIN_FIELDS)
        or _numbers_problem(doc)
    )


#: The few text entries a record has among its numbers (GNvpro's stopping reason and its trust-region actions).
_TEXT_FINAL = frozenset({"optimizer_stop"})
_TEXT_HISTORY = frozenset({"action"})


def _numbers_problem(doc: dict[str, Any]) -> str | None:
    """Final metrics must be numbers (or flags, or null), histories lists of numbers: the report computes with them."""
    for name, value in (doc.get("final") or {}).items():
        if not _type_ok(value, (*_NUM, bool, _NONE, *((str,) if name in _TEXT_FINAL else ()))):
            return f"final {name!r} is {value!r}, not a number"
    for name, values in (doc.get("history") or {}).items():
        kinds = (*_NUM, bool, _NONE, *((str,) if name in _TEXT_HISTORY else ()))
        if not isinstance(values, list) or not all(_type_ok(v, kinds) for v in values):
            return f"history {name!r} is not a list of numbers"
    if not all(isinstance(e, str) for e in doc.get("experiments", [])):
        return "'experiments' is not a list of names"
    return None


#: The keys of a record in the order they are written; ``group`` only for stacked runs.
RECORD_KEYS: tuple[str, ...] = (
    "schema",
    "key",
    "experiments",
    "profile",
    "label",
    "config",
    "basis_domain",
    "status",
    "reason",
    "diverged_at",
    "history",
    "final",
    "history_unit",
    "group",
    "stalled",
    "converged",
    "dataset",
    "data_identity",
    "baseline",
    "environment",
    "started",
    "finished",
    "wall_time",
)


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """One run's record (see the module docstring for the JSON form).

    Args:
        key: :meth:`RunConfig.key() <ctdnn_bench.training.config.RunConfig.key>` of ``config``.
        config: the run's config as JSON (``RunConfig.to_dict()``; kept as written, so that an old record reads back
            unchanged; :meth:`run_config` builds the RunConfig).
        status: ``ok`` or ``diverged``; ``reason`` and ``diverged_at`` say why and when for a diverged run.
        history, history_unit: one list per metric, one entry per evaluation (by epoch or by iteration).
        final: final metrics, totals and parameter counts.
        stalled, converged: the training loss barely moved; finished and not stalled.
        label: the config's label; experiments, profile: tags of the sweep that wrote it.
        basis_domain: the time domain the basis used (``raw``, ``unit``, ``symmetric``).
        group: how a stacked run shared its group (None for a run trained alone).
        dataset, data_identity: what it was trained on (name, stand-in, provenance; file hashes).
        baseline: the linear baseline of its data (None for the spiral task).
        environment: versions and machine; started, finished, wall_time: when and how long.
        schema: the record schema (:data:`SCHEMA`).
        absent: keys of :data:`RECORD_KEYS` that the stored document lacks (records older than the key).
        extra: keys this version does not know, kept as they are.
    """

    key: str
    config: dict[str, Any]
    status: str
    reason: str | None = None
    diverged_at: int | None = None
    history: dict[str, list[Any]] = field(default_factory=dict)
    final: dict[str, Any] = field(default_factory=dict)
    history_unit: str = "epoch"
    stalled: bool | None = None
    converged: bool | None = None
    label: str = ""
    experiments: tuple[str, ...] = ()
    profile: str = ""
    basis_domain: str | None = None
    group: dict[str, Any] | None = None
    dataset: dict[str, Any] = field(default_factory=dict)
    data_identity: dict[str, Any] | None = None
    baseline: dict[str, Any] | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    finished: str = ""
    wall_time: float | None = None
    schema: int = SCHEMA
    absent: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document stored for this run (keys in :data:`RECORD_KEYS` order, then :attr:`extra`)."""
        doc: dict[str, Any] = {}
        for name in RECORD_KEYS:
            value = getattr(self, name)
            if name in self.absent or (name == "group" and value is None):
                continue
            doc[name] = list(value) if name == "experiments" else value
        doc.update(self.extra)
        return doc

    @classmethod
    def from_dict(cls, doc: Any, key: str | None = None, *, check: bool = True) -> RunRecord:
        """The record stored as ``doc`` (read from ``<key>.json``; ``key`` None: the key it names).

        Raises:
            ResultsError: naming what is wrong, if ``doc`` is not a usable record of this schema
                (:func:`record_problem`), e.g. one written by a newer ctdnn_bench (its schema version is named).
                ``check=False`` skips the check for a document that has passed it already
                (:meth:`ctdnn_bench.store.ResultsStore.load`).
        """
        if check:
            name = key if key is not None else str(doc.get("key")) if isinstance(doc, dict) else "?"
            problem = record_problem(doc, name)
            if problem is not None:
                raise ResultsError(f"run record {name}: {problem}")
        names = {f.name for f in dataclasses.fields(cls)} - {"absent", "extra"}
        known = {k: v for k, v in doc.items() if k in names}
        known["experiments"] = tuple(doc.get("experiments", ()))
        absent = frozenset(set(RECORD_KEYS) - set(doc) - {"group"})
        extra = {k: v for k, v in doc.items() if k not in names}
        return cls(**known, absent=absent, extra=extra)

    def run_config(self) -> Any:
        """The :class:`~ctdnn_bench.training.config.RunConfig` of this run (imports torch)."""
        from ctdnn_bench.training.config import RunConfig

        return RunConfig.from_dict(self.config)

    def tidy_row(self) -> dict[str, Any]:
        """One row of the tidy table: config fields (model.* and train.* without prefix where unambiguous), final
        metrics, status flags. ``label`` is :func:`ctdnn_bench.variants.run_label` of the config (what the run's weights
        were), not the label stored with the record, which older versions spelled differently."""
        cfg = self.config
        row: dict[str, Any] = {
            "key": self.key,
            "label": run_label(cfg),
            "status": self.status,
            "stalled": self.stalled,
            "converged": self.converged,
            "diverged_at": self.diverged_at,
            "profile": None if "profile" in self.absent else self.profile,
            "experiments": ",".join(self.experiments),
            "dataset": cfg["dataset"],
            "standin": self.dataset.get("standin", False),
            "seed_init": cfg["seed_init"],
            "seed_split": cfg["seed_split"],
            "seed_batch": cfg["seed_batch"],
            "wall_time": self.wall_time,
        }
        m, t = cfg["model"], cfg["train"]
        row.update(
            {
                "architecture": m["architecture"],
                "basis": m["basis"],
                "degree": m["degree"],
                "domain": m["domain"] if self.basis_domain is None else self.basis_domain,
                "T": m["final_time"],
                "n_steps": m["n_steps"],
                "method": m["method"],
                "rtol": m["rtol"],
                "atol": m["atol"],
                "adjoint": m["adjoint"],
                "optimizer": t["optimizer"],
                "lr": t["lr"],
                "epochs": t["epochs"],
                "iterations_cfg": t["iterations"],
                "work_units_cfg": t.get("work_units", 0),  # gnvpro's budget (0 = its default); absent in older records
                "regularizer": t.get("regularizer", "coefficients"),
                "lr_scaling": t.get("lr_scaling", "none"),
            }
        )
        row.update(self.final)
        return row


def tidy_row(record: dict[str, Any]) -> dict[str, Any]:
    """:meth:`RunRecord.tidy_row` of a stored document that has passed :func:`record_problem` (as
    :meth:`~ctdnn_bench.store.ResultsStore.load` returns them)."""
    return RunRecord.from_dict(record, check=False).tidy_row()
