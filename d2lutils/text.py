"""Text helpers: reading a corpus, tokens, a vocabulary and minibatches of subsequences.

Framework-free (NumPy only). Explained in "Text preprocessing" (reading, tokenizing, the
vocabulary, the corpus) and "Language models and the dataset" (the minibatch iterators and
the loader); :mod:`d2lutils.torch` and :mod:`d2lutils.tensorflow` wrap the loader so that it
yields framework tensors.
"""

import collections
import numbers
import random
import re

import numpy as np

from d2lutils.data import download
from d2lutils.params import check_positive_int as _check_positive_int

__all__ = [
    "SeqDataLoader",
    "Vocab",
    "count_corpus",
    "load_corpus_time_machine",
    "read_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
]


def read_time_machine():
    """The lines of H. G. Wells' *The Time Machine*, reduced to lower-case letters and spaces.

    Every run of characters that are not ASCII letters becomes one space; each line is then
    stripped and lower-cased (empty lines stay, as empty strings). The file comes from the
    dataset registry (``d2l.download("time_machine")``; offline via ``D2L_DATA_DIR``).
    Explained in "Text preprocessing".
    """
    with open(download("time_machine"), encoding="utf-8") as f:
        lines = f.readlines()
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


def tokenize(lines, token="word"):
    """Split each line into tokens: words (``token="word"``) or characters (``token="char"``).

    Returns a list of token lists, one per line. Explained in "Text preprocessing".
    """
    if isinstance(lines, str):
        raise TypeError("lines must be a list of strings, got one str (wrap it in a list)")
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"token must be 'word' or 'char', got {token!r}")


def count_corpus(tokens):
    """Count token frequencies in a 1D list of tokens or a 2D list (a list of token lists).

    Returns a :class:`collections.Counter` whose insertion order is the order in which the
    tokens first appear. Only lists count as lines of tokens: a tuple is a token of its own,
    such as the bigram ``("the", "time")``. Explained in "Text preprocessing".
    """
    if len(tokens) > 0 and isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(tokens)


class Vocab:
    """A vocabulary: maps tokens to integer indices and back (explained in "Text preprocessing").

    Index 0 is the unknown token ``"<unk>"``, then come ``reserved_tokens`` (in the order
    given), then every token seen at least ``min_freq`` times, most frequent first (equal
    counts keep the order of first appearance). Looking up a token that is not in the
    vocabulary returns the index of ``"<unk>"``.
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        if isinstance(min_freq, bool) or not isinstance(min_freq, numbers.Integral) or min_freq < 0:
            raise ValueError(f"min_freq must be a non-negative int, got {min_freq!r}")
        reserved_tokens = list(reserved_tokens or [])
        if not all(isinstance(t, str) for t in reserved_tokens):
            raise TypeError(f"reserved_tokens must be strings, got {reserved_tokens!r}")
        counter = count_corpus(tokens or [])
        # sorted() is stable: tokens with equal counts keep their first-appearance order.
        self._token_freqs = sorted(counter.items(), key=lambda item: item[1], reverse=True)
        self.idx_to_token = []
        self.token_to_idx = {}
        for tok in ["<unk>", *reserved_tokens]:
            self._add(tok)
        for tok, freq in self._token_freqs:
            if freq < min_freq:
                break  # the rest are rarer still
            self._add(tok)

    def _add(self, token):
        if token not in self.token_to_idx:
            self.token_to_idx[token] = len(self.idx_to_token)
            self.idx_to_token.append(token)

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """The index of one token, or a list of indices for a list or tuple of tokens."""
        if isinstance(tokens, list | tuple):
            return [self.__getitem__(tok) for tok in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """The token of one index, or a list of tokens for a list, tuple or array of indices."""
        if hasattr(indices, "tolist"):  # NumPy arrays and scalars, framework tensors
            indices = indices.tolist()
        if isinstance(indices, list | tuple):
            return [self.to_tokens(i) for i in indices]
        if isinstance(indices, bool) or not isinstance(indices, numbers.Integral):
            raise TypeError(f"indices must be ints, got {type(indices).__name__} {indices!r}")
        if not 0 <= indices < len(self):
            raise IndexError(f"index {indices} is out of range for a vocabulary of {len(self)} tokens")
        return self.idx_to_token[indices]

    @property
    def unk(self):
        """The index of the unknown token (always 0)."""
        return 0

    @property
    def token_freqs(self):
        """``[(token, count), ...]`` of the corpus, most frequent first."""
        return self._token_freqs

    def __repr__(self):
        head = ", ".join(repr(t) for t in self.idx_to_token[:6])
        return f"Vocab({len(self)} tokens: {head}{', ...' if len(self) > 6 else ''})"


def load_corpus_time_machine(max_tokens=-1):
    """The Time Machine as a list of character indices, and its character vocabulary.

    ``max_tokens`` keeps only the first ``max_tokens`` characters (``-1``: all of them).
    Lines are joined without a separator, as in the reference book. Explained in
    "Text preprocessing".
    """
    if max_tokens != -1:
        max_tokens = _check_positive_int("max_tokens (or -1 for all)", max_tokens)
    tokens = tokenize(read_time_machine(), "char")
    vocab = Vocab(tokens)
    corpus = [vocab[tok] for line in tokens for tok in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def _check_iter_args(corpus, batch_size, num_steps):
    batch_size = _check_positive_int("batch_size", batch_size)
    num_steps = _check_positive_int("num_steps", num_steps)
    corpus = np.asarray(corpus, dtype=np.int64)
    if corpus.ndim != 1:
        raise ValueError(f"corpus must be a 1D sequence of token indices, got shape {corpus.shape}")
    # The random offset is at most num_steps - 1, and the targets need one token more.
    need = (batch_size + 1) * num_steps
    if len(corpus) < need:
        raise ValueError(
            f"the corpus ({len(corpus)} tokens) is too short for one minibatch of batch_size="
            f"{batch_size} and num_steps={num_steps}: it needs at least {need} tokens; "
            "use a longer corpus or a smaller num_steps or batch_size"
        )
    return corpus, batch_size, num_steps


def _num_batches(num_tokens, batch_size, num_steps, use_random_iter):
    """Minibatches per epoch, the same for every random offset (the worst one, num_steps - 1)."""
    usable = num_tokens - num_steps  # tokens left after the largest offset and the one-token shift
    if use_random_iter:
        return (usable // num_steps) // batch_size
    return (usable // batch_size) // num_steps


def seq_data_iter_random(corpus, batch_size, num_steps, rng=None):
    """Minibatches of random, non-overlapping subsequences (explained in "Language models and the dataset").

    Drops a random number (0 to ``num_steps - 1``) of leading tokens, cuts the rest into
    subsequences of ``num_steps`` tokens, shuffles them and yields ``(X, Y)`` pairs of NumPy
    int64 arrays of shape ``(batch_size, num_steps)``, where ``Y`` is ``X`` shifted by one
    token. Adjacent minibatches are not adjacent in the corpus. ``rng`` is a
    :class:`random.Random` (default: the :mod:`random` module, seeded by ``random.seed``).
    Every epoch yields the same number of minibatches, whatever the offset.
    """
    corpus, batch_size, num_steps = _check_iter_args(corpus, batch_size, num_steps)
    rng = random if rng is None else rng
    return _random_batches(corpus, batch_size, num_steps, rng)


def _random_batches(corpus, batch_size, num_steps, rng):
    num_batches = _num_batches(len(corpus), batch_size, num_steps, True)
    corpus = corpus[rng.randint(0, num_steps - 1) :]
    num_subseqs = (len(corpus) - 1) // num_steps
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(starts)
    for i in range(0, batch_size * num_batches, batch_size):
        batch = starts[i : i + batch_size]
        X = np.stack([corpus[j : j + num_steps] for j in batch])
        Y = np.stack([corpus[j + 1 : j + 1 + num_steps] for j in batch])
        yield X, Y


def seq_data_iter_sequential(corpus, batch_size, num_steps, rng=None):
    """Minibatches whose rows continue across minibatches (explained in "Language models and the dataset").

    Drops a random number (0 to ``num_steps - 1``) of leading tokens, splits the rest into
    ``batch_size`` equal streams (one per row) and walks along them ``num_steps`` tokens at a
    time: row ``i`` of one minibatch continues exactly where row ``i`` of the previous one
    ended, so a model may carry its hidden state from one minibatch to the next. Yields
    ``(X, Y)`` NumPy int64 arrays of shape ``(batch_size, num_steps)``, ``Y`` = ``X`` shifted
    by one token. ``rng`` as in :func:`seq_data_iter_random`.
    """
    corpus, batch_size, num_steps = _check_iter_args(corpus, batch_size, num_steps)
    rng = random if rng is None else rng
    return _sequential_batches(corpus, batch_size, num_steps, rng)


def _sequential_batches(corpus, batch_size, num_steps, rng):
    num_batches = _num_batches(len(corpus), batch_size, num_steps, False)
    offset = rng.randint(0, num_steps - 1)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset : offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class SeqDataLoader:
    """The Time Machine's characters as minibatches (explained in "Language models and the dataset").

    Each ``iter(loader)`` is one epoch: a fresh random offset (and, with
    ``use_random_iter=True``, a fresh shuffle) from ``rng`` (default: the :mod:`random`
    module). Yields NumPy ``(X, Y)`` pairs; ``len(loader)`` is the number of minibatches per
    epoch; ``.vocab`` and ``.corpus`` are those of :func:`load_corpus_time_machine`.
    """

    def __init__(self, batch_size, num_steps, use_random_iter, max_tokens, rng=None):
        self.batch_size = _check_positive_int("batch_size", batch_size)
        self.num_steps = _check_positive_int("num_steps", num_steps)
        self.use_random_iter = bool(use_random_iter)
        self.corpus, self.vocab = load_corpus_time_machine(max_tokens)
        self.rng = rng
        self._iter_fn = seq_data_iter_random if self.use_random_iter else seq_data_iter_sequential
        # Checked once here, so that a too-short corpus fails when the loader is made.
        self._array, _, _ = _check_iter_args(self.corpus, self.batch_size, self.num_steps)

    def __iter__(self):
        return self._iter_fn(self._array, self.batch_size, self.num_steps, self.rng)

    def __len__(self):
        return _num_batches(len(self.corpus), self.batch_size, self.num_steps, self.use_random_iter)
