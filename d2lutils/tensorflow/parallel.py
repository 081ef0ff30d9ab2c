"""Data parallelism by hand in TensorFlow (explained in "Training on multiple GPUs").

:func:`split_batch` cuts a minibatch into one shard per device; :func:`allreduce` sums a
value that every device holds (a gradient) and gives each device the sum. Together they are
the two steps a data-parallel training step adds to ordinary training. Devices are names
such as ``'/GPU:0'`` or ``'/CPU:1'`` (a logical CPU device).
"""

import tensorflow as tf

__all__ = ["allreduce", "split_batch"]


def _check_devices(devices):
    if not isinstance(devices, list | tuple) or not devices:
        raise ValueError(f"devices must be a non-empty list of device names, got {devices!r}")


def split_batch(X, y, devices):
    """Split the minibatch ``(X, y)`` along its first axis into ``len(devices)`` shards.

    Returns two lists, the shards of ``X`` and of ``y``, shard ``i`` copied to ``devices[i]``.
    The shards differ in size by at most one example when the batch does not divide evenly.

    Explained in "Training on multiple GPUs".
    """
    _check_devices(devices)
    n, k = X.shape[0], len(devices)
    if n is not None and y.shape[0] is not None and n != y.shape[0]:
        raise ValueError(f"X and y must hold the same number of examples, got {n} and {y.shape[0]}")
    if n is not None and n < k:
        raise ValueError(f"a minibatch of {n} examples cannot be split over {k} devices")
    # Like torch.tensor_split: the first n % k shards get one example more. Inside a
    # tf.function the batch size may be unknown until run time; then the sizes are a tensor.
    if n is None:
        n = tf.shape(X)[0]
        sizes = n // k + tf.cast(tf.range(k) < n % k, n.dtype)
    else:
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    X_shards, y_shards = tf.split(X, sizes, num=k), tf.split(y, sizes, num=k)
    X_out, y_out = [], []
    for x, t, device in zip(X_shards, y_shards, devices):
        with tf.device(device):
            X_out.append(tf.identity(x))
            y_out.append(tf.identity(t))
    return X_out, y_out


def allreduce(data):
    """Sum the tensors of ``data`` (one per device); return the sum once per device.

    TensorFlow tensors cannot be changed in place, so the result is a new list: element
    ``i`` holds the sum, placed on the device of ``data[i]``. The sum is formed on the device
    of ``data[0]``.

    Explained in "Training on multiple GPUs".
    """
    if not isinstance(data, list | tuple) or not data:
        raise ValueError(f"data must be a non-empty list of tensors, got {data!r}")
    with tf.device(data[0].device):
        total = tf.add_n([tf.identity(x) for x in data])
    out = []
    for x in data:
        with tf.device(x.device):
            out.append(tf.identity(total))
    return out
