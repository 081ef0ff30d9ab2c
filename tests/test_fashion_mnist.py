import gzip

import numpy as np
import pytest

import d2lutils as d2l
from d2lutils.data import DATASETS, DataError
from tests.test_data import SHARED

needs_data = pytest.mark.skipif(not (SHARED / "fashion-mnist").is_dir(), reason="no Fashion-MNIST copy")


@pytest.fixture
def shared_cache(monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(SHARED))


@needs_data
def test_read_fashion_mnist_shapes_and_classes(shared_cache):
    images, labels = d2l.read_fashion_mnist("test")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and np.bincount(labels).tolist() == [1000] * 10


def test_text_labels():
    assert d2l.get_fashion_mnist_labels([0, 9, 3]) == ["t-shirt", "ankle boot", "dress"]
    assert d2l.get_fashion_mnist_labels(np.array([[1], [8]])) == ["trouser", "bag"]


def test_bad_split_is_a_clear_error():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        d2l.read_fashion_mnist("validation")


def test_missing_file_offline_names_the_dataset(monkeypatch, tmp_path):
    monkeypatch.setitem(
        DATASETS,
        "fashion-mnist-test-images",
        DATASETS["fashion-mnist-test-images"].__class__(
            "fashion-mnist-test-images",
            "fashion-mnist/t10k-images-idx3-ubyte.gz",
            "http://127.0.0.1:9/t10k-images-idx3-ubyte.gz",
            DATASETS["fashion-mnist-test-images"].sha1,
        ),
    )
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="'fashion-mnist-test-images' is not available"):
        d2l.read_fashion_mnist("test")


def test_wrong_idx_header_is_reported(tmp_path):
    from d2lutils.fashion_mnist import _read_idx

    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as f:
        f.write(np.array([0x801, 2], dtype=">u4").tobytes() + b"\x00\x01")
    with pytest.raises(DataError, match="magic number 0x803"):
        _read_idx(path, 0x803, 3)
