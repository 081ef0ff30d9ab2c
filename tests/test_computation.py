"""Deep-learning-computation basics the book relies on: custom layers' parameter counts in
both frameworks, and save/load round trips that reproduce a model's outputs exactly."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402
from torch import nn  # noqa: E402


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return torch.relu(X @ self.weight + self.bias)


class MyDense(keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.bias = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, X):
        return tf.nn.relu(X @ self.kernel + self.bias)


def test_custom_layers_have_the_same_parameter_counts():
    net_pt = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    net_tf = keras.Sequential([keras.Input((64,)), MyDense(8), MyDense(1)])
    assert sum(p.numel() for p in net_pt.parameters()) == 529
    assert net_tf.count_params() == 529
    assert net_pt(torch.rand(2, 64)).shape == (2, 1) and net_tf(tf.random.uniform((2, 64))).shape == (2, 1)


def _mlp_pt(hidden=256):
    return nn.Sequential(nn.Linear(20, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def _mlp_tf(hidden=256):
    return keras.Sequential(
        [keras.Input((20,)), keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(10)]
    )


def test_torch_state_dict_round_trip(tmp_path):
    net, X = _mlp_pt(), torch.rand(2, 20)
    torch.save(net.state_dict(), tmp_path / "mlp.params")
    clone = _mlp_pt()
    clone.load_state_dict(torch.load(tmp_path / "mlp.params", weights_only=True))
    assert torch.equal(clone(X), net(X))
    with pytest.raises(RuntimeError, match="size mismatch"):
        _mlp_pt(128).load_state_dict(torch.load(tmp_path / "mlp.params", weights_only=True))


def test_keras_weights_round_trip(tmp_path):
    net, X = _mlp_tf(), tf.random.uniform((2, 20))
    net.save_weights(tmp_path / "mlp.weights.h5")
    clone = _mlp_tf()
    clone.load_weights(tmp_path / "mlp.weights.h5")
    np.testing.assert_array_equal(clone(X).numpy(), net(X).numpy())
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        net.save_weights(tmp_path / "mlp.h5")
    with pytest.raises(ValueError):
        _mlp_tf(128).load_weights(tmp_path / "mlp.weights.h5")
