"""Fashion-MNIST from the cached idx files, as NumPy arrays (explained in "The image
classification dataset"). The framework loaders in ``d2lutils.torch`` and
``d2lutils.tensorflow`` build on :func:`read_fashion_mnist`.
"""

import gzip

import numpy as np

from d2lutils.data import DataError, download

#: The ten class names, indexed by label.
FASHION_MNIST_LABELS = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)

_FILES = {
    "train": ("fashion-mnist-train-images", "fashion-mnist-train-labels"),
    "test": ("fashion-mnist-test-images", "fashion-mnist-test-labels"),
}


def _read_idx(path, magic, ndim):
    """Read one gzipped idx file, checking its header, as a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    head = raw[: 4 * (1 + ndim)]
    header = np.frombuffer(head[: len(head) // 4 * 4], dtype=">u4")
    if len(header) < 1 + ndim or header[0] != magic:
        found = f"{int(header[0]):#x}" if len(header) else "nothing"
        raise DataError(
            f"{path} is not an idx file with magic number {magic:#x} "
            f"(found {found}); delete it and download it again"
        )
    shape = tuple(int(n) for n in header[1:])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + ndim))
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} holds {data.size} bytes of data, expected {shape}")
    return data.reshape(shape)


def read_fashion_mnist(split="train", cache_dir=None, num_examples=None):
    """Return ``(images, labels)`` of a Fashion-MNIST split as uint8 NumPy arrays.

    ``images`` has shape (N, 28, 28) with values 0..255, ``labels`` shape (N,) with values
    0..9; N is 60000 for ``"train"`` and 10000 for ``"test"``. Files come from
    :func:`d2lutils.download` (verified, cached; a clear :class:`DataError` when missing).
    ``num_examples`` keeps only the first that many examples (a quick run on a subset; the
    splits are not sorted by class, so the first examples cover all ten).
    """
    if split not in _FILES:
        raise ValueError(f"read_fashion_mnist(split): expected 'train' or 'test', got {split!r}")
    images_name, labels_name = _FILES[split]
    images = _read_idx(download(images_name, cache_dir), 0x803, 3)
    labels = _read_idx(download(labels_name, cache_dir), 0x801, 1)
    if len(images) != len(labels):
        raise DataError(f"Fashion-MNIST {split}: {len(images)} images but {len(labels)} labels")
    if num_examples is not None:
        if not isinstance(num_examples, int) or isinstance(num_examples, bool) or not 0 < num_examples:
            raise ValueError(f"num_examples must be a positive int or None, got {num_examples!r}")
        if num_examples > len(labels):
            raise ValueError(f"num_examples={num_examples}: the {split} split has {len(labels)} examples")
        images, labels = images[:num_examples], labels[:num_examples]
    return images, labels


def get_fashion_mnist_labels(labels):
    """Text names of numeric Fashion-MNIST labels (a list, array or tensor of ints)."""
    return [FASHION_MNIST_LABELS[int(i)] for i in np.asarray(labels).reshape(-1)]
