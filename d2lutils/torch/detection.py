"""Bounding boxes and anchor boxes in PyTorch (explained in "Anchor boxes").

Boxes are tensors whose last axis holds four numbers: corner format ``(x1, y1, x2, y2)``
(upper-left and lower-right corners) or centre format ``(cx, cy, w, h)``. Images and feature
maps are NCHW, as everywhere in PyTorch. :mod:`d2lutils.tensorflow.detection` mirrors every
function and gives the same numbers.
"""

import torch

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
    """``boxes`` as a float tensor of shape (..., 4); corner boxes must have x2 >= x1, y2 >= y1."""
    boxes = torch.as_tensor(boxes)
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if boxes.dim() == 0 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have 4 numbers on its last axis, got shape {tuple(boxes.shape)}")
    flat = boxes.reshape(-1, 4)
    if corner:
        bad = (flat[:, 2] < flat[:, 0]) | (flat[:, 3] < flat[:, 1])
        what = "x2 < x1 or y2 < y1"
    else:
        bad = (flat[:, 2] < 0) | (flat[:, 3] < 0)
        what = "a negative width or height"
    if bool(bad.any()):
        i = int(torch.nonzero(bad)[0, 0])
        raise ValueError(f"{name}: box {i} {[round(float(v), 4) for v in flat[i]]} has {what}")
    return boxes


def box_corner_to_center(boxes):
    """Convert boxes (..., 4) from corners (x1, y1, x2, y2) to (cx, cy, w, h).

    Explained in "Object detection and bounding boxes". Raises ValueError for a box with
    x2 < x1 or y2 < y1.
    """
    boxes = _as_boxes(boxes, "boxes")
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def box_center_to_corner(boxes):
    """Convert boxes (..., 4) from (cx, cy, w, h) to corners (x1, y1, x2, y2).

    Explained in "Object detection and bounding boxes". Raises ValueError for a box with a
    negative width or height.
    """
    boxes = _as_boxes(boxes, "boxes", corner=False)
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), dim=-1)


def bbox_to_rect(bbox, color):
    """A matplotlib Rectangle for one corner-format box (x1, y1, x2, y2), outline only.

    Explained in "Object detection and bounding boxes".
    """
    from matplotlib.patches import Rectangle

    x1, y1, x2, y2 = (float(v) for v in _as_boxes(bbox, "bbox").reshape(-1)[:4])
    return Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=2)


def multibox_prior(data, sizes, ratios):
    """Anchor boxes centred on every pixel of ``data`` (NCHW: h, w = data.shape[-2:]).

    Each pixel gets ``len(sizes) + len(ratios) - 1`` anchors: every size with ``ratios[0]``,
    then ``sizes[0]`` with every other ratio. A size s and ratio r give an anchor of relative
    width ``s * sqrt(r) * h / w`` and height ``s / sqrt(r)``, so that r is the width-to-height
    ratio in pixels. Returns (1, h * w * num_anchors, 4) in corner format, relative to the
    image (0..1). Explained in "Anchor boxes".
    """
    if not isinstance(data, torch.Tensor) or data.dim() != 4:
        shape = tuple(data.shape) if hasattr(data, "shape") else type(data).__name__
        raise ValueError(f"data must be a 4-D NCHW tensor, got {shape}")
    sizes, ratios = list(sizes), list(ratios)
    for name, values in (("sizes", sizes), ("ratios", ratios)):
        if not values or any(float(v) <= 0 for v in values):
            raise ValueError(f"{name} must be a non-empty list of positive numbers, got {values}")
    h, w = data.shape[-2:]
    device = data.device
    size_t = torch.tensor(sizes, dtype=torch.float32, device=device)
    ratio_t = torch.tensor(ratios, dtype=torch.float32, device=device)
    # (size, ratio) pairs: every size with the first ratio, the first size with the others.
    s = torch.cat((size_t, size_t[:1].expand(len(ratios) - 1)))
    r = torch.cat((ratio_t[:1].expand(len(sizes)), ratio_t[1:]))
    half_w = s * torch.sqrt(r) * h / w / 2
    half_h = s / torch.sqrt(r) / 2
    half = torch.stack((-half_w, -half_h, half_w, half_h), dim=1)  # (num_anchors, 4)
    cy = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
    cx = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
    cy, cx = torch.meshgrid(cy, cx, indexing="ij")
    centres = torch.stack((cx, cy, cx, cy), dim=-1).reshape(-1, 1, 4)  # (h * w, 1, 4)
    return (centres + half).reshape(1, -1, 4)


def show_bboxes(axes, bboxes, labels=None, colors=None):
    """Draw corner-format boxes (N, 4), in the image's pixel coordinates, on matplotlib axes.

    ``labels`` (one string per box) are written in the boxes' upper-left corners. Explained in
    "Anchor boxes".
    """
    bboxes = _as_boxes(bboxes, "bboxes").detach().cpu().reshape(-1, 4)
    draw_bboxes(axes, bboxes, labels, colors, bbox_to_rect)


def box_iou(boxes1, boxes2):
    """Intersection over union of every pair: (N, 4) and (M, 4) corner boxes -> (N, M).

    Explained in "Anchor boxes". Agrees with ``torchvision.ops.box_iou``.
    """
    boxes1, boxes2 = _as_boxes(boxes1, "boxes1"), _as_boxes(boxes2, "boxes2")
    if boxes1.dim() != 2 or boxes2.dim() != 2:
        raise ValueError(
            f"boxes1 and boxes2 must be (N, 4) and (M, 4), got {tuple(boxes1.shape)}, {tuple(boxes2.shape)}"
        )

    def area(b):
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    upper_left = torch.max(boxes1[:, None, :2], boxes2[None, :, :2])
    lower_right = torch.min(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = (lower_right - upper_left).clamp(min=0).prod(dim=-1)
    union = area(boxes1)[:, None] + area(boxes2)[None, :] - inter
    return inter / union.clamp(min=1e-12)  # two empty boxes: IoU 0, not NaN


def assign_anchor_to_bbox(ground_truth, anchors, device, iou_threshold=0.5):
    """Index of the ground-truth box assigned to each anchor, -1 for none: (num_anchors,).

    First every ground-truth box takes, in turn, the anchor of largest IoU left (the largest
    entry of the IoU table, whose row and column are then discarded); the other anchors take
    their best box if its IoU is at least ``iou_threshold``. Explained in "Anchor boxes".
    """
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold}")
    jaccard = box_iou(anchors, ground_truth).to(device)  # (num_anchors, num_gt)
    num_anchors, num_gt = jaccard.shape
    best_iou, best_gt = jaccard.max(dim=1) if num_gt else (jaccard.new_zeros(num_anchors), None)
    assigned = torch.full((num_anchors,), -1, dtype=torch.long, device=device)
    if num_gt == 0:
        return assigned
    keep = best_iou >= iou_threshold
    assigned[keep] = best_gt[keep]
    table = jaccard.clone()
    for _ in range(min(num_gt, num_anchors)):
        flat = int(torch.argmax(table))
        anchor, box = flat // num_gt, flat % num_gt
        assigned[anchor] = box
        table[anchor, :] = -1
        table[:, box] = -1
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
    offset_wh = 5 * torch.log(eps + c_box[:, 2:] / c_anc[:, 2:])
    return torch.cat((offset_xy, offset_wh), dim=1)


def multibox_target(anchors, labels):
    """Label anchors with classes and offsets.

    ``anchors`` (1, A, 4) corner boxes; ``labels`` (B, G, 5) rows ``(class, x1, y1, x2, y2)``,
    relative coordinates like the anchors; rows with a negative class are padding and ignored.
    Returns ``(bbox_offset (B, A * 4), bbox_mask (B, A * 4), class_labels (B, A))``: the
    offsets, a mask that is 1 for the four numbers of every anchor assigned to an object and 0
    for background, and the class of each anchor plus one (0 for background). Explained in
    "Anchor boxes".
    """
    labels = torch.as_tensor(labels)
    if labels.dim() != 3 or labels.shape[-1] != 5:
        raise ValueError(
            f"labels must be (batch, boxes, 5) rows of (class, x1, y1, x2, y2), got {tuple(labels.shape)}"
        )
    anchors = _as_boxes(anchors, "anchors")
    anchors = anchors.reshape(-1, 4)
    device = anchors.device
    offsets, masks, classes = [], [], []
    for label in labels.to(device).float():
        label = label[label[:, 0] >= 0]
        assigned = assign_anchor_to_bbox(label[:, 1:], anchors, device)
        mask = (assigned >= 0).float().unsqueeze(-1).repeat(1, 4)
        class_labels = torch.zeros(len(anchors), dtype=torch.long, device=device)
        assigned_bb = torch.zeros((len(anchors), 4), dtype=torch.float32, device=device)
        idx = torch.nonzero(assigned >= 0).reshape(-1)
        box_idx = assigned[idx]
        class_labels[idx] = label[box_idx, 0].long() + 1
        assigned_bb[idx] = label[box_idx, 1:]
        # Background anchors get offset 0 (the mask removes them from the loss).
        offset = offset_boxes(anchors, torch.where(mask.bool(), assigned_bb, anchors)) * mask
        offsets.append(offset.reshape(-1))
        masks.append(mask.reshape(-1))
        classes.append(class_labels)
    return torch.stack(offsets), torch.stack(masks), torch.stack(classes)


def offset_inverse(anchors, offset_preds):
    """Boxes from anchors (N, 4) and predicted offsets (N, 4): the inverse of `offset_boxes`.

    Explained in "Anchor boxes".
    """
    c_anc = box_corner_to_center(anchors)
    offset_preds = torch.as_tensor(offset_preds, dtype=c_anc.dtype)
    xy = offset_preds[:, :2] * c_anc[:, 2:] / 10 + c_anc[:, :2]
    wh = torch.exp(offset_preds[:, 2:] / 5) * c_anc[:, 2:]
    return box_center_to_corner(torch.cat((xy, wh), dim=1))


def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression: indices of the kept boxes, highest score first.

    Repeatedly keeps the box of highest score left and drops every box whose IoU with it is
    above ``iou_threshold``. Explained in "Anchor boxes". Agrees with ``torchvision.ops.nms``.
    """
    boxes = _as_boxes(boxes, "boxes")
    scores = torch.as_tensor(scores)
    if boxes.dim() != 2 or scores.shape != boxes.shape[:1]:
        raise ValueError(
            f"boxes must be (N, 4) and scores (N,), got {tuple(boxes.shape)} and {tuple(scores.shape)}"
        )
    order = torch.argsort(scores, descending=True, stable=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(int(i))
        if order.numel() == 1:
            break
        iou = box_iou(boxes[i : i + 1], boxes[order[1:]]).reshape(-1)
        order = order[1:][iou <= iou_threshold]
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5, pos_threshold=0.009999999):
    """Predicted boxes from class probabilities and offsets, after NMS.

    ``cls_probs`` (B, num_classes + 1, A) with background in row 0, ``offset_preds``
    (B, A * 4), ``anchors`` (1, A, 4). Returns (B, A, 6) rows ``(class, score, x1, y1, x2,
    y2)``: kept boxes first, by decreasing score; class -1 marks a box removed by NMS or with a
    score below ``pos_threshold``. Explained in "Anchor boxes".
    """
    cls_probs, offset_preds = torch.as_tensor(cls_probs), torch.as_tensor(offset_preds)
    anchors = _as_boxes(anchors, "anchors").reshape(-1, 4)
    if cls_probs.dim() != 3 or cls_probs.shape[2] != len(anchors):
        raise ValueError(
            f"cls_probs must be (batch, classes + 1, {len(anchors)}), got {tuple(cls_probs.shape)}"
        )
    if offset_preds.shape != (cls_probs.shape[0], 4 * len(anchors)):
        raise ValueError(f"offset_preds must be (batch, {4 * len(anchors)}), got {tuple(offset_preds.shape)}")
    out = []
    for probs, offsets in zip(cls_probs, offset_preds, strict=True):
        conf, class_id = torch.max(probs[1:], dim=0)
        boxes = offset_inverse(anchors, offsets.reshape(-1, 4))
        keep = nms(boxes, conf, nms_threshold)
        removed = torch.ones(len(anchors), dtype=torch.bool, device=boxes.device)
        removed[keep] = False
        order = torch.cat((keep, torch.nonzero(removed).reshape(-1)))
        class_id = torch.where(removed, -1, class_id)[order]
        conf = conf[order]
        low = conf < pos_threshold
        class_id = torch.where(low, -1, class_id)
        conf = torch.where(low, 1 - conf, conf)
        out.append(torch.cat((class_id[:, None].to(conf.dtype), conf[:, None], boxes[order]), dim=1))
    return torch.stack(out)
