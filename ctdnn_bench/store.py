"""The results store: one JSON record per run under ``results/runs/<key>.json``, written atomically.

A record is a plain dict::

    {"schema": 1, "key": "<16 hex>", "experiments": ["table2"], "profile": "quick",
     "config": RunConfig.to_dict(), "label": "legendre d=3",
     "status": "ok" | "diverged", "reason": str | None, "diverged_at": int | None,
     "history_unit": "epoch" | "iteration",
     "history": {"epoch" or "iteration": [...], "train_loss": [...], "train_rel_err": [...], "val_rel_err": [...],
                 "nfe_forward": [...], "nfe_backward": [...], "cum_nfe_forward": [...], "cum_nfe_backward": [...],
                 "train_time": [...], "grad_norm": [...], "grad_norm_max": [...]},
     "final": {"train_rel_err", "val_rel_err", "test_rel_err", "*_rel_err_global", "*_loss", "*_nfe_forward",
               "nfe_forward_train", "nfe_backward_train", "train_time", "encoder", "dynamics", "decoder", "theta",
               "total", "epochs_run" | "iterations", ...},
     "stalled": bool, "converged": bool,
     "dataset": {"name", "standin", "provenance"},
     "environment": {"python", "torch", "torchdiffeq", "numpy", "ctdnn_bench", "git_commit", "platform", "cpu_count"},
     "started": ISO time, "finished": ISO time, "wall_time": seconds}

Nothing here imports torch, so reading results is fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctdnn_bench.errors import ResultsError

SCHEMA = 1


class ResultsStore:
    """A directory of run records keyed by config hash.

    Args:
        root: the results directory (``results/``); records live in ``root / "runs"``.
    """

    def __init__(self, root: str | Path = "results") -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"

    def check_writable(self) -> None:
        """Create the directory if needed and prove it is writable; raise ResultsError saying what to do if not."""
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.runs, prefix=".probe-"):
                pass
        except OSError as exc:
            raise ResultsError(
                f"results directory {self.runs} is not writable ({exc.strerror}); pass a writable "
                "--results-dir or fix its permissions"
            ) from exc

    def path(self, key: str) -> Path:
        """Where the record of ``key`` lives."""
        return self.runs / f"{key}.json"

    def has(self, key: str) -> bool:
        """True if a complete record for ``key`` exists."""
        return self.path(key).is_file()

    def write(self, record: dict[str, Any]) -> Path:
        """Write ``record`` atomically (temporary file + rename); an existing record is never overwritten."""
        path = self.path(record["key"])
        if path.exists():
            return path
        self.runs.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.runs, prefix=f".{record['key']}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(record, fh, indent=1, allow_nan=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    def read(self, key: str) -> dict[str, Any]:
        """The record of ``key``; ResultsError if it is missing or unreadable."""
        try:
            return json.loads(self.path(key).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ResultsError(
                f"cannot read run record {self.path(key)}: {exc}; delete it to recompute the run"
            ) from exc

    def records(self) -> Iterator[dict[str, Any]]:
        """All complete records (temporary files of interrupted writes are ignored)."""
        if not self.runs.is_dir():
            return
        for path in sorted(self.runs.glob("*.json")):
            yield self.read(path.stem)

    def table(self) -> Any:
        """A tidy pandas DataFrame, one row per run (see :func:`tidy_row`)."""
        import pandas as pd

        return pd.DataFrame([tidy_row(r) for r in self.records()])


def tidy_row(record: dict[str, Any]) -> dict[str, Any]:
    """Flatten a record: config fields (model.* and train.* without prefix where unambiguous), final metrics,
    status flags."""
    cfg = record["config"]
    row: dict[str, Any] = {
        "key": record["key"],
        "label": record.get("label", ""),
        "status": record["status"],
        "stalled": record.get("stalled"),
        "converged": record.get("converged"),
        "diverged_at": record.get("diverged_at"),
        "profile": record.get("profile"),
        "experiments": ",".join(record.get("experiments", [])),
        "dataset": cfg["dataset"],
        "standin": record.get("dataset", {}).get("standin", False),
        "seed_init": cfg["seed_init"],
        "seed_split": cfg["seed_split"],
        "seed_batch": cfg["seed_batch"],
        "wall_time": record.get("wall_time"),
    }
    m, t = cfg["model"], cfg["train"]
    row.update(
        {
            "architecture": m["architecture"],
            "basis": m["basis"],
            "degree": m["degree"],
            "domain": record.get("basis_domain", m["domain"]),
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
            "regularizer": t.get("regularizer", "coefficients"),
            "lr_scaling": t.get("lr_scaling", "none"),
        }
    )
    row.update(record.get("final", {}))
    return row
