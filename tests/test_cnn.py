"""Residual networks: the residual block's shapes and shape checks, and ResNet-18's parameter
counts, in both frameworks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402


def _shape_nhwc(block_pt, block_tf, nchw):
    """Run both blocks on zeros of the given NCHW shape; return both output shapes as NCHW."""
    n, c, h, w = nchw
    out_pt = tuple(block_pt(torch.zeros(n, c, h, w)).shape)
    out_tf = block_tf(tf.zeros((n, h, w, c))).shape
    return out_pt, (out_tf[0], out_tf[3], out_tf[1], out_tf[2])


@pytest.mark.parametrize(
    "in_ch, out_ch, use_1x1conv, strides, hw, expected",
    [
        (3, 3, False, 1, 6, (4, 3, 6, 6)),  # identity shortcut keeps the shape
        (3, 3, True, 1, 6, (4, 3, 6, 6)),  # 1x1 conv at stride 1 keeps it too
        (3, 6, True, 1, 6, (4, 6, 6, 6)),  # 1x1 conv changes the channels
        (3, 6, True, 2, 6, (4, 6, 3, 3)),  # ... and halves the resolution
        (4, 8, True, 2, 7, (4, 8, 4, 4)),  # odd sizes round up in both frameworks
    ],
)
def test_residual_shapes_agree(in_ch, out_ch, use_1x1conv, strides, hw, expected):
    block_pt = d2l_pt.Residual(in_ch, out_ch, use_1x1conv=use_1x1conv, strides=strides)
    block_tf = d2l_tf.Residual(out_ch, use_1x1conv=use_1x1conv, strides=strides)
    out_pt, out_tf = _shape_nhwc(block_pt, block_tf, (4, in_ch, hw, hw))
    assert out_pt == expected
    assert tuple(out_tf) == expected


def test_residual_without_1x1conv_refuses_a_shape_change():
    with pytest.raises(ValueError, match="use_1x1conv"):
        d2l_pt.Residual(3, 6)
    with pytest.raises(ValueError, match="use_1x1conv"):
        d2l_pt.Residual(3, 3, strides=2)
    with pytest.raises(ValueError, match="use_1x1conv"):
        d2l_tf.Residual(6)(tf.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="use_1x1conv"):
        d2l_tf.Residual(3, strides=2)(tf.zeros((1, 4, 4, 3)))


def _trainable_tf(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize("width, expected", [(64, 11_178_378), (16, 702_570)])
def test_resnet18_parameter_counts_agree(width, expected):
    net_pt = d2l_pt.resnet18(10, width=width)
    net_tf = d2l_tf.resnet18(10, width=width)
    assert sum(p.numel() for p in net_pt.parameters()) == expected
    assert _trainable_tf(net_tf) == expected


@pytest.mark.parametrize("width, size", [(8, 32), (8, 96)])
def test_resnet18_outputs_class_scores(width, size):
    net_pt = d2l_pt.resnet18(10, in_channels=3, width=width)
    net_tf = d2l_tf.resnet18(10, in_channels=3, width=width)
    assert tuple(net_pt(torch.zeros(2, 3, size, size)).shape) == (2, 10)
    assert tuple(net_tf(tf.zeros((2, size, size, 3))).shape) == (2, 10)


@pytest.mark.parametrize("module", [d2l_pt, d2l_tf], ids=["torch", "tensorflow"])
@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"width": 0}, ValueError, "width"),
        ({"width": "64"}, TypeError, "width"),
        ({"width": 16.0}, TypeError, "width"),
        ({"in_channels": -1}, ValueError, "in_channels"),
        ({"num_classes": True}, TypeError, "num_classes"),
    ],
)
def test_resnet18_rejects_bad_arguments(module, kwargs, error, name):
    kwargs = {"num_classes": 10, **kwargs}
    with pytest.raises(error, match=name):
        module.resnet18(**kwargs)


def test_residual_rejects_bad_arguments():
    with pytest.raises(ValueError, match="strides"):
        d2l_pt.Residual(3, 3, strides=0)
    with pytest.raises(TypeError, match="num_channels"):
        d2l_tf.Residual("6")
    with pytest.raises(TypeError, match="input_channels"):
        d2l_pt.Residual(3.0, 3)
