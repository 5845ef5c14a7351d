"""The results store: one JSON record per run under ``results/runs/<key>.json``, written atomically.

A record is a :class:`~ctdnn_bench.record.RunRecord`, stored as the JSON of its ``to_dict()`` (the layout is described
in :mod:`ctdnn_bench.record`, which also checks records on read).

Nothing here imports torch, so reading results is fast.

Reading tolerates foreign files: a file in ``runs/`` that is not a run record of this schema (a JSON list, garbage
bytes, a string where a number belongs) is skipped with a note naming it, and a record written by a newer
ctdnn_bench is refused (never used, never overwritten). A run record is reused only if the data it was trained on
are the data the run would use now (see :mod:`ctdnn_bench.data.identity`).

Concurrent sweeps on one results directory compute each run once: a worker claims a run with a claim file
``runs/.<key>.claim`` created with ``O_CREAT | O_EXCL`` and refreshed while the run lasts; a claim whose process is
gone (same host), or that has not been refreshed for :data:`CLAIM_STALE_S`, is taken over.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from ctdnn_bench.errors import ResultsError, UnwritableError
from ctdnn_bench.record import RunRecord, is_newer, record_problem

__all__ = ["ResultsStore", "check_writable_dir"]
#: A claim not refreshed for this long belongs to a process that is gone (a machine that died, a killed job).
CLAIM_STALE_S = 600.0
#: How often a running claim is refreshed; well below CLAIM_STALE_S.
CLAIM_HEARTBEAT_S = 60.0

ReuseStatus = Literal["missing", "reusable", "stale", "refused"]


class ResultsStore:
    """A directory of run records keyed by config hash.

    Args:
        root: the results directory (``results/``); records live in ``root / "runs"``.
    """

    def __init__(self, root: str | Path = "results") -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"
        self._tokens: dict[str, str] = {}  # key -> token of the claims this process holds

    def check_writable(self) -> None:
        """Create the directory if needed and prove it is writable; raise UnwritableError saying what to do if not."""
        check_writable_dir(self.runs, "results directory", "--results-dir")

    def path(self, key: str) -> Path:
        """Where the record of ``key`` lives."""
        return self.runs / f"{key}.json"

    def has(self, key: str) -> bool:
        """True if a file for ``key``'s record exists (it may still be foreign or stale: see :meth:`reuse_status`)."""
        return self.path(key).is_file()

    def write(self, record: RunRecord | dict[str, Any], *, replace: bool = False) -> Path:
        """Write ``record`` (a RunRecord, or its JSON document) atomically (temporary file + rename). An existing
        record is kept unless ``replace``; then it stays readable until the new one takes its place in one rename."""
        if isinstance(record, RunRecord):
            record = record.to_dict()
        path = self.path(record["key"])
        if path.exists() and not replace:
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
        """The JSON document stored for ``key``; ResultsError if it is missing or unreadable."""
        doc, problem = _load_json(self.path(key))
        if problem is not None:
            raise ResultsError(f"cannot read run record {self.path(key)}: {problem}; delete it to recompute the run")
        return doc

    def load(self, path: Path) -> tuple[dict[str, Any] | None, str | None]:
        """``(record, None)`` for a valid run record at ``path``, else ``(None, note)`` naming the file and the
        problem."""
        doc, problem = _load_json(path)
        if problem is not None:
            return None, f"skipped unreadable record {path.name} in {path.parent} ({problem})"
        problem = record_problem(doc, path.stem)
        if problem is not None:
            return None, f"skipped {path.name} in {path.parent}: {problem}"
        return doc, None

    def records(self, notes: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """All valid run records; every other ``*.json`` file is skipped, with a note appended to ``notes``
        (temporary files of interrupted writes and claim files are not ``*.json`` and are never read)."""
        if not self.runs.is_dir():
            return
        for path in sorted(self.runs.glob("*.json")):
            record, note = self.load(path)
            if record is not None:
                yield record
            elif notes is not None:
                notes.append(note or f"skipped {path}")

    def run_records(self, notes: list[str] | None = None) -> Iterator[RunRecord]:
        """:meth:`records` as :class:`~ctdnn_bench.record.RunRecord` objects."""
        for doc in self.records(notes):
            yield RunRecord.from_dict(doc, check=False)

    def table(self, notes: list[str] | None = None) -> Any:
        """A tidy pandas DataFrame, one row per valid run (:meth:`RunRecord.tidy_row
        <ctdnn_bench.record.RunRecord.tidy_row>`); see :meth:`records` for ``notes``."""
        import pandas as pd

        return pd.DataFrame([r.tidy_row() for r in self.run_records(notes)])

    def reuse_status(self, key: str, identity: dict[str, Any]) -> tuple[ReuseStatus, str]:
        """May the record of ``key`` stand for a run on the data described by ``identity``? Returns the status and,
        unless it is ``missing`` or ``reusable``, one line saying why not:

        - ``stale``: unreadable, foreign, or trained on other data: recompute it and replace it;
        - ``refused``: written by a newer ctdnn_bench: neither use nor overwrite it.
        """
        path = self.path(key)
        if not path.is_file():
            return "missing", ""
        doc, problem = _load_json(path)
        if problem is None:
            problem = record_problem(doc, key)
        if problem is not None:
            return ("refused" if is_newer(doc) else "stale"), f"record {path}: {problem}"
        from ctdnn_bench.data.identity import describe, record_identity  # not at import: keeps readers light

        old = record_identity(doc)
        if old is None:
            return "stale", f"record {path} does not say which data it was trained on"
        if old != identity:
            return "stale", f"record {path} was trained on other data ({describe(old)}; now {describe(identity)})"
        return "reusable", ""

    def reusable(self, key: str, identity: dict[str, Any]) -> bool:
        """True if a valid record of ``key`` exists that was trained on the data described by ``identity``."""
        return self.reuse_status(key, identity)[0] == "reusable"

    # ------------------------------------------------------------------------------------------------ claims

    def claim_path(self, key: str) -> Path:
        """The claim file of ``key`` (hidden, so that readers of ``*.json`` never see it)."""
        return self.runs / f".{key}.claim"

    def claim(self, key: str) -> bool:
        """Claim the run ``key`` for this process; False if another live process holds it."""
        path = self.claim_path(key)
        self.runs.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a stale claim removed, or one released meanwhile: try again
            token = uuid.uuid4().hex
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not _remove_stale_claim(path):
                    return False
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(), "token": token}, fh)
            self._tokens[key] = token
            return True
        return False

    def release(self, key: str) -> None:
        """Remove this process' claim of ``key`` (a claim another process took over is left alone)."""
        token = self._tokens.pop(key, None)
        path = self.claim_path(key)
        if token is not None and (_read_claim(path) or {}).get("token") == token:
            path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def claimed(self, key: str) -> Iterator[bool]:
        """Hold the claim of ``key`` for the ``with`` block, refreshing it; yields False if another process has it."""
        if not self.claim(key):
            yield False
            return
        stop = threading.Event()
        beat = threading.Thread(target=_heartbeat, args=(self.claim_path(key), stop), daemon=True)
        beat.start()
        try:
            yield True
        finally:
            stop.set()
            beat.join()
            self.release(key)


def check_writable_dir(directory: Path, what: str, flag: str) -> None:
    """Create ``directory`` if needed and prove that a file can be written there; UnwritableError if not."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as exc:
        raise UnwritableError(
            f"{what} {directory} is not writable ({exc.strerror or exc}); pass a writable {flag} or fix its permissions"
        ) from exc


# ----------------------------------------------------------------------------------------- reading records


def _load_json(path: Path) -> tuple[Any, str | None]:
    try:
        return json.loads(path.read_bytes()), None
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc})"
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        return None, f"not JSON ({exc})"


# ------------------------------------------------------------------------------------------------- claims


def _read_claim(path: Path) -> dict[str, Any] | None:
    """The claim's owner ({} while it is being written, or if unreadable); None if there is no claim."""
    try:
        doc = json.loads(path.read_text() or "{}")
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or a pid we cannot test: assume alive
    return True


def _claim_is_stale(path: Path, owner: dict[str, Any]) -> bool:
    """Not refreshed for CLAIM_STALE_S, or held by a process of this host that no longer exists."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True
    if age > CLAIM_STALE_S:
        return True
    pid = owner.get("pid")
    return owner.get("host") == socket.gethostname() and type(pid) is int and not _pid_alive(pid)


def _remove_stale_claim(path: Path) -> bool:
    """Remove the claim at ``path`` if it is stale; True if the caller may try to claim again."""
    owner = _read_claim(path)
    if owner is None:
        return True  # released meanwhile
    if not _claim_is_stale(path, owner):
        return False
    # rename first: of two processes taking over the same stale claim only one rename succeeds
    tomb = path.with_name(f"{path.name}.{uuid.uuid4().hex}.stale")
    try:
        os.rename(path, tomb)
    except FileNotFoundError:
        return True
    if _read_claim(tomb) != owner:  # a fresh claim took the stale one's place before the rename: put it back
        with contextlib.suppress(OSError):
            os.link(tomb, path)
        tomb.unlink(missing_ok=True)
        return False
    tomb.unlink(missing_ok=True)
    return True


def _heartbeat(path: Path, stop: threading.Event) -> None:
    while not stop.wait(CLAIM_HEARTBEAT_S):
        with contextlib.suppress(OSError):
            os.utime(path)
