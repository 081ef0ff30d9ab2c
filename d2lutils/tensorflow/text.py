"""The Time Machine as TensorFlow minibatches (explained in "Language models and the dataset").

The framework-free pieces (``Vocab``, the corpus, the iterators) live in :mod:`d2lutils.text`;
this module only turns their NumPy minibatches into ``tf.int32`` tensors.
"""

import numpy as np
import tensorflow as tf

from d2lutils.text import SeqDataLoader

__all__ = ["load_data_time_machine"]


class _TFSeqDataLoader(SeqDataLoader):
    """A :class:`d2lutils.SeqDataLoader` that yields ``tf.int32`` tensors."""

    def __iter__(self):
        for X, Y in super().__iter__():
            yield tf.constant(X.astype(np.int32)), tf.constant(Y.astype(np.int32))


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000):
    """The iterator over The Time Machine's character minibatches, and the vocabulary.

    Each epoch (``for X, Y in data_iter``) yields ``tf.int32`` tensors of shape
    ``(batch_size, num_steps)``, ``Y`` being ``X`` shifted by one character; sequential
    minibatches by default, random ones with ``use_random_iter=True``. Every minibatch has
    the same shape and every epoch the same number of minibatches, so a ``tf.function``
    training step traces once. ``max_tokens`` keeps the first characters of the book (``-1``:
    all). The random offsets come from the :mod:`random` module, so ``random.seed(s)`` makes
    the minibatches reproducible, and the PyTorch loader yields the same ones for the same
    seed. Explained in "Language models and the dataset".
    """
    data_iter = _TFSeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab
