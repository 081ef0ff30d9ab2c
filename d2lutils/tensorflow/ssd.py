"""Single shot multibox detection and its data in TensorFlow (explained in "Single shot multibox
detection").
"""

import numpy as np
import tensorflow as tf

from d2lutils.detection_data import read_data_bananas

__all__ = ["load_data_bananas"]


def _check(images, targets):
    images, targets = np.asarray(images), np.asarray(targets, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (N, H, W, 3), got {images.shape}")
    if targets.ndim != 3 or targets.shape[0] != images.shape[0] or targets.shape[-1] != 5:
        raise ValueError(f"targets must have shape ({images.shape[0]}, m, 5), got {targets.shape}")
    return images, targets


def _to_float(images, targets):
    return tf.cast(images, tf.float32) / 255, targets


def load_data_bananas(batch_size, train=None, val=None, data_dir=None, size=None, seed=None):
    """tf.data pipelines of a detection set (explained in "The object detection dataset").

    ``train`` and ``val`` are ``(images, targets)`` pairs as :func:`d2l.read_data_bananas` and
    :func:`d2l.make_detection_dataset` return them; one left ``None`` is read from the banana
    set (``data_dir`` and ``size`` as in ``read_data_bananas``). Returns ``(train_iter,
    val_iter)``: minibatches of float32 NHWC images in [0, 1] and float32 targets of shape
    (batch, 1, 5). The training pipeline reshuffles every epoch (``seed`` fixes the order) and
    drops the last incomplete minibatch, so a compiled training step always sees one shape; the
    validation pipeline keeps order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if train is None:
        train = read_data_bananas(True, data_dir=data_dir, size=size)
    if val is None:
        val = read_data_bananas(False, data_dir=data_dir, size=size)
    train, val = _check(*train), _check(*val)
    if len(train[0]) < batch_size:
        raise ValueError(f"batch_size {batch_size} is larger than the {len(train[0])} training images")
    train_iter = (
        tf.data.Dataset.from_tensor_slices(train)
        .shuffle(len(train[0]), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=True)
        .map(_to_float)
        .prefetch(tf.data.AUTOTUNE)
    )
    val_iter = (
        tf.data.Dataset.from_tensor_slices(val).batch(batch_size).map(_to_float).prefetch(tf.data.AUTOTUNE)
    )
    return train_iter, val_iter
