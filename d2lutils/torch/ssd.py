"""Single shot multibox detection and its data in PyTorch (explained in "Single shot multibox
detection").
"""

import numpy as np
import torch
from torch.utils import data

from d2lutils.detection_data import read_data_bananas

__all__ = ["load_data_bananas"]


class _DetectionDataset(data.Dataset):
    """Images (uint8 NHWC arrays) and targets (N, 1, 5); yields float NCHW images in [0, 1]."""

    def __init__(self, images, targets):
        images, targets = np.asarray(images), np.asarray(targets, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must have shape (N, H, W, 3), got {images.shape}")
        if targets.ndim != 3 or targets.shape[0] != images.shape[0] or targets.shape[-1] != 5:
            raise ValueError(f"targets must have shape ({images.shape[0]}, m, 5), got {targets.shape}")
        self.images = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        self.targets = torch.from_numpy(targets)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        return self.images[idx].float() / 255, self.targets[idx]


def load_data_bananas(batch_size, train=None, val=None, data_dir=None, size=None):
    """PyTorch loaders of a detection set (explained in "The object detection dataset").

    ``train`` and ``val`` are ``(images, targets)`` pairs as :func:`d2l.read_data_bananas` and
    :func:`d2l.make_detection_dataset` return them; one left ``None`` is read from the banana
    set (``data_dir`` and ``size`` as in ``read_data_bananas``). Returns ``(train_iter,
    val_iter)``: minibatches of float32 NCHW images in [0, 1] and float32 targets of shape
    (batch, 1, 5). The training loader reshuffles every epoch and drops the last incomplete
    minibatch, so every step sees ``batch_size`` images; the validation loader keeps order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if train is None:
        train = read_data_bananas(True, data_dir=data_dir, size=size)
    if val is None:
        val = read_data_bananas(False, data_dir=data_dir, size=size)
    train_set, val_set = _DetectionDataset(*train), _DetectionDataset(*val)
    if len(train_set) < batch_size:
        raise ValueError(f"batch_size {batch_size} is larger than the {len(train_set)} training images")
    train_iter = data.DataLoader(train_set, batch_size, shuffle=True, drop_last=True)
    val_iter = data.DataLoader(val_set, batch_size)
    return train_iter, val_iter
