"""The Time Machine as PyTorch minibatches (explained in "Language models and the dataset").

The framework-free pieces (``Vocab``, the corpus, the iterators) live in :mod:`d2lutils.text`;
this module only turns their NumPy minibatches into ``torch.int64`` tensors.
"""

import torch

from d2lutils.text import SeqDataLoader

__all__ = ["load_data_time_machine"]


class _TorchSeqDataLoader(SeqDataLoader):
    """A :class:`d2lutils.SeqDataLoader` that yields ``torch.int64`` tensors."""

    def __iter__(self):
        for X, Y in super().__iter__():
            yield torch.tensor(X), torch.tensor(Y)  # copies: the corpus stays intact


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000):
    """The iterator over The Time Machine's character minibatches, and the vocabulary.

    Each epoch (``for X, Y in data_iter``) yields ``torch.int64`` tensors of shape
    ``(batch_size, num_steps)``, ``Y`` being ``X`` shifted by one character; sequential
    minibatches by default, random ones with ``use_random_iter=True``. ``max_tokens`` keeps the
    first characters of the book (``-1``: all). The random offsets come from the :mod:`random`
    module, so ``random.seed(s)`` makes the minibatches reproducible, and the TensorFlow
    loader yields the same ones for the same seed. Explained in "Language models and the dataset".
    """
    data_iter = _TorchSeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab
