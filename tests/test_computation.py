"""Deep-learning-computation basics the book relies on: the custom layers of "Custom layers"
(run from the notebook itself) have the same parameter counts in both frameworks, and
save/load round trips reproduce a model's outputs exactly."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
import keras  # noqa: E402
from torch import nn  # noqa: E402

from tests.nbtools import ROOT, read, top_level_bindings  # noqa: E402

CUSTOM_LAYERS = ROOT / "notebooks" / "05-deep-learning-computation" / "04-custom-layer.md"


def notebook_definitions(md, *names):
    """Run the notebook's own cells that define ``names`` (after its import cells); return them.

    Tests the code readers see, not a copy of it: a change to the notebook's classes is
    tested here the next time the suite runs.
    """
    namespace = {}
    cells = [c for c in read(md).cells if c.cell_type == "code"]
    imports = [c for c in cells if c.source.lstrip().startswith(("import ", "from "))]
    defining = [c for c in cells if top_level_bindings(c.source) & set(names)]
    assert defining, f"{md.name} defines none of {names}"
    for cell in imports + defining:
        if "%pip" in cell.source:
            continue
        exec(compile(cell.source, f"{md.name}", "exec"), namespace)
    return [namespace[name] for name in names]


MyLinear_pt, MyDense_tf = notebook_definitions(CUSTOM_LAYERS, "MyLinear_pt", "MyDense_tf")


def test_custom_layers_have_the_same_parameter_counts():
    net_pt = nn.Sequential(MyLinear_pt(64, 8), MyLinear_pt(8, 1))
    net_tf = keras.Sequential([keras.Input((64,)), MyDense_tf(8), MyDense_tf(1)])
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
