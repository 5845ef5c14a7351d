"""The identity of the data a run is trained on, stored in every record and compared before a record is reused.

A run's key hashes its config only, so the same key stands for different numbers once the data change: the real
``DCR_Data.mat`` put where the stand-in was used, or a user's ``.npz`` edited in place. The identity says which
data a run used:

- ``files``: ``{file name: sha256}`` of every file read (ELM and CDR: their pinned sha256, which the loader
  verifies; the DCR file and users' files: hashed);
- ``standin``: True for the generated DCR stand-in;
- ``generator``: for generated data, the generator's module, version and parameters (else None).

Identities are plain JSON-ready dicts: two runs used the same data exactly when their identities are equal.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from ctdnn_bench.data import check_dataset, dcr, dcr_standin
from ctdnn_bench.data.fetch import KNOWN_FILES, resolve_data_dir, sha256
from ctdnn_bench.errors import DataError

#: Bump when the spiral reference trajectory's numbers change.
SPIRAL_VERSION = 1
_KNOWN = {"elm": "NNERDS.mat", "cdr": "CDR_Data.mat"}


def data_identity(dataset: str, data_dir: str | Path | None = None) -> dict[str, Any]:
    """The identity of the data that :func:`ctdnn_bench.training.run.load_data` would load for ``dataset`` now.

    Args:
        dataset: ``elm``, ``cdr``, ``dcr``, ``spiral`` or a path to a ``.npz``/``.mat`` file.
        data_dir: the data directory (default ``$CTDNN_DATA_DIR``), as given to the loaders.

    Raises:
        DataError: a user's file does not exist, or the data directory does not exist.
    """
    if dataset in _KNOWN:  # the loader refuses any file whose sha256 differs from the pinned one
        name = _KNOWN[dataset]
        return _files({name: KNOWN_FILES[name][0]})
    if dataset == "dcr":
        directory = resolve_data_dir(data_dir)
        path = directory / dcr.FILENAME if directory is not None else None
        if path is not None and path.is_file():
            return _files({dcr.FILENAME: file_sha256(path)})
        return standin_identity(dcr_standin.N_SAMPLES, dcr_standin.SEED, dcr_standin.GRID)
    if dataset == "spiral":
        return {"files": {}, "standin": False, "generator": spiral_generator()}
    if check_dataset(dataset) is not None:  # a registered data set without an identity rule here
        raise DataError(f"no data identity rule for the registered data set {dataset!r}; add one in {__name__}")
    path = Path(dataset).expanduser()
    if not path.is_file():
        raise DataError(f"data file {path} does not exist; give the path of a .npz or .mat file")
    return _files({path.name: file_sha256(path)})


def _files(files: dict[str, str]) -> dict[str, Any]:
    return {"files": files, "standin": False, "generator": None}


def standin_identity(n_samples: int, seed: int, grid: int) -> dict[str, Any]:
    """The identity of the DCR stand-in: its generator's version and parameters fix its numbers."""
    generator = {
        "name": "ctdnn_bench.data.dcr_standin",
        "version": dcr_standin.VERSION,
        "n_samples": n_samples,
        "seed": seed,
        "grid": grid,
    }
    return {"files": {}, "standin": True, "generator": generator}


def spiral_generator() -> dict[str, Any]:
    """The spiral trajectory's generator and the parameters ``load_spiral()`` uses by default."""
    return {"name": "ctdnn_bench.data.spiral", "version": SPIRAL_VERSION, "n_points": 500, "method": "rk4"}


def file_sha256(path: Path) -> str:
    """sha256 of ``path``, cached while its size, modification time and inode stay the same (hashing a 65 MB file
    for every run of a sweep would cost seconds)."""
    st = path.stat()
    return _sha256_cached(str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


@functools.lru_cache(maxsize=64)
def _sha256_cached(path: str, size: int, mtime_ns: int, inode: int) -> str:
    del size, mtime_ns, inode  # part of the cache key only
    return sha256(path)


_SHA = re.compile(r"sha256 ([0-9a-f]{64})")
_STANDIN = re.compile(r"dcr_standin v(\d+): n_samples=(\d+), seed=(\d+), grid=(\d+)x")


def record_identity(record: dict[str, Any]) -> dict[str, Any] | None:
    """The data identity of a record: stored since issue 11, else derived from its older ``dataset`` entry where that
    says enough (None where it does not, e.g. a DCR file whose sha256 was not recorded)."""
    stored = record.get("data_identity")
    if isinstance(stored, dict):
        return stored
    name = str(record.get("config", {}).get("dataset", ""))
    info: dict[str, Any] = record["dataset"] if isinstance(record.get("dataset"), dict) else {}
    provenance = str(info.get("provenance", ""))
    if name in _KNOWN:
        return _files({_KNOWN[name]: KNOWN_FILES[_KNOWN[name]][0]})
    if name == "spiral":
        return {"files": {}, "standin": False, "generator": spiral_generator()}
    if name == "dcr" and info.get("standin") is True and (m := _STANDIN.search(provenance)):
        if int(m.group(1)) != dcr_standin.VERSION:
            return None
        return standin_identity(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    if name != "dcr" and (m := _SHA.search(provenance)):
        return _files({os.path.basename(name): m.group(1)})
    return None


def describe(identity: dict[str, Any]) -> str:
    """A short human-readable form, e.g. ``DCR_Data.mat sha256 1a2b3c4d5e6f`` or ``stand-in generator v1``."""
    gen = identity.get("generator")
    if isinstance(gen, dict):
        kind = "stand-in" if identity.get("standin") else "generated"
        params = ", ".join(f"{k}={v}" for k, v in gen.items() if k not in ("name", "version"))
        return f"{kind} data from {gen.get('name')} v{gen.get('version')} ({params})"
    files = identity.get("files") or {}
    return ", ".join(f"{name} sha256 {str(digest)[:12]}" for name, digest in files.items()) or "unknown data"
