"""Vision helpers: the offline sample photos, and RoI max pooling in both frameworks (the
hand-written TensorFlow one gives torchvision.ops.roi_pool's numbers; clear errors)."""

import numpy as np
import pytest

import d2lutils as d2l

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
tf = pytest.importorskip("tensorflow")
from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402


@pytest.mark.parametrize("name", d2l.sample_photo_names())
def test_sample_photos_are_rgb_uint8_and_fresh(name):
    photo = d2l.sample_photo(name)
    assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[2] == 3
    assert min(photo.shape[:2]) >= 256 and photo.std() > 10  # a real photo, not a blank
    photo[:] = 0  # a fresh copy: the next call is not affected
    assert d2l.sample_photo(name).std() > 10
    assert d2l.sample_photo_source(name)


def test_unknown_photo_lists_the_known_ones():
    with pytest.raises(ValueError, match="known photos: astronaut, chelsea"):
        d2l.sample_photo("hotdog")
    with pytest.raises(TypeError, match="name must be a str"):
        d2l.sample_photo(3)
    with pytest.raises(ValueError, match="unknown photo"):
        d2l.sample_photo_source("hotdog")


def _random_rois(rng, num_images, height, width, scale, k):
    """Boxes in image coordinates, some reaching past the map, some a single cell wide."""
    x1 = rng.uniform(-2, width / scale, size=k)
    y1 = rng.uniform(-2, height / scale, size=k)
    x2 = x1 + rng.uniform(0, width / scale, size=k)
    y2 = y1 + rng.uniform(0, height / scale, size=k)
    x2[:3] = x1[:3]  # degenerate: zero width
    idx = rng.integers(0, num_images, size=k)
    return np.stack([idx, x1, y1, x2, y2], axis=1).astype(np.float32)


@pytest.mark.parametrize(
    ("output_size", "scale", "seed"),
    [(2, 1.0, 0), ((3, 2), 0.5, 1), (7, 0.25, 2), ((1, 4), 1 / 16, 3), ((4, 3), 2.0, 4)],
)
def test_tf_roi_pool_gives_torchvision_numbers(output_size, scale, seed):
    rng = np.random.default_rng(seed)
    n, c, h, w = 2, 3, 9, 11
    features = rng.normal(size=(n, c, h, w)).astype(np.float32)
    boxes = _random_rois(rng, n, h, w, scale, k=40)
    expected = torchvision.ops.roi_pool(torch.tensor(features), torch.tensor(boxes), output_size, scale)
    got_tf = d2l_tf.roi_pool(
        tf.constant(features.transpose(0, 2, 3, 1)), tf.constant(boxes), output_size, scale
    )
    np.testing.assert_array_equal(got_tf.numpy().transpose(0, 3, 1, 2), expected.numpy())
    got_pt = d2l_pt.roi_pool(torch.tensor(features), torch.tensor(boxes), output_size, scale)
    np.testing.assert_array_equal(got_pt.numpy(), expected.numpy())


def test_roi_pool_halves_round_away_from_zero():
    # 0.5 and 2.5 cells: C's round gives 1 and 3, banker's rounding would give 0 and 2.
    features = np.arange(2 * 6 * 6, dtype=np.float32).reshape(1, 2, 6, 6)
    boxes = np.array([[0, 0.5, 2.5, 4.5, 3.5], [0, 1.5, 0.5, 5.5, 5.5]], dtype=np.float32)
    expected = torchvision.ops.roi_pool(torch.tensor(features), torch.tensor(boxes), (2, 2), 1.0)
    got = d2l_tf.roi_pool(features.transpose(0, 2, 3, 1), boxes, (2, 2))
    np.testing.assert_array_equal(got.numpy().transpose(0, 3, 1, 2), expected.numpy())


def test_tf_roi_pool_runs_in_a_compiled_function():
    features = tf.random.normal((1, 8, 8, 4), seed=0)
    boxes = tf.constant([[0, 0, 0, 7, 7], [0, 2, 3, 5, 6]], dtype=tf.float32)
    expected = d2l_tf.roi_pool(features, boxes, 2).numpy()
    compiled = tf.function(lambda f, b: d2l_tf.roi_pool(f, b, 2))
    np.testing.assert_array_equal(compiled(features, boxes).numpy(), expected)
    open_sizes = tf.function(
        lambda f, b: d2l_tf.roi_pool(f, b, 2),
        input_signature=[tf.TensorSpec((None, None, None, 4)), tf.TensorSpec((None, 5))],
    )
    np.testing.assert_array_equal(open_sizes(features, boxes).numpy(), expected)


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ([0, 5, 1, 2, 4], r"box 1 \[0.0, 5.0, 1.0, 2.0, 4.0\] has x2 < x1"),
        ([0, 1, 5, 2, 4], r"box 1 .* has y2 < y1"),
        ([2, 1, 1, 2, 2], r"box 1 .* batch index 2.0 is not an image index in \[0, 1\)"),
        ([0.5, 1, 1, 2, 2], r"batch index 0.5"),
        ([0, np.nan, 1, 2, 2], r"box 1 .* not finite"),
    ],
)
def test_bad_boxes_name_the_box(box, message):
    boxes = np.array([[0, 0, 0, 3, 3], box], dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        d2l_tf.roi_pool(np.zeros((1, 4, 4, 2), np.float32), boxes, 2)
    with pytest.raises(ValueError, match=message):
        d2l_pt.roi_pool(torch.zeros(1, 2, 4, 4), torch.tensor(boxes), 2)


def test_bad_shapes_and_sizes_are_named():
    with pytest.raises(ValueError, match=r"boxes must have shape \(K, 5\)"):
        d2l_tf.roi_pool(np.zeros((1, 4, 4, 2), np.float32), np.zeros((2, 4), np.float32), 2)
    with pytest.raises(ValueError, match=r"features must be a 4-D tensor \(N, H, W, C\)"):
        d2l_tf.roi_pool(np.zeros((4, 4, 2), np.float32), np.zeros((1, 5), np.float32), 2)
    with pytest.raises(ValueError, match=r"features must be a 4-D tensor \(N, C, H, W\)"):
        d2l_pt.roi_pool(torch.zeros(2, 4, 4), torch.zeros(1, 5), 2)
    with pytest.raises(ValueError, match="output_size must be a positive int"):
        d2l_tf.roi_pool(np.zeros((1, 4, 4, 2), np.float32), np.zeros((1, 5), np.float32), 0)
    with pytest.raises(TypeError, match="output_size must be a positive int"):
        d2l_pt.roi_pool(torch.zeros(1, 2, 4, 4), torch.zeros(1, 5), (2, 2.5))
    with pytest.raises(ValueError, match="spatial_scale must be a positive number"):
        d2l_pt.roi_pool(torch.zeros(1, 2, 4, 4), torch.zeros(1, 5), 2, spatial_scale=0)
