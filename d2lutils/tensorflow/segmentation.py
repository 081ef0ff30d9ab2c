"""Semantic-segmentation minibatches in TensorFlow (explained in "Semantic segmentation and the
dataset").

The readers are framework-free (``d2lutils/segmentation.py``); here they become a ``tf.data``
pipeline whose random crops cut the photo and its label together with ``tf.image``.
"""

import numpy as np
import tensorflow as tf

from d2lutils.params import check_positive_int
from d2lutils.segmentation import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    _default_voc_dir,
    read_voc_images,
    voc_colormap2label,
    voc_label_indices,
)

__all__ = ["load_data_voc"]


def _check_crop_size(crop_size):
    if isinstance(crop_size, (str, bytes)) or not hasattr(crop_size, "__len__") or len(crop_size) != 2:
        raise TypeError(f"crop_size must be a (height, width) pair, got {crop_size!r}")
    return tuple(check_positive_int("crop_size", s) for s in crop_size)


def _voc_examples(is_train, crop_size, voc_dir):
    """The photos and class-index labels of one split, without the ones smaller than the crop."""
    features, labels = read_voc_images(voc_dir, is_train=is_train)
    colormap2label = voc_colormap2label()
    h, w = crop_size
    keep = [i for i, f in enumerate(features) if f.shape[0] >= h and f.shape[1] >= w]
    return [features[i] for i in keep], [voc_label_indices(labels[i], colormap2label) for i in keep]


def _voc_pipeline(features, labels, crop_size, batch_size, is_train):
    h, w = crop_size

    def examples():  # photos differ in size in the real dataset, so they cannot be one tensor
        yield from zip(features, labels)

    signature = (tf.TensorSpec((None, None, 3), tf.uint8), tf.TensorSpec((None, None), tf.uint8))
    data = tf.data.Dataset.from_generator(examples, output_signature=signature)
    data = data.apply(tf.data.experimental.assert_cardinality(len(features)))  # so len() works

    def crop(feature, label):
        # Stack the label as a fourth channel, so that one crop cuts both at the same place.
        stacked = tf.concat([feature, label[..., None]], axis=-1)
        if is_train:
            stacked = tf.image.random_crop(stacked, (h, w, 4))
        else:
            top = (tf.shape(stacked)[0] - h) // 2
            left = (tf.shape(stacked)[1] - w) // 2
            stacked = tf.image.crop_to_bounding_box(stacked, top, left, h, w)
        feature = (tf.cast(stacked[..., :3], tf.float32) / 255 - IMAGENET_MEAN) / IMAGENET_STD
        return feature, tf.cast(stacked[..., 3], tf.int32)

    if is_train:
        data = data.shuffle(len(features), reshuffle_each_iteration=True)
    data = data.map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    return data.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def load_data_voc(batch_size, crop_size, voc_dir=None):
    """Pascal VOC2012 segmentation as ``(train_iter, test_iter)`` ``tf.data`` pipelines
    (explained in "Semantic segmentation and the dataset").

    Minibatches hold float32 images (batch, h, w, 3) normalised with ImageNet's statistics
    and int32 labels (batch, h, w), for ``crop_size`` = (h, w): random crops for training
    (reshuffled every epoch), central crops for testing; incomplete last minibatches are
    dropped, so every minibatch has the same shape. ``voc_dir`` is a folder in VOC2012's
    layout (default: the registry's ``voc2012`` download, ``VOCdevkit/VOC2012``).
    """
    batch_size = check_positive_int("batch_size", batch_size)
    crop_size = _check_crop_size(crop_size)
    voc_dir = _default_voc_dir() if voc_dir is None else voc_dir
    iters = []
    for name, is_train in (("training", True), ("test", False)):
        features, labels = _voc_examples(is_train, crop_size, voc_dir)
        if len(features) < batch_size:
            raise ValueError(
                f"the {name} split has {len(features)} images of at least {crop_size}, "
                f"fewer than batch_size={batch_size}"
            )
        iters.append(
            _voc_pipeline(
                features, [np.asarray(y, np.uint8) for y in labels], crop_size, batch_size, is_train
            )
        )
    return tuple(iters)
