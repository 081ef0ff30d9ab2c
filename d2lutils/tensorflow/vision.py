"""Image helpers in TensorFlow: RoI max pooling written by hand, with torchvision's semantics
(explained in "Region-based CNNs (R-CNNs)").
"""

import numpy as np
import tensorflow as tf

from d2lutils.images import _check_rois, _pair

__all__ = ["roi_pool"]


def _round_half_away(x):
    """C's ``round``: halves go away from zero (``tf.round`` rounds them to even)."""
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


def _bin_masks(start, end, pooled, size):
    """(K, pooled, size) bool: which rows (or columns) of the map fall into each bin."""
    length = tf.maximum(end - start + 1.0, 1.0)  # (K,), float32 like torchvision's kernel
    bin_size = length / float(pooled)
    p = tf.range(pooled, dtype=tf.float32)
    lo = tf.floor(p[None, :] * bin_size[:, None]) + start[:, None]
    hi = tf.math.ceil((p[None, :] + 1.0) * bin_size[:, None]) + start[:, None]
    limit = tf.cast(size, tf.float32)
    lo = tf.clip_by_value(lo, 0.0, limit)
    hi = tf.clip_by_value(hi, 0.0, limit)
    i = tf.range(size, dtype=tf.float32)[None, None, :]
    return (i >= lo[:, :, None]) & (i < hi[:, :, None])


def roi_pool(features, boxes, output_size, spatial_scale=1.0):
    """RoI max pooling of ``features`` (N, H, W, C) over ``boxes`` (K, 5), rows
    ``[batch_idx, x1, y1, x2, y2]`` in image coordinates; returns (K, out_h, out_w, C).

    The same numbers as ``torchvision.ops.roi_pool`` (which works on NCHW): each box is scaled
    by ``spatial_scale`` and rounded to whole cells (halves away from zero), split into
    ``output_size`` bins of ``floor``/``ceil`` edges, and each bin keeps its maximum; a bin that
    lies outside the map gives 0. A box with x2 < x1 raises ValueError naming the box. Mirrors
    ``d2lutils.torch.roi_pool`` (explained in "Region-based CNNs (R-CNNs)").
    """
    features = tf.convert_to_tensor(features)
    if features.shape.rank != 4:
        raise ValueError(f"features must be a 4-D tensor (N, H, W, C), got shape {features.shape}")
    boxes = tf.convert_to_tensor(boxes, dtype=tf.float32)
    if tf.executing_eagerly():  # the boxes' values are known: check them (not inside a tf.function)
        _check_rois(boxes.numpy(), int(tf.shape(features)[0]))
    out_h, out_w = _pair("output_size", output_size)
    if isinstance(spatial_scale, bool) or not isinstance(spatial_scale, int | float) or spatial_scale <= 0:
        raise ValueError(f"spatial_scale must be a positive number, got {spatial_scale!r}")
    # Static sizes where known; inside a tf.function with open sizes, the dynamic ones.
    height = features.shape[1] if features.shape[1] is not None else tf.shape(features)[1]
    width = features.shape[2] if features.shape[2] is not None else tf.shape(features)[2]
    corners = _round_half_away(boxes[:, 1:] * np.float32(spatial_scale))  # (K, 4): x1, y1, x2, y2
    rows = _bin_masks(corners[:, 1], corners[:, 3], out_h, height)  # (K, out_h, H)
    cols = _bin_masks(corners[:, 0], corners[:, 2], out_w, width)  # (K, out_w, W)
    maps = tf.gather(features, tf.cast(boxes[:, 0], tf.int32))  # (K, H, W, C)
    lowest = tf.constant(-np.inf, dtype=maps.dtype)
    # Max over the columns of each column bin, then over the rows of each row bin.
    by_col = tf.where(cols[:, None, :, :, None], maps[:, :, None, :, :], lowest)  # (K, H, out_w, W, C)
    by_col = tf.reduce_max(by_col, axis=3)  # (K, H, out_w, C)
    by_row = tf.where(rows[:, :, :, None, None], by_col[:, None, :, :, :], lowest)  # (K, out_h, H, out_w, C)
    pooled = tf.reduce_max(by_row, axis=2)  # (K, out_h, out_w, C)
    empty = ~(tf.reduce_any(rows, axis=2)[:, :, None] & tf.reduce_any(cols, axis=2)[:, None, :])
    return tf.where(empty[..., None], tf.zeros_like(pooled), pooled)
