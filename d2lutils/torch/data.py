"""PyTorch data loaders (explained in "Concise implementation of linear regression" and "The image
classification dataset").

Both loaders keep the whole dataset in memory as tensors and let the ``DataLoader`` fetch
a batch with one indexing operation (a ``BatchSampler`` as sampler, ``batch_size=None``),
instead of collating single examples one by one: same API, many times faster on a CPU.
"""

import torch
from torch.nn import functional as F
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
)

from d2lutils.fashion_mnist import read_fashion_mnist


def _batch_loader(dataset, batch_size, shuffle):
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    order = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None)


def synthetic_data(w, b, num_examples):
    """Features X ~ N(0, 1) and labels y = Xw + b + N(0, 0.01²), y of shape (n, 1).

    Explained in "Linear regression from scratch"; reused by "Weight decay".
    """
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def load_array(data_arrays, batch_size, is_train=True):
    """A ``DataLoader`` over in-memory tensors, yielding minibatches (shuffled when training).

    Explained in "Concise implementation of linear regression".
    """
    return _batch_loader(TensorDataset(*data_arrays), batch_size, shuffle=is_train)


class FashionMNIST(Dataset):
    """A Fashion-MNIST split held in memory: ``dataset[i]`` or ``dataset[list_of_i]``.

    Images are float32 (…, 1, H, W) in [0, 1], labels int64. With ``resize``, images are
    resized when they are fetched (one call per batch), so memory stays at 28x28 size.

    Explained in "The image classification dataset".
    """

    def __init__(self, split="train", resize=None, num_examples=None):
        images, labels = read_fashion_mnist(split, num_examples=num_examples)
        self.images = torch.from_numpy(images.copy()).unsqueeze(1).float().div_(255)
        self.labels = torch.from_numpy(labels.astype("int64"))
        self.size = (resize, resize) if isinstance(resize, int) else resize

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        if isinstance(idx, list):  # a batch of indices from a BatchSampler
            idx = torch.as_tensor(idx)
        X = self.images[idx]
        if self.size is not None:
            batch = X if X.ndim == 4 else X.unsqueeze(0)
            batch = F.interpolate(
                batch, size=tuple(self.size), mode="bilinear", align_corners=False, antialias=True
            )
            X = batch if X.ndim == 4 else batch[0]
        return X, self.labels[idx]


def load_data_fashion_mnist(batch_size, resize=None, num_train=None, num_test=None):
    """Fashion-MNIST as ``(train_iter, test_iter)`` of shuffled / ordered minibatches.

    Images are float32 tensors of shape (batch, 1, 28, 28), or (batch, 1, resize, resize).
    ``num_train`` / ``num_test`` keep only the first examples of each split (None: all).

    Explained in "The image classification dataset".
    """
    train = FashionMNIST("train", resize, num_train)
    test = FashionMNIST("test", resize, num_test)
    return _batch_loader(train, batch_size, shuffle=True), _batch_loader(test, batch_size, shuffle=False)
