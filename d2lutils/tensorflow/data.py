"""TensorFlow data pipelines (explained in "Linear regression, concisely" and "The image
classification dataset").

The data stays in memory as tensors. The ``tf.data`` pipeline shuffles example *indices*
and gathers a whole batch at once, instead of pushing every example through the pipeline
one by one: a true per-example shuffle at a fraction of the cost.
"""

import tensorflow as tf

from d2lutils.fashion_mnist import read_fashion_mnist


def _batch_pipeline(tensors, batch_size, shuffle, transform=None):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    n = int(tensors[0].shape[0])
    indices = tf.data.Dataset.range(n)
    if shuffle:
        indices = indices.shuffle(n, reshuffle_each_iteration=True)

    def gather(idx):
        batch = tuple(tf.gather(t, idx) for t in tensors)
        return transform(*batch) if transform else batch

    return (indices.batch(batch_size)
            .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def synthetic_data(w, b, num_examples):
    """Features X ~ N(0, 1) and labels y = Xw + b + N(0, 0.01²), y of shape (n, 1).

    Explained in "Linear regression from scratch"; reused by "Weight decay".
    """
    X = tf.random.normal((num_examples, len(w)))
    y = tf.linalg.matvec(X, tf.reshape(tf.cast(w, X.dtype), (-1,))) + b
    y += tf.random.normal(y.shape, stddev=0.01)
    return X, tf.reshape(y, (-1, 1))


def load_array(data_arrays, batch_size, is_train=True):
    """A ``tf.data.Dataset`` of minibatches over in-memory arrays (shuffled when training)."""
    tensors = tuple(tf.convert_to_tensor(a) for a in data_arrays)
    return _batch_pipeline(tensors, batch_size, shuffle=is_train)


def _fashion_mnist_tensors(split):
    """A Fashion-MNIST split as ``(images, labels)``: float32 (N, 28, 28, 1) in [0, 1], int32 (N,)."""
    images, labels = read_fashion_mnist(split)
    X = tf.constant(images[..., None], dtype=tf.float32) / 255.0
    return X, tf.constant(labels, dtype=tf.int32)


def load_data_fashion_mnist(batch_size, resize=None):
    """Fashion-MNIST as ``(train_iter, test_iter)`` ``tf.data`` pipelines of minibatches.

    Images are float32 tensors of shape (batch, 28, 28, 1) (channels last, TensorFlow's
    layout), or (batch, resize, resize, 1); the resize happens per batch.
    """
    transform = None
    if resize is not None:
        size = (resize, resize) if isinstance(resize, int) else tuple(resize)

        def transform(X, y):
            return tf.image.resize(X, size, antialias=True), y

    train = _batch_pipeline(_fashion_mnist_tensors("train"), batch_size, True, transform)
    test = _batch_pipeline(_fashion_mnist_tensors("test"), batch_size, False, transform)
    return train, test
