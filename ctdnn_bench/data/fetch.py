"""Where the data files come from: a data directory the user names, else a verified, cached download.

Lookup order for :func:`data_path`:

1. the data directory (argument ``data_dir``, else the environment variable ``CTDNN_DATA_DIR``); a file found
   there must match its pinned sha256;
2. otherwise the file is downloaded with pooch into the cache directory (``CTDNN_CACHE_DIR``, else
   ``pooch.os_cache("ctdnn_bench")``) from ``base_url`` (argument, else ``CTDNN_DATA_URL``, else the authors'
   repository at a pinned commit). pooch streams to a temporary file and only moves it into place when the
   sha256 matches, so a corrupt download never stays in the cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ctdnn_bench.errors import DataError, unknown_name

DATA_DIR_ENV = "CTDNN_DATA_DIR"
CACHE_DIR_ENV = "CTDNN_CACHE_DIR"
DATA_URL_ENV = "CTDNN_DATA_URL"

#: The authors' repository (MIT licence) at the commit the hashes below were taken from.
PINNED_COMMIT = "218b73f375ab1a09119aace110fd832517931a77"
DEFAULT_BASE_URL = (
    f"https://raw.githubusercontent.com/hrosso710/Continuous_DNN_Surrogates_Revised/{PINNED_COMMIT}/matlab/data/"
)

#: {filename: (sha256, url)} of every file ctdnn_bench can download.
KNOWN_FILES: dict[str, tuple[str, str]] = {
    "NNERDS.mat": (
        "e0b1daed8b835eab8595a87e20798c17dc251cf569c35f6eac6120dcaf906bb2",
        DEFAULT_BASE_URL + "NNERDS.mat",
    ),
    "CDR_Data.mat": (
        "1a19f4f69636ec6f0eac0de2bc73bc38b6a3d27e39f155f55b8c036b499d042a",
        DEFAULT_BASE_URL + "CDR_Data.mat",
    ),
}


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_data_dir(data_dir: str | Path | None = None) -> Path | None:
    """The user's data directory: ``data_dir``, else ``$CTDNN_DATA_DIR``, else None.

    Raises:
        DataError: the named directory does not exist (a typo would otherwise silently trigger a download).
    """
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if chosen is None:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise DataError(f"data directory {str(path)!r} {what}; create it, or fix --data-dir / {DATA_DIR_ENV}")
    return path


def cache_dir() -> Path:
    """Download and generated-data cache: ``$CTDNN_CACHE_DIR``, else ``pooch.os_cache("ctdnn_bench")``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import pooch  # imported here so that ``import ctdnn_bench.data`` stays fast

    return Path(pooch.os_cache("ctdnn_bench"))


def _where_to_put(filename: str) -> str:
    expected, url = KNOWN_FILES[filename]
    return (
        f"Download it by hand from {url} (sha256 {expected}) and put it in a directory that you pass as "
        f"--data-dir or set {DATA_DIR_ENV}=<that directory>."
    )


def _verify(filename: str, path: Path) -> None:
    expected, url = KNOWN_FILES[filename]
    actual = sha256(path)
    if actual != expected:
        raise DataError(
            f"{filename} in {path.parent} is corrupt or a different version: sha256 {actual}, expected "
            f"{expected}. Delete it and download it again from {url}."
        )


def data_path(filename: str, data_dir: str | Path | None = None, *, base_url: str | None = None) -> Path:
    """Return the local path of a known data file, verifying or downloading it (see the module docstring).

    Args:
        filename: a key of :data:`KNOWN_FILES`, e.g. ``"NNERDS.mat"``.
        data_dir: directory to look in first; default ``$CTDNN_DATA_DIR``.
        base_url: download from ``base_url + filename``; default ``$CTDNN_DATA_URL``, else the pinned address.

    Raises:
        ConfigError: unknown file name.
        DataError: wrong sha256 in the data directory, failed download, or wrong sha256 of the download.
    """
    if filename not in KNOWN_FILES:
        raise unknown_name("data file", filename, KNOWN_FILES)
    expected, url = KNOWN_FILES[filename]
    directory = resolve_data_dir(data_dir)
    if directory is not None and (directory / filename).is_file():
        _verify(filename, directory / filename)
        return directory / filename

    base = base_url or os.environ.get(DATA_URL_ENV)
    if base:
        url = base.rstrip("/") + "/" + filename
    import pooch

    try:
        local = pooch.retrieve(
            url,
            known_hash=f"sha256:{expected}",
            fname=filename,
            path=cache_dir(),
            downloader=pooch.HTTPDownloader(progressbar=False, timeout=60),
        )
    # requests' exceptions derive from OSError; pooch raises ValueError on a hash mismatch.
    except (OSError, ValueError) as exc:
        reason = str(exc).rstrip(". ")
        raise DataError(f"could not get {filename} from {url}: {reason}. {_where_to_put(filename)}") from exc
    return Path(local)


def verify_all(data_dir: str | Path | None = None) -> list[tuple[str, Path, bool]]:
    """Check every known file without downloading anything.

    Args:
        data_dir: directory to check; default ``$CTDNN_DATA_DIR``, else the download cache.

    Returns:
        One ``(filename, path, ok)`` per known file; ``ok`` is False when the file is missing or its sha256
        differs from the pinned one.
    """
    directory = resolve_data_dir(data_dir) or cache_dir()
    report = []
    for filename, (expected, _) in KNOWN_FILES.items():
        path = directory / filename
        report.append((filename, path, path.is_file() and sha256(path) == expected))
    return report
