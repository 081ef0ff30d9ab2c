"""Convolution: corr2d in both frameworks, and the output-shape formula against both
frameworks' layers over a grid of (n, p, f, s)."""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402


def conv_output_size(n, p, f, s):
    """floor((n + 2p - f) / s) + 1: the output size of a convolution along one axis."""
    return (n + 2 * p - f) // s + 1


def test_corr2d_matches_the_worked_example_in_both_frameworks():
    X = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    K = np.arange(4.0, dtype=np.float32).reshape(2, 2)
    expected = [[19.0, 25.0], [37.0, 43.0]]
    np.testing.assert_array_equal(d2l_pt.corr2d(torch.tensor(X), torch.tensor(K)).numpy(), expected)
    np.testing.assert_array_equal(d2l_tf.corr2d(tf.constant(X), tf.constant(K)).numpy(), expected)


GRID = [
    (n, p, f, s)
    for n, p, f, s in itertools.product((5, 8, 11), (0, 1, 2), (1, 3, 5), (1, 2, 3))
    if n + 2 * p >= f
]


@pytest.mark.parametrize("n,p,f,s", GRID)
def test_output_size_formula_matches_both_frameworks(n, p, f, s):
    expected = conv_output_size(n, p, f, s)
    conv_pt = torch.nn.Conv2d(1, 1, kernel_size=f, padding=p, stride=s)
    assert conv_pt(torch.zeros(1, 1, n, n)).shape[-2:] == (expected, expected)
    # Keras has no numeric padding: pad explicitly, then a 'valid' convolution
    conv_tf = keras.Sequential([keras.layers.ZeroPadding2D(p), keras.layers.Conv2D(1, f, strides=s)])
    assert tuple(conv_tf(tf.zeros((1, n, n, 1))).shape[1:3]) == (expected, expected)


@pytest.mark.parametrize("n,s", [(5, 1), (8, 2), (11, 3), (7, 2)])
def test_keras_same_padding_gives_ceil_n_over_s(n, s):
    conv = keras.layers.Conv2D(1, 3, strides=s, padding="same")
    assert conv(tf.zeros((1, n, n, 1))).shape[1] == -(-n // s)
