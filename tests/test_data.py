"""The dataset cache: verified downloads, atomic writes, clear errors offline or on corruption."""

import hashlib
import http.server
import socket
import threading
import zipfile
from pathlib import Path

import pytest

import d2lutils as d2l
from d2lutils.data import DATASETS, DataError, Dataset, download, sha1sum

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CONTENT = b"The Time Traveller (for so it will be convenient to speak of him)\n" * 50


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        body, declared = self.routes.get(self.path, (None, None))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(declared or len(body)))
        self.end_headers()
        self.wfile.write(body)  # may be shorter than declared: a cut connection

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.routes
    httpd.shutdown()


def _entry(url, content=CONTENT, **kw):
    return Dataset("toy", "toy/file.txt", url, hashlib.sha1(content).hexdigest(), **kw)


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.txt"


def test_registry_has_every_shared_dataset():
    paths = {entry.path for entry in DATASETS.values()}
    for expected in [
        "fashion-mnist/train-images-idx3-ubyte.gz",
        "fashion-mnist/t10k-labels-idx1-ubyte.gz",
        "time_machine/timemachine.txt",
        "kaggle_house/kaggle_house_pred_train.csv",
        "kaggle_house/kaggle_house_pred_test.csv",
        "fra-eng/fra.txt",
        "ml2022spring-hw1/covid.train.csv",
        "ml2022spring-hw1/covid.test.csv",
    ]:
        assert expected in paths
    for entry in DATASETS.values():
        assert entry.url.startswith("https://") and len(entry.sha1) == 40


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the repo")
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_registry_checksums_match_the_shared_copies(name):
    assert download(name, cache_dir=SHARED) == SHARED / DATASETS[name].path


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    assert d2l.data_dir() == tmp_path
    monkeypatch.delenv("D2L_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert d2l.data_dir() == tmp_path / "cache" / "d2lutils"


def test_download_fetches_verifies_and_caches(server, tmp_path):
    base, routes = server
    routes["/good.txt"] = (CONTENT, None)
    entry = _entry(base + "/good.txt")
    path = download(entry, cache_dir=tmp_path)
    assert path == tmp_path / "toy/file.txt" and path.read_bytes() == CONTENT
    del routes["/good.txt"]  # a second call must not touch the network
    assert download(entry, cache_dir=tmp_path) == path
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.txt"]


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    base, routes = server
    routes["/tampered.txt"] = (CONTENT + b"x", None)
    with pytest.raises(DataError, match="checksum mismatch") as err:
        download(_entry(base + "/tampered.txt"), cache_dir=tmp_path)
    assert "'toy'" in str(err.value) and str(tmp_path / "toy/file.txt") in str(err.value)
    assert list((tmp_path / "toy").iterdir()) == []


def test_partial_download_leaves_no_file(server, tmp_path):
    base, routes = server
    routes["/cut.txt"] = (CONTENT[:100], len(CONTENT))
    with pytest.raises(DataError, match="not available"):
        download(_entry(base + "/cut.txt"), cache_dir=tmp_path, timeout=5)
    assert list((tmp_path / "toy").iterdir()) == []


def test_offline_error_names_dataset_path_and_fix(tmp_path):
    with pytest.raises(DataError) as err:
        download(_entry(_closed_port_url()), cache_dir=tmp_path, timeout=5)
    message = str(err.value)
    assert "Dataset 'toy' is not available" in message
    assert str(tmp_path / "toy/file.txt") in message and "does not exist" in message
    assert "D2L_DATA_DIR" in message


def test_corrupt_cached_file_is_reported_and_kept_when_offline(tmp_path):
    target = tmp_path / "toy/file.txt"
    target.parent.mkdir()
    target.write_bytes(b"garbage")
    with pytest.raises(DataError, match="corrupt") as err:
        download(_entry(_closed_port_url()), cache_dir=tmp_path, timeout=5)
    assert hashlib.sha1(CONTENT).hexdigest() in str(err.value)
    assert target.read_bytes() == b"garbage"  # the reader's file is never deleted


def test_corrupt_cached_file_is_replaced_by_a_verified_download(server, tmp_path):
    base, routes = server
    routes["/fresh.txt"] = (CONTENT, None)
    target = tmp_path / "toy/file.txt"
    target.parent.mkdir()
    target.write_bytes(b"garbage")
    assert download(_entry(base + "/fresh.txt"), cache_dir=tmp_path).read_bytes() == CONTENT


def test_archive_member_is_extracted_and_checked(server, tmp_path):
    base, routes = server
    archive = tmp_path / "src.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("toy/file.txt", CONTENT)
    data = archive.read_bytes()
    routes["/toy.zip"] = (data, None)
    entry = _entry(base + "/toy.zip", archive_sha1=hashlib.sha1(data).hexdigest())
    path = download(entry, cache_dir=tmp_path / "cache")
    assert path.read_bytes() == CONTENT and sha1sum(path) == entry.sha1
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.txt"]


def test_bad_names_give_clear_errors():
    with pytest.raises(DataError, match="Unknown dataset 'mnist'.*fashion-mnist-train-images"):
        download("mnist")
    with pytest.raises(TypeError, match="expected a dataset name"):
        download(42)
