"""Data loaders of both frameworks: shapes, dtypes, every example once per epoch, resize."""

import numpy as np
import pytest

from tests.test_fashion_mnist import needs_data, shared_cache  # noqa: F401

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

X = np.arange(23 * 2, dtype=np.float32).reshape(23, 2)
y = np.arange(23, dtype=np.int64)


@pytest.mark.parametrize("is_train", [True, False])
def test_load_array_yields_every_example_once(is_train):
    for loader, to_np in (
        (d2l_pt.load_array((torch.tensor(X), torch.tensor(y)), 5, is_train), lambda t: t.numpy()),
        (d2l_tf.load_array((X, y), 5, is_train), lambda t: t.numpy()),
    ):
        batches = list(loader)
        assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([to_np(b[1]) for b in batches])
        assert sorted(seen.tolist()) == list(range(23))
        if is_train:  # shuffled: the identity order has probability 1/23!
            assert seen.tolist() != list(range(23))
        else:  # evaluation data comes in its stored order
            assert seen.tolist() == list(range(23))
        for features, labels in batches:  # features stay paired with their labels
            np.testing.assert_array_equal(to_np(features), X[to_np(labels)])


def test_load_array_shuffles_differently_each_epoch():
    loader = d2l_tf.load_array((X, y), 23)
    orders = {tuple(next(iter(loader))[1].numpy().tolist()) for _ in range(3)}
    assert len(orders) > 1
    torch.manual_seed(0)
    loader = d2l_pt.load_array((torch.tensor(X), torch.tensor(y)), 23)
    orders = {tuple(next(iter(loader))[1].tolist()) for _ in range(3)}
    assert len(orders) > 1


def test_bad_batch_size():
    with pytest.raises(ValueError, match="positive int"):
        d2l_pt.load_array((torch.tensor(X),), 0)
    with pytest.raises(ValueError, match="positive int"):
        d2l_tf.load_array((X,), "8")


@needs_data
def test_fashion_mnist_batches(shared_cache):  # noqa: F811
    train_pt, test_pt = d2l_pt.load_data_fashion_mnist(256)
    X_pt, y_pt = next(iter(train_pt))
    assert X_pt.shape == (256, 1, 28, 28) and X_pt.dtype == torch.float32 and y_pt.dtype == torch.int64
    assert 0.0 <= float(X_pt.min()) and float(X_pt.max()) <= 1.0
    train_tf, test_tf = d2l_tf.load_data_fashion_mnist(256)
    X_tf, y_tf = next(iter(train_tf))
    assert X_tf.shape == (256, 28, 28, 1) and X_tf.dtype == tf.float32 and y_tf.dtype == tf.int32
    # the ordered test sets agree example for example, in each framework's layout
    first_pt, first_tf = next(iter(test_pt)), next(iter(test_tf))
    np.testing.assert_allclose(first_pt[0].numpy()[:, 0], first_tf[0].numpy()[..., 0])
    np.testing.assert_array_equal(first_pt[1].numpy(), first_tf[1].numpy())
    assert sum(len(b[1]) for b in test_pt) == sum(len(b[1]) for b in test_tf) == 10000


@needs_data
def test_fashion_mnist_subsets(shared_cache):  # noqa: F811
    for d2l in (d2l_pt, d2l_tf):
        train, test = d2l.load_data_fashion_mnist(100, num_train=250, num_test=120)
        assert [len(b[1]) for b in train] == [100, 100, 50]
        assert [len(b[1]) for b in test] == [100, 20]
        with pytest.raises(ValueError, match="num_examples"):
            d2l.load_data_fashion_mnist(100, num_train=0)
        with pytest.raises(ValueError, match="has 10000 examples"):
            d2l.load_data_fashion_mnist(100, num_test=10001)


@needs_data
def test_fashion_mnist_resize(shared_cache):  # noqa: F811
    _, test_pt = d2l_pt.load_data_fashion_mnist(32, resize=64)
    _, test_tf = d2l_tf.load_data_fashion_mnist(32, resize=64)
    X_pt, X_tf = next(iter(test_pt))[0], next(iter(test_tf))[0]
    assert X_pt.shape == (32, 1, 64, 64) and X_tf.shape == (32, 64, 64, 1)
    np.testing.assert_allclose(X_pt.numpy()[:, 0], X_tf.numpy()[..., 0], atol=0.05)
