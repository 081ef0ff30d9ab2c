"""TensorFlow data pipelines (explained in "Concise implementation of linear regression"
and "The image classification dataset").

The data stays in memory as tensors, and every epoch is a fresh per-example shuffle. How,
depends on the size, because ``tf.data`` has two costs: starting an epoch's iterator and
moving examples through it.

- Up to :data:`SMALL_DATASET` examples, the plain pipeline ``from_tensor_slices`` ->
  ``shuffle`` -> ``batch``: it starts an epoch in about 3 ms (100 examples), where the
  pipeline below needs about 20 ms. Sections that train small models for hundreds of
  epochs spend most of their time starting epochs.
- Larger sets draw one random permutation of the example indices per epoch (a single
  operation), cut it into batches and gather each batch at once, instead of pushing every
  example through a shuffle buffer one by one: 119 ms per Fashion-MNIST-sized epoch
  against 287 ms (measured with 60000 x 784 floats, batch 256).
"""

import tensorflow as tf

from d2lutils.fashion_mnist import read_fashion_mnist

#: Up to this many examples, a pipeline shuffles examples directly (cheaper to start).
SMALL_DATASET = 8192


def _batch_pipeline(tensors, batch_size, shuffle, transform=None):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    n = int(tensors[0].shape[0])
    if n <= SMALL_DATASET:
        data = tf.data.Dataset.from_tensor_slices(tensors)
        if shuffle:
            data = data.shuffle(n, reshuffle_each_iteration=True)
        data = data.batch(batch_size)
        return data.map(transform) if transform else data
    num_batches = -(-n // batch_size)
    padding = -tf.ones(num_batches * batch_size - n, tf.int64)  # -1 marks the last batch's gap

    def index_batches(seed):
        """One epoch of index batches: a fresh permutation of 0..n-1 in one operation."""
        order = tf.range(n, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, tf.stack([seed, seed + 1]))
        rows = tf.reshape(tf.concat([order, padding], 0), (num_batches, batch_size))
        return tf.data.Dataset.from_tensor_slices(rows)

    def gather(idx):
        idx = tf.boolean_mask(idx, idx >= 0)
        batch = tuple(tf.gather(t, idx) for t in tensors)
        return transform(*batch) if transform else batch

    # One random seed per pass over the data: every epoch gets its own permutation, and the
    # sequence of permutations follows TensorFlow's global seed.
    seeds = tf.data.Dataset.random(rerandomize_each_iteration=True).take(1)
    return (
        seeds.flat_map(index_batches)
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        .apply(tf.data.experimental.assert_cardinality(num_batches))
        .prefetch(tf.data.AUTOTUNE)
    )


def synthetic_data(w, b, num_examples):
    """Features X ~ N(0, 1) and labels y = Xw + b + N(0, 0.01²), y of shape (n, 1).

    Explained in "Linear regression from scratch"; reused by "Weight decay".
    """
    X = tf.random.normal((num_examples, len(w)))
    y = tf.linalg.matvec(X, tf.reshape(tf.cast(w, X.dtype), (-1,))) + b
    y += tf.random.normal(y.shape, stddev=0.01)
    return X, tf.reshape(y, (-1, 1))


def load_array(data_arrays, batch_size, is_train=True):
    """A ``tf.data.Dataset`` of minibatches over in-memory arrays (shuffled when training).

    Explained in "Concise implementation of linear regression".
    """
    tensors = tuple(tf.convert_to_tensor(a) for a in data_arrays)
    return _batch_pipeline(tensors, batch_size, shuffle=is_train)


def _fashion_mnist_tensors(split, num_examples=None):
    """A Fashion-MNIST split as ``(images, labels)``: float32 (N, 28, 28, 1) in [0, 1], int32 (N,)."""
    images, labels = read_fashion_mnist(split, num_examples=num_examples)
    X = tf.constant(images[..., None], dtype=tf.float32) / 255.0
    return X, tf.constant(labels, dtype=tf.int32)


def load_data_fashion_mnist(batch_size, resize=None, num_train=None, num_test=None):
    """Fashion-MNIST as ``(train_iter, test_iter)`` ``tf.data`` pipelines of minibatches.

    Images are float32 tensors of shape (batch, 28, 28, 1) (channels last, TensorFlow's
    layout), or (batch, resize, resize, 1); the resize happens per batch. ``num_train`` /
    ``num_test`` keep only the first examples of each split (None: all).

    Explained in "The image classification dataset".
    """
    transform = None
    if resize is not None:
        size = (resize, resize) if isinstance(resize, int) else tuple(resize)
        # Antialiasing changes only a downsampling; when enlarging it gives the same values
        # (to 3e-6) through a kernel about 5x slower than plain bilinear resizing.
        antialias = min(size) < 28

        def transform(X, y):
            return tf.image.resize(X, size, antialias=antialias), y

    train = _batch_pipeline(_fashion_mnist_tensors("train", num_train), batch_size, True, transform)
    test = _batch_pipeline(_fashion_mnist_tensors("test", num_test), batch_size, False, transform)
    return train, test
