"""Bounding boxes and anchor boxes in TensorFlow (explained in "Anchor boxes").

Boxes are tensors whose last axis holds four numbers: corner format ``(x1, y1, x2, y2)``
(upper-left and lower-right corners) or centre format ``(cx, cy, w, h)``. Images and feature
maps are NHWC, as everywhere in TensorFlow. :mod:`d2lutils.torch.detection` mirrors every
function and gives the same numbers. The value checks (x2 < x1, ...) run in eager mode; inside
a ``tf.function`` only the shapes are checked.
"""

import tensorflow as tf

from d2lutils.plotting import draw_bboxes

__all__ = [
    "assign_anchor_to_bbox",
    "bbox_to_rect",
    "box_center_to_corner",
    "box_corner_to_center",
    "box_iou",
    "multibox_detection",
    "multibox_prior",
    "multibox_target",
    "nms",
    "offset_boxes",
    "offset_inverse",
    "show_bboxes",
]


def _as_boxes(boxes, name, corner=True):
    """``boxes`` as a float32 tensor of shape (..., 4); corner boxes must have x2 >= x1, y2 >= y1."""
    boxes = tf.convert_to_tensor(boxes)
    if not boxes.dtype.is_floating:
        boxes = tf.cast(boxes, tf.float32)
    if boxes.shape.rank == 0 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have 4 numbers on its last axis, got shape {tuple(boxes.shape)}")
    if tf.executing_eagerly():
        flat = tf.reshape(boxes, (-1, 4))
        if corner:
            bad = (flat[:, 2] < flat[:, 0]) | (flat[:, 3] < flat[:, 1])
            what = "x2 < x1 or y2 < y1"
        else:
            bad = (flat[:, 2] < 0) | (flat[:, 3] < 0)
            what = "a negative width or height"
        if bool(tf.reduce_any(bad)):
            i = int(tf.where(bad)[0, 0])
            raise ValueError(f"{name}: box {i} {[round(float(v), 4) for v in flat[i]]} has {what}")
    return boxes


def box_corner_to_center(boxes):
    """Convert boxes (..., 4) from corners (x1, y1, x2, y2) to (cx, cy, w, h).

    Explained in "Object detection and bounding boxes". Raises ValueError for a box with
    x2 < x1 or y2 < y1.
    """
    boxes = _as_boxes(boxes, "boxes")
    x1, y1, x2, y2 = tf.unstack(boxes, axis=-1)
    return tf.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), axis=-1)


def box_center_to_corner(boxes):
    """Convert boxes (..., 4) from (cx, cy, w, h) to corners (x1, y1, x2, y2).

    Explained in "Object detection and bounding boxes". Raises ValueError for a box with a
    negative width or height.
    """
    boxes = _as_boxes(boxes, "boxes", corner=False)
    cx, cy, w, h = tf.unstack(boxes, axis=-1)
    return tf.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), axis=-1)


def bbox_to_rect(bbox, color):
    """A matplotlib Rectangle for one corner-format box (x1, y1, x2, y2), outline only.

    Explained in "Object detection and bounding boxes".
    """
    from matplotlib.patches import Rectangle

    x1, y1, x2, y2 = (float(v) for v in tf.reshape(_as_boxes(bbox, "bbox"), (-1,))[:4])
    return Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=2)


def multibox_prior(data, sizes, ratios):
    """Anchor boxes centred on every pixel of ``data`` (NHWC: h, w = data.shape[1:3]).

    Each pixel gets ``len(sizes) + len(ratios) - 1`` anchors: every size with ``ratios[0]``,
    then ``sizes[0]`` with every other ratio. A size s and ratio r give an anchor of relative
    width ``s * sqrt(r) * h / w`` and height ``s / sqrt(r)``, so that r is the width-to-height
    ratio in pixels. Returns (1, h * w * num_anchors, 4) in corner format, relative to the
    image (0..1). Explained in "Anchor boxes".
    """
    shape = getattr(data, "shape", None)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"data must be a 4-D NHWC tensor, got {type(data).__name__ if shape is None else tuple(shape)}"
        )
    sizes, ratios = list(sizes), list(ratios)
    for name, values in (("sizes", sizes), ("ratios", ratios)):
        if not values or any(float(v) <= 0 for v in values):
            raise ValueError(f"{name} must be a non-empty list of positive numbers, got {values}")
    h, w = int(shape[1]), int(shape[2])
    # (size, ratio) pairs: every size with the first ratio, the first size with the others.
    s = tf.constant(sizes + [sizes[0]] * (len(ratios) - 1), tf.float32)
    r = tf.constant([ratios[0]] * len(sizes) + ratios[1:], tf.float32)
    half_w = s * tf.sqrt(r) * h / w / 2
    half_h = s / tf.sqrt(r) / 2
    half = tf.stack((-half_w, -half_h, half_w, half_h), axis=1)  # (num_anchors, 4)
    cy = (tf.range(h, dtype=tf.float32) + 0.5) / h
    cx = (tf.range(w, dtype=tf.float32) + 0.5) / w
    cy, cx = tf.meshgrid(cy, cx, indexing="ij")
    centres = tf.reshape(tf.stack((cx, cy, cx, cy), axis=-1), (-1, 1, 4))  # (h * w, 1, 4)
    return tf.reshape(centres + half, (1, -1, 4))


def show_bboxes(axes, bboxes, labels=None, colors=None):
    """Draw corner-format boxes (N, 4), in the image's pixel coordinates, on matplotlib axes.

    ``labels`` (one string per box) are written in the boxes' upper-left corners. Explained in
    "Anchor boxes".
    """
    bboxes = tf.reshape(_as_boxes(bboxes, "bboxes"), (-1, 4)).numpy()
    draw_bboxes(axes, bboxes, labels, colors, bbox_to_rect)


def box_iou(boxes1, boxes2):
    """Intersection over union of every pair: (N, 4) and (M, 4) corner boxes -> (N, M).

    Explained in "Anchor boxes". Agrees with ``keras.utils.bounding_boxes.compute_iou``.
    """
    boxes1, boxes2 = _as_boxes(boxes1, "boxes1"), _as_boxes(boxes2, "boxes2")
    if boxes1.shape.rank != 2 or boxes2.shape.rank != 2:
        raise ValueError(
            f"boxes1 and boxes2 must be (N, 4) and (M, 4), got {tuple(boxes1.shape)}, {tuple(boxes2.shape)}"
        )

    def area(b):
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    upper_left = tf.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    lower_right = tf.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = tf.reduce_prod(tf.maximum(lower_right - upper_left, 0.0), axis=-1)
    union = area(boxes1)[:, None] + area(boxes2)[None, :] - inter
    return inter / tf.maximum(union, 1e-12)  # two empty boxes: IoU 0, not NaN


def assign_anchor_to_bbox(ground_truth, anchors, iou_threshold=0.5, valid=None):
    """Index of the ground-truth box assigned to each anchor, -1 for none: (num_anchors,).

    First every ground-truth box takes, in turn, the anchor of largest IoU left (the largest
    entry of the IoU table, whose row and column are then discarded); the other anchors take
    their best box if its IoU is at least ``iou_threshold``. ``valid`` (num_gt,) booleans mark
    the real boxes among padding (default: all). TensorFlow places tensors itself, so unlike
    the PyTorch version there is no ``device`` argument. Explained in "Anchor boxes".
    """
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold}")
    jaccard = box_iou(anchors, ground_truth)  # (num_anchors, num_gt)
    num_anchors, num_gt = jaccard.shape
    if num_gt == 0:
        return tf.fill((num_anchors,), tf.constant(-1, tf.int64))
    if valid is not None:
        jaccard = tf.where(tf.convert_to_tensor(valid)[None, :], jaccard, -1.0)
    best_iou = tf.reduce_max(jaccard, axis=1)
    best_gt = tf.argmax(jaccard, axis=1)
    assigned = tf.where(best_iou >= iou_threshold, best_gt, -1)
    table = jaccard
    anchor_ids = tf.range(num_anchors, dtype=tf.int64)
    box_ids = tf.range(num_gt, dtype=tf.int64)
    for _ in range(min(num_gt, num_anchors)):
        flat = tf.argmax(tf.reshape(table, (-1,)))
        anchor, box = flat // num_gt, flat % num_gt
        real = tf.reshape(table, (-1,))[flat] >= 0  # only padding left: assign nothing
        assigned = tf.where((anchor_ids == anchor) & real, box, assigned)
        table = tf.where((anchor_ids[:, None] == anchor) | (box_ids[None, :] == box), -1.0, table)
    return assigned


def offset_boxes(anchors, assigned_bb, eps=1e-6):
    """Offsets of the boxes assigned to anchors, both (N, 4) corner boxes -> (N, 4).

    ``(10 (cx - cx_a) / w_a, 10 (cy - cy_a) / h_a, 5 log(w / w_a), 5 log(h / h_a))``: the
    usual normalisation with means 0 and standard deviations 0.1 and 0.2. Explained in
    "Anchor boxes".
    """
    c_anc = box_corner_to_center(anchors)
    c_box = box_corner_to_center(assigned_bb)
    offset_xy = 10 * (c_box[:, :2] - c_anc[:, :2]) / c_anc[:, 2:]
    offset_wh = 5 * tf.math.log(eps + c_box[:, 2:] / c_anc[:, 2:])
    return tf.concat((offset_xy, offset_wh), axis=1)


def multibox_target(anchors, labels):
    """Label anchors with classes and offsets.

    ``anchors`` (1, A, 4) corner boxes; ``labels`` (B, G, 5) rows ``(class, x1, y1, x2, y2)``,
    relative coordinates like the anchors; rows with a negative class are padding and ignored.
    Returns ``(bbox_offset (B, A * 4), bbox_mask (B, A * 4), class_labels (B, A))``: the
    offsets, a mask that is 1 for the four numbers of every anchor assigned to an object and 0
    for background, and the class of each anchor plus one (0 for background, int64). Explained
    in "Anchor boxes".
    """
    labels = tf.cast(tf.convert_to_tensor(labels), tf.float32)
    if labels.shape.rank != 3 or labels.shape[-1] != 5:
        raise ValueError(
            f"labels must be (batch, boxes, 5) rows of (class, x1, y1, x2, y2), got {tuple(labels.shape)}"
        )
    anchors = tf.reshape(_as_boxes(anchors, "anchors"), (-1, 4))
    offsets, masks, classes = [], [], []
    for b in range(labels.shape[0]):
        label = labels[b]
        valid = label[:, 0] >= 0
        boxes = tf.where(valid[:, None], label[:, 1:], 0.0)  # padding rows: harmless empty boxes
        assigned = assign_anchor_to_bbox(boxes, anchors, valid=valid)
        positive = assigned >= 0
        safe = tf.maximum(assigned, 0)
        mask = tf.tile(tf.cast(positive, tf.float32)[:, None], (1, 4))
        class_labels = tf.where(positive, tf.cast(tf.gather(label[:, 0], safe), tf.int64) + 1, 0)
        assigned_bb = tf.where(positive[:, None], tf.gather(boxes, safe), anchors)
        # Background anchors get offset 0 (the mask removes them from the loss).
        offset = offset_boxes(anchors, assigned_bb) * mask
        offsets.append(tf.reshape(offset, (-1,)))
        masks.append(tf.reshape(mask, (-1,)))
        classes.append(class_labels)
    return tf.stack(offsets), tf.stack(masks), tf.stack(classes)


def offset_inverse(anchors, offset_preds):
    """Boxes from anchors (N, 4) and predicted offsets (N, 4): the inverse of `offset_boxes`.

    Explained in "Anchor boxes".
    """
    c_anc = box_corner_to_center(anchors)
    offset_preds = tf.cast(offset_preds, c_anc.dtype)
    xy = offset_preds[:, :2] * c_anc[:, 2:] / 10 + c_anc[:, :2]
    wh = tf.exp(offset_preds[:, 2:] / 5) * c_anc[:, 2:]
    return box_center_to_corner(tf.concat((xy, wh), axis=1))


def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression: indices of the kept boxes (int64), highest score first.

    Repeatedly keeps the box of highest score left and drops every box whose IoU with it is
    above ``iou_threshold``. Runs eagerly. Explained in "Anchor boxes". Agrees with
    ``tf.image.non_max_suppression``.
    """
    boxes = _as_boxes(boxes, "boxes")
    scores = tf.convert_to_tensor(scores)
    if boxes.shape.rank != 2 or scores.shape != boxes.shape[:1]:
        raise ValueError(
            f"boxes must be (N, 4) and scores (N,), got {tuple(boxes.shape)} and {tuple(scores.shape)}"
        )
    order = tf.argsort(scores, direction="DESCENDING", stable=True)
    keep = []
    while int(tf.size(order)) > 0:
        i = int(order[0])
        keep.append(i)
        if int(tf.size(order)) == 1:
            break
        rest = order[1:]
        iou = tf.reshape(box_iou(boxes[i : i + 1], tf.gather(boxes, rest)), (-1,))
        order = tf.boolean_mask(rest, iou <= iou_threshold)
    return tf.constant(keep, tf.int64)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5, pos_threshold=0.009999999):
    """Predicted boxes from class probabilities and offsets, after NMS.

    ``cls_probs`` (B, num_classes + 1, A) with background in row 0 (the PyTorch layout, so the
    two frameworks share one call; transpose a (B, A, classes + 1) softmax first),
    ``offset_preds`` (B, A * 4), ``anchors`` (1, A, 4). Returns (B, A, 6) rows ``(class,
    score, x1, y1, x2, y2)``: kept boxes first, by decreasing score; class -1 marks a box
    removed by NMS or with a score below ``pos_threshold``. Explained in "Anchor boxes".
    """
    cls_probs = tf.convert_to_tensor(cls_probs)
    offset_preds = tf.convert_to_tensor(offset_preds)
    anchors = tf.reshape(_as_boxes(anchors, "anchors"), (-1, 4))
    num_anchors = anchors.shape[0]
    if cls_probs.shape.rank != 3 or cls_probs.shape[2] != num_anchors:
        raise ValueError(
            f"cls_probs must be (batch, classes + 1, {num_anchors}), got {tuple(cls_probs.shape)}"
        )
    if tuple(offset_preds.shape) != (cls_probs.shape[0], 4 * num_anchors):
        raise ValueError(
            f"offset_preds must be ({cls_probs.shape[0]}, {4 * num_anchors}), got {tuple(offset_preds.shape)}"
        )
    out = []
    for b in range(cls_probs.shape[0]):
        probs = cls_probs[b]
        conf = tf.reduce_max(probs[1:], axis=0)
        class_id = tf.argmax(probs[1:], axis=0)
        boxes = offset_inverse(anchors, tf.reshape(offset_preds[b], (-1, 4)))
        keep = nms(boxes, conf, nms_threshold)
        kept = tf.scatter_nd(keep[:, None], tf.ones_like(keep, tf.bool), (num_anchors,))
        order = tf.concat((keep, tf.where(~kept)[:, 0]), axis=0)
        class_id = tf.gather(tf.where(kept, class_id, -1), order)
        conf = tf.gather(conf, order)
        low = conf < pos_threshold
        class_id = tf.where(low, tf.constant(-1, tf.int64), class_id)
        conf = tf.where(low, 1 - conf, conf)
        row = tf.concat(
            (tf.cast(class_id, conf.dtype)[:, None], conf[:, None], tf.gather(boxes, order)), axis=1
        )
        out.append(row)
    return tf.stack(out)
