"""Reading pretrained checkpoints and ImageNet class names without a framework (explained in "Fine-
tuning").

:func:`read_torch_checkpoint` reads a PyTorch ``state_dict`` file into NumPy arrays without
importing torch, so that TensorFlow can load torchvision's published weights. It reads both
of torch's formats:

- the *legacy* format (``torch.save(..., _use_new_zipfile_serialization=False)``, and every
  checkpoint torchvision published before 2020): five pickles one after the other (a magic
  number, the protocol version, information about the machine, the object itself, the list
  of storage keys), followed by each storage as an 8-byte little-endian element count and
  its raw little-endian bytes;
- the *zip* format (the default since torch 1.6): ``<name>/data.pkl`` is the pickled object and
  ``<name>/data/<key>`` holds the raw bytes of each storage.

In both, a tensor is pickled as a call to ``torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, ...)`` whose storage is a *persistent id*, a reference to the storage's bytes
stored outside the pickle. The unpickler below resolves only these names (and
``collections.OrderedDict``); anything else in the file is refused, as ``torch.load(...,
weights_only=True)`` refuses it.

:func:`read_image_folder` and :func:`load_hotdog` read a folder of labelled photos in the
layout of the reference book's hot-dog dataset, ``<root>/{train,test}/<class>/<image>``.
"""

import io
import json
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

__all__ = ["imagenet_classes", "load_hotdog", "read_image_folder", "read_torch_checkpoint"]

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001

# torch storage class name -> NumPy dtype (little-endian)
_STORAGE_DTYPES = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}


class _Storage:
    """A storage named by the pickle; its bytes are filled in after unpickling."""

    def __init__(self, dtype, key, numel):
        self.dtype, self.key, self.numel = np.dtype(dtype), str(key), int(numel)
        self.array = None


class _LazyTensor:
    """A tensor whose storage is not read yet: ``_rebuild_tensor_v2``'s arguments."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, int(offset)
        self.size, self.stride = tuple(size), tuple(stride)

    def resolve(self):
        data = self.storage.array
        if not self.size:
            return np.array(data[self.offset])
        needed = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride)) + 1
        if needed > data.size:
            raise ValueError(
                f"a tensor of shape {self.size} needs {needed} elements of storage "
                f"{self.storage.key!r}, which has {data.size}"
            )
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :], shape=self.size, strides=tuple(s * data.itemsize for s in self.stride)
        )
        return np.array(view)  # a contiguous copy that owns its memory


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return _LazyTensor(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, hooks=None):
    return data


class _StorageType:
    def __init__(self, name):
        self.name = name


class _CheckpointUnpickler(pickle.Unpickler):
    """Resolves torch's tensors and storages to placeholders; refuses every other global."""

    def __init__(self, file, storages):
        super().__init__(file, encoding="utf-8")
        self.storages = storages  # key -> _Storage

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(
            f"the checkpoint refers to {module}.{name}, which a plain state_dict of tensors does not contain"
        )

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r}")
        key = str(key)
        if key not in self.storages:
            self.storages[key] = _Storage(_STORAGE_DTYPES[storage_type.name], key, numel)
        return self.storages[key]


def _read_exact(f, n, what):
    data = f.read(n)
    if len(data) != n:
        raise EOFError(f"the file ends inside {what} ({len(data)} of {n} bytes)")
    return data


def _load_legacy(f):
    magic = pickle.load(f)
    if magic != _LEGACY_MAGIC:
        raise pickle.UnpicklingError("no torch magic number at the start")
    protocol = pickle.load(f)
    if protocol != _LEGACY_PROTOCOL:
        raise pickle.UnpicklingError(f"unsupported torch protocol version {protocol!r}")
    sys_info = pickle.load(f)
    if not sys_info.get("little_endian", True):
        raise pickle.UnpicklingError("a big-endian checkpoint is not supported")
    storages = {}
    obj = _CheckpointUnpickler(f, storages).load()
    keys = pickle.load(f)
    for key in keys:
        storage = storages[str(key)]
        (count,) = struct.unpack("<q", _read_exact(f, 8, f"the size of storage {key!r}"))
        nbytes = count * storage.dtype.itemsize
        raw = _read_exact(f, nbytes, f"storage {key!r}")
        storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return obj, storages


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise pickle.UnpicklingError("the zip archive holds no single data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        storages = {}
        with archive.open(pickles[0]) as f:
            obj = _CheckpointUnpickler(io.BytesIO(f.read()), storages).load()
        for key, storage in storages.items():
            raw = archive.read(f"{prefix}data/{key}")
            nbytes = storage.numel * storage.dtype.itemsize
            if len(raw) < nbytes:
                raise EOFError(f"storage {key!r} holds {len(raw)} of {nbytes} bytes")
            storage.array = np.frombuffer(raw[:nbytes], dtype=storage.dtype)
    return obj, storages


def _resolve(obj):
    if isinstance(obj, _LazyTensor):
        return obj.resolve()
    if isinstance(obj, dict):
        return {k: _resolve(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_resolve(v) for v in obj)
    return obj


def read_torch_checkpoint(path):
    """Read a PyTorch ``state_dict`` file into a dict ``name -> NumPy array``, without torch
    (explained in "Fine-tuning").

    Reads torch's legacy serialization and its zip format. The arrays have the tensors'
    shapes and dtypes (``float32`` weights, ``int64`` counters such as
    ``num_batches_tracked``) and exactly their values. A file that is not a torch checkpoint,
    is truncated or holds anything but tensors raises ``ValueError`` naming the file.
    """
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        if zipfile.is_zipfile(path):
            obj, _ = _load_zip(path)
        else:
            with open(path, "rb") as f:
                obj, _ = _load_legacy(f)
        if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
            obj = obj["state_dict"]
        if not isinstance(obj, dict):
            raise pickle.UnpicklingError(f"expected a state_dict, found a {type(obj).__name__}")
        state = _resolve(obj)
    except (
        pickle.UnpicklingError,
        EOFError,
        KeyError,
        ValueError,
        struct.error,
        zipfile.BadZipFile,
        AttributeError,
        IndexError,
        TypeError,
    ) as err:
        raise ValueError(f"{path} is not a readable torch checkpoint: {type(err).__name__}: {err}") from err
    bad = [k for k, v in state.items() if not isinstance(v, np.ndarray)]
    if bad:
        raise ValueError(f"{path}: entries {bad[:5]} are not tensors")
    return dict(state)


def imagenet_classes():
    """The names of the 1000 ImageNet-1k classes in the index order of the pretrained models
    (index 281 is ``'tabby, tabby cat'``), read from the registry file
    ``imagenet1k_class_names`` (explained in "Fine-tuning")."""
    from d2lutils.data import download

    with open(download("imagenet1k_class_names"), encoding="utf-8") as f:
        names = json.load(f)
    if not isinstance(names, list) or len(names) != 1000:
        raise ValueError("imagenet1k_class_names must be a JSON list of 1000 names")
    return names


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def read_image_folder(folder, size):
    """Read every image under ``folder/<class>/`` into a uint8 array of shape
    (n, size, size, 3), resized with bilinear filtering, and int64 labels (the index of the
    class folder in sorted order). Returns ``(images, labels, class_names)`` (explained in
    "Fine-tuning")."""
    from PIL import Image

    from d2lutils.params import check_positive_int

    size = check_positive_int("size", size)
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no image folder at {folder}")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if not classes:
        raise ValueError(f"{folder} holds no class folders")
    images, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(p for p in (folder / name).iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
        for file in files:
            with Image.open(file) as img:
                img = img.convert("RGB").resize((size, size), Image.BILINEAR)
                images.append(np.asarray(img, dtype=np.uint8))
            labels.append(label)
    if not images:
        raise ValueError(f"{folder} holds no images")
    return np.stack(images), np.array(labels, dtype=np.int64), classes


def load_hotdog(size=96, root=None):
    """The reference book's hot-dog dataset (1400 photos of hot dogs and 1400 of other food,
    each split into 1000 for training and 400 for testing) as
    ``((train_images, train_labels), (test_images, test_labels), class_names)``, uint8 images
    of shape (n, size, size, 3) and labels 0 = ``hotdog``, 1 = ``not-hotdog`` (explained in
    "Fine-tuning").

    ``root`` is a folder in the dataset's layout ``<root>/{train,test}/{hotdog,not-hotdog}/``;
    by default it comes from ``d2l.download("hotdog")`` (online, or a copy in the cache).
    """
    if root is None:
        from d2lutils.data import download

        root = download("hotdog")
    root = Path(root)
    train = read_image_folder(root / "train", size)
    test = read_image_folder(root / "test", size)
    if train[2] != test[2]:
        raise ValueError(f"{root}: train classes {train[2]} differ from test classes {test[2]}")
    return train[:2], test[:2], train[2]
