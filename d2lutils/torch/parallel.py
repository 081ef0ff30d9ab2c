"""Data parallelism by hand in PyTorch (explained in "Training on multiple GPUs").

:func:`split_batch` cuts a minibatch into one shard per device; :func:`allreduce` sums a
value that every device holds (a gradient) and gives each device the sum. Together they are
the two steps a data-parallel training step adds to ordinary training.
"""

import torch

__all__ = ["allreduce", "split_batch"]


def _check_devices(devices):
    if not isinstance(devices, list | tuple) or not devices:
        raise ValueError(f"devices must be a non-empty list of devices, got {devices!r}")


def split_batch(X, y, devices):
    """Split the minibatch ``(X, y)`` along its first axis into ``len(devices)`` shards.

    Returns two lists, the shards of ``X`` and of ``y``, shard ``i`` moved to ``devices[i]``.
    The shards differ in size by at most one example when the batch does not divide evenly.
    A device may appear more than once (two simulated devices on one CPU).

    Explained in "Training on multiple GPUs".
    """
    _check_devices(devices)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must hold the same number of examples, got {X.shape[0]} and {y.shape[0]}")
    if X.shape[0] < len(devices):
        raise ValueError(f"a minibatch of {X.shape[0]} examples cannot be split over {len(devices)} devices")
    X_shards = torch.tensor_split(X, len(devices))
    y_shards = torch.tensor_split(y, len(devices))
    return (
        [x.to(device) for x, device in zip(X_shards, devices)],
        [t.to(device) for t, device in zip(y_shards, devices)],
    )


def allreduce(data):
    """Sum the tensors of ``data`` (one per device) and write the sum into every one of them.

    The sum is formed on the device of ``data[0]`` and copied back to each device, in place,
    so that every replica ends with the same values. Returns ``data``.

    Explained in "Training on multiple GPUs".
    """
    if not isinstance(data, list | tuple) or not data:
        raise ValueError(f"data must be a non-empty list of tensors, got {data!r}")
    for i in range(1, len(data)):
        data[0] += data[i].to(data[0].device)
    for i in range(1, len(data)):
        data[i].copy_(data[0])
    return data
