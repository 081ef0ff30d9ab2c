"""Device helpers for TensorFlow (explained in "GPUs"; used by every device-aware trainer).

Devices are returned as name strings such as ``'/GPU:0'`` or ``'/CPU:0'``, ready for
``with tf.device(name):``; the string itself says which device was chosen.
"""

import tensorflow as tf


def num_gpus():
    """Number of GPUs TensorFlow can see (0 on a CPU-only machine).

    Explained in "GPUs".
    """
    return len(tf.config.list_physical_devices("GPU"))


def try_gpu(i=0):
    """Return ``'/GPU:i'`` if that GPU exists, else ``'/CPU:0'``.

    Explained in "GPUs".
    """
    if not isinstance(i, int) or i < 0:
        raise ValueError(f"try_gpu(i): i must be a non-negative int, got {i!r}")
    return f"/GPU:{i}" if num_gpus() > i else "/CPU:0"


def try_all_gpus():
    """Return every GPU's name, or ``['/CPU:0']`` when there is none.

    Explained in "GPUs".
    """
    return [f"/GPU:{i}" for i in range(num_gpus())] or ["/CPU:0"]
