"""Dataset registry, local cache and verified downloads (introduced in "Data preprocessing").

Every dataset the book uses is listed in :data:`DATASETS` with its public URL and SHA-1.
:func:`download` returns the local path of a verified copy, fetching it if needed.

The cache root is ``$D2L_DATA_DIR`` if set, otherwise ``~/.cache/d2lutils`` (or
``$XDG_CACHE_HOME/d2lutils``). A file lives at ``<cache root>/<dataset path>``, e.g.
``fashion-mnist/train-images-idx3-ubyte.gz``; to work offline, put the files there or
point ``D2L_DATA_DIR`` at a folder laid out the same way.
"""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

_FMNIST = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"
_D2L = "https://d2l-data.s3-accelerate.amazonaws.com/"
_HW1 = (
    "https://raw.githubusercontent.com/seanpeng12/ML2022Spring_HW/"
    "765eb483bc75f694e3c950dc291ad1a274d5480f/hw1/"
)


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or cannot be fetched. The message says how to fix it."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry: where a file lives in the cache and how to get and check it.

    ``path`` is relative to the cache root and ``sha1`` is the checksum of that file.
    When ``archive_sha1`` is set, ``url`` points to a zip archive (with that SHA-1)
    that contains the file under the same relative path.
    """

    name: str
    path: str
    url: str
    sha1: str
    archive_sha1: str | None = None


def _entries(*datasets):
    return {d.name: d for d in datasets}


#: Every dataset the book reads, by name.
DATASETS = _entries(
    Dataset(
        "fashion-mnist-train-images",
        "fashion-mnist/train-images-idx3-ubyte.gz",
        _FMNIST + "train-images-idx3-ubyte.gz",
        "95978b76b6897f6ca69a25145d01716efb615989",
    ),
    Dataset(
        "fashion-mnist-train-labels",
        "fashion-mnist/train-labels-idx1-ubyte.gz",
        _FMNIST + "train-labels-idx1-ubyte.gz",
        "09814cfef5a041118ceace42f8dae995319d331a",
    ),
    Dataset(
        "fashion-mnist-test-images",
        "fashion-mnist/t10k-images-idx3-ubyte.gz",
        _FMNIST + "t10k-images-idx3-ubyte.gz",
        "5edda96c6d8c36ff915115a0e8136d370a021576",
    ),
    Dataset(
        "fashion-mnist-test-labels",
        "fashion-mnist/t10k-labels-idx1-ubyte.gz",
        _FMNIST + "t10k-labels-idx1-ubyte.gz",
        "9caad14e1aff9adac77d3744963212d36af15bee",
    ),
    Dataset(
        "time_machine",
        "time_machine/timemachine.txt",
        _D2L + "timemachine.txt",
        "090b5e7e70c295757f55df93cb0a180b9691891a",
    ),
    Dataset(
        "kaggle_house_train",
        "kaggle_house/kaggle_house_pred_train.csv",
        _D2L + "kaggle_house_pred_train.csv",
        "585e9cc93e70b39160e7921475f9bcd7d31219ce",
    ),
    Dataset(
        "kaggle_house_test",
        "kaggle_house/kaggle_house_pred_test.csv",
        _D2L + "kaggle_house_pred_test.csv",
        "fa19780a7b011d9b009e8bff8e99922a8ee2eb90",
    ),
    Dataset(
        "fra-eng",
        "fra-eng/fra.txt",
        _D2L + "fra-eng.zip",
        "c43f99dce27311d3afd4d3e0716848194cfcc103",
        archive_sha1="94646ad1522d915e7b0f9296181140edcf86a4f5",
    ),
    Dataset(
        "covid-train",
        "ml2022spring-hw1/covid.train.csv",
        _HW1 + "covid.train.csv",
        "45609602f86f406268a1d627553e9fd50e7b0871",
    ),
    Dataset(
        "covid-test",
        "ml2022spring-hw1/covid.test.csv",
        _HW1 + "covid.test.csv",
        "a6a85af56233400acf6e0078320548301a379356",
    ),
)


def data_dir():
    """The cache root: ``$D2L_DATA_DIR``, else the user's cache directory + ``d2lutils``."""
    env = os.environ.get("D2L_DATA_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "d2lutils"


def sha1sum(path, chunk_size=1 << 20):
    """SHA-1 hex digest of a file, read in chunks."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


_verified = {}  # path -> (size, mtime) of files already checked in this process


def _is_valid(path, sha1):
    stat = path.stat()
    key = (stat.st_size, stat.st_mtime_ns)
    if _verified.get(path) == key:
        return True
    if sha1sum(path) == sha1:
        _verified[path] = key
        return True
    return False


def _how_to_fix(entry, target):
    return (
        f"To provide it, download {entry.url} yourself"
        + (" and extract it" if entry.archive_sha1 else "")
        + f" so that the file is at {target}, or set D2L_DATA_DIR to a folder that holds "
        f"'{entry.path}' (for example a copy of the book's shared data folder)."
    )


def download(name, cache_dir=None, timeout=60):
    """Return the local path of dataset file ``name``, downloading and verifying it if needed.

    ``name`` is a key of :data:`DATASETS` (or a :class:`Dataset`). A cached file is used when
    its SHA-1 matches. Otherwise the file is fetched to a temporary file in the same folder,
    checked, and renamed into place, so an interrupted or corrupt download never leaves a
    file behind. A file that cannot be obtained raises :class:`DataError`, which names the
    dataset, the expected path and how to provide the file. A corrupt cached file is left
    untouched unless a verified replacement was downloaded.
    """
    if isinstance(name, Dataset):
        entry = name
    elif isinstance(name, str):
        try:
            entry = DATASETS[name]
        except KeyError:
            known = ", ".join(sorted(DATASETS))
            raise DataError(f"Unknown dataset {name!r}. Known datasets: {known}.") from None
    else:
        raise TypeError(f"download(name): expected a dataset name (str), got {type(name).__name__}")
    root = Path(cache_dir).expanduser() if cache_dir is not None else data_dir()
    target = root / entry.path
    corrupt = target.exists() and not _is_valid(target, entry.sha1)
    if target.exists() and not corrupt:
        return target
    problem = (
        f"the cached file {target} is corrupt (SHA-1 {sha1sum(target)}, expected {entry.sha1})"
        if corrupt
        else f"{target} does not exist"
    )
    try:
        _fetch(entry, target, timeout)
    except (OSError, urllib.error.URLError, DataError, zipfile.BadZipFile) as err:
        raise DataError(
            f"Dataset {entry.name!r} is not available: {problem}, and downloading "
            f"it failed ({err}). {_how_to_fix(entry, target)}"
        ) from err
    return target


def _fetch(entry, target, timeout):
    """Download ``entry`` into ``target`` atomically (temporary file, checksum, rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(entry.url, timeout=timeout) as r:
            expected = r.headers.get("Content-Length")
            digest, size = hashlib.sha1(), 0
            while chunk := r.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        if expected is not None and size != int(expected):
            raise DataError(f"incomplete download: {size} of {expected} bytes")
        want = entry.archive_sha1 or entry.sha1
        if digest.hexdigest() != want:
            raise DataError(f"checksum mismatch for {entry.url}: SHA-1 {digest.hexdigest()}, expected {want}")
        if entry.archive_sha1:
            _extract_member(tmp, entry, target)
        else:
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _extract_member(archive, entry, target):
    """Extract ``entry.path`` from the zip ``archive`` into ``target`` via a checked temp file."""
    with zipfile.ZipFile(archive) as zf:
        data = zf.read(entry.path)
    if hashlib.sha1(data).hexdigest() != entry.sha1:
        raise DataError(f"the archive member {entry.path} has an unexpected SHA-1")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
