"""Finding, downloading and verifying the data files, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ctdnn_bench.data import KNOWN_FILES, data_path, verify_all
from ctdnn_bench.data.fetch import DEFAULT_BASE_URL, PINNED_COMMIT, sha256
from ctdnn_bench.errors import ConfigError, DataError

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(
    not all((SHARED_DATA / f).is_file() for f in KNOWN_FILES),
    reason=f"NNERDS.mat / CDR_Data.mat not found in {SHARED_DATA} (the shared/ directory beside the repository)",
)


Serve = Callable[[Path], str]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Serve]:
    """serve(directory) -> base URL of a static HTTP server on 127.0.0.1 (stopped after the test)."""
    servers = []

    def start(directory: Path) -> str:
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory))
        )
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty download cache, no data directory, and no URL override from the environment."""
    monkeypatch.delenv("CTDNN_DATA_DIR", raising=False)
    monkeypatch.delenv("CTDNN_DATA_URL", raising=False)
    monkeypatch.setenv("CTDNN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def corrupted_copy(directory: Path, filename: str = "NNERDS.mat") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data = bytearray((SHARED_DATA / filename).read_bytes())
    data[1000] ^= 0xFF  # one flipped byte: same size, different hash
    (directory / filename).write_bytes(bytes(data))
    return directory / filename


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_known_files_are_pinned() -> None:
    assert PINNED_COMMIT in DEFAULT_BASE_URL
    for filename, (digest, url) in KNOWN_FILES.items():
        assert url == DEFAULT_BASE_URL + filename and len(digest) == 64
        assert sha256(SHARED_DATA / filename) == digest
    with pytest.raises(ConfigError, match="unknown data file"):
        data_path("DCR_Data.mat")


def test_data_dir_argument_and_environment(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert data_path("NNERDS.mat", SHARED_DATA) == SHARED_DATA / "NNERDS.mat"
    monkeypatch.setenv("CTDNN_DATA_DIR", str(SHARED_DATA))
    assert data_path("CDR_Data.mat") == SHARED_DATA / "CDR_Data.mat"
    assert not cache.exists()  # nothing was downloaded
    with pytest.raises(DataError, match=r"data directory .*no-such-dir.* does not exist"):
        data_path("NNERDS.mat", cache.parent / "no-such-dir")


def test_wrong_hash_in_data_dir_is_rejected(tmp_path: Path, cache: Path) -> None:
    bad = corrupted_copy(tmp_path / "data")
    with pytest.raises(DataError) as info:
        data_path("NNERDS.mat", bad.parent)
    msg = str(info.value)
    assert "NNERDS.mat" in msg and KNOWN_FILES["NNERDS.mat"][0] in msg and sha256(bad) in msg
    assert "download it again from https://raw.githubusercontent.com/" in msg


@pytest.mark.network
def test_download_verifies_and_caches(cache: Path, serve: Serve) -> None:
    url = serve(SHARED_DATA)
    path = data_path("NNERDS.mat", base_url=url)
    assert path == cache / "NNERDS.mat" and sha256(path) == KNOWN_FILES["NNERDS.mat"][0]
    # The cached copy is reused: no server needed the second time.
    assert data_path("NNERDS.mat", base_url=f"http://127.0.0.1:{closed_port()}/") == path
    assert [f for f, _, ok in verify_all(cache) if ok] == ["NNERDS.mat"]


@pytest.mark.network
def test_download_url_from_environment(cache: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTDNN_DATA_URL", serve(SHARED_DATA).rstrip("/"))
    assert sha256(data_path("CDR_Data.mat")) == KNOWN_FILES["CDR_Data.mat"][0]


@pytest.mark.network
def test_corrupt_download_is_rejected_and_not_cached(tmp_path: Path, cache: Path, serve: Serve) -> None:
    url = serve(corrupted_copy(tmp_path / "served").parent)
    with pytest.raises(DataError) as info:
        data_path("NNERDS.mat", base_url=url)
    msg = str(info.value)
    assert "NNERDS.mat" in msg and url + "NNERDS.mat" in msg and "CTDNN_DATA_DIR" in msg and "--data-dir" in msg
    assert not cache.exists() or list(cache.iterdir()) == []  # no file, no temporary left behind


@pytest.mark.network
def test_corrupt_cached_file_is_replaced(cache: Path, serve: Serve) -> None:
    corrupted_copy(cache)
    path = data_path("NNERDS.mat", base_url=serve(SHARED_DATA))
    assert sha256(path) == KNOWN_FILES["NNERDS.mat"][0]


@pytest.mark.network
def test_unreachable_server(cache: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/data/"
    with pytest.raises(DataError) as info:
        data_path("CDR_Data.mat", base_url=url)
    msg = str(info.value)
    assert "CDR_Data.mat" in msg and url + "CDR_Data.mat" in msg and "CTDNN_DATA_DIR" in msg
    assert not cache.exists() or list(cache.iterdir()) == []


def test_verify_all(tmp_path: Path, cache: Path) -> None:
    assert verify_all(SHARED_DATA) == [(f, SHARED_DATA / f, True) for f in KNOWN_FILES]
    corrupted_copy(tmp_path / "d")
    shutil.copy(SHARED_DATA / "CDR_Data.mat", tmp_path / "d")
    assert {f: ok for f, _, ok in verify_all(tmp_path / "d")} == {"NNERDS.mat": False, "CDR_Data.mat": True}
    assert all(not ok for _, _, ok in verify_all())  # the empty cache: missing files
