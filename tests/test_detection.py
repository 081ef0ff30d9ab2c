"""Bounding boxes and anchor boxes: both frameworks give the same numbers, and agree with
torchvision.ops, tf.image and keras.utils.bounding_boxes where those have the function."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
torchvision = pytest.importorskip("torchvision")

from d2lutils import tensorflow as d2l_tf  # noqa: E402
from d2lutils import torch as d2l_pt  # noqa: E402

#: The worked example of "Anchor boxes": two objects (dog, cat) and five anchors.
GROUND_TRUTH = np.array([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]], np.float32)
ANCHORS = np.array(
    [
        [0, 0.1, 0.2, 0.3],
        [0.15, 0.2, 0.4, 0.4],
        [0.63, 0.05, 0.88, 0.98],
        [0.66, 0.45, 0.8, 0.8],
        [0.57, 0.3, 0.92, 0.9],
    ],
    np.float32,
)


def random_boxes(n, seed, scale=1.0, spread=0.7):
    """n corner boxes with positive sizes inside [0, scale]^2, upper-left corners within spread."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, spread, (n, 2))
    wh = rng.uniform(0.05, 0.3, (n, 2))
    return (np.concatenate((xy, xy + wh), axis=1) * scale).astype(np.float32)


def both(name, *args, **kwargs):
    """Call d2l_pt.<name> and d2l_tf.<name> on the same NumPy arguments; return NumPy results."""
    out_pt = getattr(d2l_pt, name)(
        *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs
    )
    out_tf = getattr(d2l_tf, name)(
        *[tf.constant(a) if isinstance(a, np.ndarray) else a for a in args], **kwargs
    )
    return out_pt, out_tf


# ---- corner and centre formats ----


def test_corner_center_round_trip_and_torchvision():
    boxes = random_boxes(20, 0, scale=500)
    center_pt, center_tf = both("box_corner_to_center", boxes)
    ref = torchvision.ops.box_convert(torch.tensor(boxes), "xyxy", "cxcywh")
    np.testing.assert_allclose(center_pt.numpy(), ref.numpy(), rtol=1e-6)
    np.testing.assert_allclose(center_tf.numpy(), ref.numpy(), rtol=1e-6)
    back_pt = d2l_pt.box_center_to_corner(center_pt)
    back_tf = d2l_tf.box_center_to_corner(center_tf)
    np.testing.assert_allclose(back_pt.numpy(), boxes, rtol=1e-5)
    np.testing.assert_allclose(back_tf.numpy(), boxes, rtol=1e-5)
    np.testing.assert_allclose(
        d2l_pt.box_center_to_corner(ref).numpy(),
        torchvision.ops.box_convert(ref, "cxcywh", "xyxy").numpy(),
        rtol=1e-6,
    )


def test_corner_to_center_matches_keras():
    import keras

    boxes = random_boxes(10, 1, scale=200)
    ref = keras.utils.bounding_boxes.convert_format(boxes, source="xyxy", target="center_xywh")
    np.testing.assert_allclose(d2l_tf.box_corner_to_center(boxes).numpy(), np.asarray(ref), rtol=1e-5)


@pytest.mark.parametrize("d2l", [d2l_pt, d2l_tf], ids=["pt", "tf"])
def test_bad_boxes_are_named(d2l):
    boxes = np.array([[0, 0, 10, 10], [5, 5, 2, 8]], np.float32)  # box 1 has x2 < x1
    with pytest.raises(ValueError, match=r"box 1 .*x2 < x1"):
        d2l.box_corner_to_center(boxes)
    with pytest.raises(ValueError, match=r"boxes2: box 1"):
        d2l.box_iou(boxes[:1], boxes)
    with pytest.raises(ValueError, match=r"box 0 .*negative width"):
        d2l.box_center_to_corner(np.array([[5, 5, -1, 2]], np.float32))
    with pytest.raises(ValueError, match="last axis"):
        d2l.box_corner_to_center(np.zeros((3, 5), np.float32))


def test_wrong_image_rank():
    with pytest.raises(ValueError, match="4-D NCHW"):
        d2l_pt.multibox_prior(torch.zeros(3, 8, 8), sizes=[0.5], ratios=[1])
    with pytest.raises(ValueError, match="4-D NHWC"):
        d2l_tf.multibox_prior(tf.zeros((8, 8, 3)), sizes=[0.5], ratios=[1])
    with pytest.raises(ValueError, match="sizes"):
        d2l_pt.multibox_prior(torch.zeros(1, 3, 8, 8), sizes=[], ratios=[1])
    with pytest.raises(ValueError, match="ratios"):
        d2l_tf.multibox_prior(tf.zeros((1, 8, 8, 3)), sizes=[0.5], ratios=[0])


def test_bbox_to_rect():
    for d2l in (d2l_pt, d2l_tf):
        rect = d2l.bbox_to_rect(np.array([60.0, 45.0, 378.0, 516.0]), "blue")
        assert rect.get_xy() == (60.0, 45.0)
        assert (rect.get_width(), rect.get_height()) == (318.0, 471.0)
        assert not rect.get_fill()


def test_show_bboxes_draws_boxes_and_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for d2l in (d2l_pt, d2l_tf):
        fig, ax = plt.subplots()
        d2l.show_bboxes(ax, ANCHORS * 100, labels=list("abcde"), colors=["k", "w"])
        assert len(ax.patches) == 5 and len(ax.texts) == 5
        with pytest.raises(ValueError, match="labels"):
            d2l.show_bboxes(ax, ANCHORS, labels=["a"])
        plt.close(fig)


# ---- anchors ----


def test_multibox_prior_agrees_and_is_right():
    h, w = 6, 8
    sizes, ratios = [0.75, 0.5, 0.25], [1, 2, 0.5]
    out_pt = d2l_pt.multibox_prior(torch.zeros(1, 3, h, w), sizes, ratios)
    out_tf = d2l_tf.multibox_prior(tf.zeros((1, h, w, 3)), sizes, ratios)
    assert tuple(out_pt.shape) == tuple(out_tf.shape) == (1, h * w * 5, 4)
    np.testing.assert_allclose(out_pt.numpy(), out_tf.numpy(), atol=1e-6)
    boxes = out_pt.reshape(h, w, 5, 4)
    # Centred on the pixel (row 2, column 3) in relative coordinates.
    centre = d2l_pt.box_corner_to_center(boxes[2, 3])
    np.testing.assert_allclose(centre[:, 0].numpy(), (3 + 0.5) / w, atol=1e-6)
    np.testing.assert_allclose(centre[:, 1].numpy(), (2 + 0.5) / h, atol=1e-6)
    # In pixels, the first anchor is a square of side 0.75 * h; ratio 2 is twice as wide as high.
    wh_pixels = centre[:, 2:].numpy() * np.array([w, h])
    np.testing.assert_allclose(wh_pixels[0], [0.75 * h, 0.75 * h], rtol=1e-5)
    np.testing.assert_allclose(wh_pixels[3, 0] / wh_pixels[3, 1], 2.0, rtol=1e-5)
    np.testing.assert_allclose(wh_pixels[3, 0] * wh_pixels[3, 1], (0.75 * h) ** 2, rtol=1e-5)


# ---- IoU ----


def test_box_iou_agrees_with_torchvision_and_keras():
    import keras

    a, b = random_boxes(30, 2), random_boxes(20, 3)
    iou_pt, iou_tf = both("box_iou", a, b)
    ref = torchvision.ops.box_iou(torch.tensor(a), torch.tensor(b)).numpy()
    assert ref.max() > 0.1 and (ref == 0).any()  # the sample has overlaps and disjoint pairs
    np.testing.assert_allclose(iou_pt.numpy(), ref, atol=1e-6)
    np.testing.assert_allclose(iou_tf.numpy(), ref, atol=1e-6)
    ref_keras = keras.utils.bounding_boxes.compute_iou(a, b, bounding_box_format="xyxy")
    np.testing.assert_allclose(iou_tf.numpy(), np.asarray(ref_keras), atol=1e-5)


# ---- labelling anchors ----


def test_assign_anchor_to_bbox():
    gt = GROUND_TRUTH[:, 1:]
    got_pt = d2l_pt.assign_anchor_to_bbox(torch.tensor(gt), torch.tensor(ANCHORS), "cpu")
    got_tf = d2l_tf.assign_anchor_to_bbox(tf.constant(gt), tf.constant(ANCHORS))
    assert got_pt.tolist() == got_tf.numpy().tolist() == [-1, 0, 1, -1, 1]


def test_multibox_target_worked_example():
    offset_pt, mask_pt, cls_pt = d2l_pt.multibox_target(
        torch.tensor(ANCHORS[None]), torch.tensor(GROUND_TRUTH[None])
    )
    offset_tf, mask_tf, cls_tf = d2l_tf.multibox_target(
        tf.constant(ANCHORS[None]), tf.constant(GROUND_TRUTH[None])
    )
    assert cls_pt.tolist() == cls_tf.numpy().tolist() == [[0, 1, 2, 0, 2]]
    assert mask_pt.tolist() == mask_tf.numpy().tolist() == [[0] * 4 + [1] * 8 + [0] * 4 + [1] * 4]
    expected = [0, 0, 0, 0, 1.4, 10, 2.5940, 7.1754, -1.2, 0.2687, 1.6824, -1.5655]
    expected += [0, 0, 0, 0, -0.5714, -1.0, 0.0, 0.6258]
    np.testing.assert_allclose(offset_pt.numpy()[0], expected, atol=1e-3)
    np.testing.assert_allclose(offset_tf.numpy()[0], offset_pt.numpy()[0], atol=1e-5)


def test_multibox_target_ignores_padding_and_agrees_on_random_batches():
    anchors = d2l_pt.multibox_prior(torch.zeros(1, 3, 5, 5), [0.4, 0.2], [1, 2, 0.5])
    rng = np.random.default_rng(4)
    labels = np.full((3, 4, 5), -1, np.float32)  # up to 4 objects per image, -1 rows pad
    for i, n in enumerate([1, 3, 4]):
        labels[i, :n, 0] = rng.integers(0, 3, n)
        labels[i, :n, 1:] = random_boxes(n, 10 + i)
    out_pt = d2l_pt.multibox_target(anchors, torch.tensor(labels))
    out_tf = d2l_tf.multibox_target(tf.constant(anchors.numpy()), tf.constant(labels))
    for a, b in zip(out_pt, out_tf, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4)
    # Padding changes nothing: the first image alone gives the same targets.
    alone = d2l_pt.multibox_target(anchors, torch.tensor(labels[:1, :1]))
    for a, b in zip(out_pt, alone, strict=True):
        np.testing.assert_allclose(a[:1].numpy(), b.numpy())
    # Every object gets at least one anchor.
    classes = out_pt[2].numpy()
    assert (classes > 0).sum(axis=1).min() >= 1
    with pytest.raises(ValueError, match="labels must be"):
        d2l_pt.multibox_target(anchors, torch.tensor(labels[0]))
    with pytest.raises(ValueError, match="labels must be"):
        d2l_tf.multibox_target(anchors.numpy(), labels[0])


def test_offsets_invert():
    anchors, boxes = random_boxes(15, 5), random_boxes(15, 6)
    off_pt, off_tf = both("offset_boxes", anchors, boxes)
    np.testing.assert_allclose(off_pt.numpy(), off_tf.numpy(), rtol=1e-4, atol=1e-4)
    back_pt = d2l_pt.offset_inverse(torch.tensor(anchors), off_pt)
    back_tf = d2l_tf.offset_inverse(tf.constant(anchors), off_tf)
    np.testing.assert_allclose(back_pt.numpy(), boxes, atol=1e-4)
    np.testing.assert_allclose(back_tf.numpy(), boxes, atol=1e-4)


# ---- non-maximum suppression and detections ----


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_nms_agrees_with_torchvision_and_tf_image(seed, threshold):
    boxes = random_boxes(60, seed, spread=0.3)  # crowded: many overlaps at every threshold
    scores = np.random.default_rng(seed + 100).permutation(60).astype(np.float32) / 60  # no ties
    keep_pt, keep_tf = both("nms", boxes, scores, threshold)
    ref_tv = torchvision.ops.nms(torch.tensor(boxes), torch.tensor(scores), threshold).tolist()
    ref_tf = tf.image.non_max_suppression(
        tf.constant(boxes[:, [1, 0, 3, 2]]), tf.constant(scores), max_output_size=60, iou_threshold=threshold
    ).numpy()
    assert 1 < len(ref_tv) < 60
    assert keep_pt.tolist() == keep_tf.numpy().tolist() == ref_tv == ref_tf.tolist()


def test_multibox_detection_worked_example():
    anchors = np.array(
        [[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]],
        np.float32,
    )
    offsets = np.zeros((1, 16), np.float32)
    cls_probs = np.array([[[0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]]], np.float32)
    out_pt, out_tf = both("multibox_detection", cls_probs, offsets, anchors[None], nms_threshold=0.5)
    assert tuple(out_pt.shape) == (1, 4, 6)
    np.testing.assert_allclose(out_pt.numpy(), out_tf.numpy(), atol=1e-6)
    np.testing.assert_allclose(
        out_pt[0, :, :2].numpy(), [[0, 0.9], [1, 0.9], [-1, 0.8], [-1, 0.7]], atol=1e-6
    )
    np.testing.assert_allclose(out_pt[0, :2, 2:].numpy(), anchors[[0, 3]], atol=1e-6)


def test_multibox_detection_agrees_on_random_predictions():
    anchors = d2l_pt.multibox_prior(torch.zeros(1, 3, 4, 4), [0.5, 0.25], [1, 2])
    num_anchors = anchors.shape[1]
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(2, 3, num_anchors)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs[0, 1:, :5] = 0.001  # a few anchors below pos_threshold
    offsets = rng.normal(scale=0.5, size=(2, num_anchors * 4)).astype(np.float32)
    out_pt = d2l_pt.multibox_detection(torch.tensor(probs), torch.tensor(offsets), anchors)
    out_tf = d2l_tf.multibox_detection(tf.constant(probs), tf.constant(offsets), tf.constant(anchors.numpy()))
    np.testing.assert_allclose(out_pt.numpy(), out_tf.numpy(), atol=1e-5)
    kept = out_pt[0][out_pt[0, :, 0] >= 0]
    assert len(kept) > 0 and bool((kept[1:, 1] <= kept[:-1, 1]).all())  # by decreasing score
    with pytest.raises(ValueError, match="cls_probs"):
        d2l_pt.multibox_detection(torch.tensor(probs[0]), torch.tensor(offsets), anchors)
    with pytest.raises(ValueError, match="offset_preds"):
        d2l_tf.multibox_detection(probs, offsets[:, :8], anchors.numpy())


def test_tf_multibox_target_runs_in_a_tf_function():
    anchors = d2l_tf.multibox_prior(tf.zeros((1, 4, 4, 3)), [0.5, 0.25], [1, 2])
    labels = tf.constant(
        [[[0, 0.1, 0.1, 0.5, 0.5], [-1, -1, -1, -1, -1]], [[1, 0.3, 0.2, 0.9, 0.8], [0, 0.0, 0.5, 0.4, 0.9]]],
        tf.float32,
    )
    graph = tf.function(d2l_tf.multibox_target)(anchors, labels)
    eager = d2l_tf.multibox_target(anchors, labels)
    for a, b in zip(graph, eager, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy())
