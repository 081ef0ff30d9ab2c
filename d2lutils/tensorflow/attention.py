"""Attention scoring functions, the attention decoder and multi-head attention for TensorFlow
(explained in "Attention scoring functions", "Bahdanau attention" and "Multi-head attention")."""

import math

import keras
import tensorflow as tf

from d2lutils.tensorflow.encoder_decoder import Decoder

__all__ = [
    "AdditiveAttention",
    "AttentionDecoder",
    "DotProductAttention",
    "MultiHeadAttention",
    "masked_softmax",
    "transpose_output",
    "transpose_qkv",
]


def _check_valid_lens(valid_lens, batch_size, num_queries):
    """Raise ValueError unless ``valid_lens`` is (batch,) or (batch, num_queries)."""
    shape = tuple(valid_lens.shape)

    def fits(size, expected):
        return size is None or expected is None or size == expected

    ok = (len(shape) == 1 and fits(shape[0], batch_size)) or (
        len(shape) == 2 and fits(shape[0], batch_size) and fits(shape[1], num_queries)
    )
    if not ok:
        raise ValueError(
            f"valid_lens must have shape ({batch_size},) or ({batch_size}, {num_queries}), got {shape}"
        )


def masked_softmax(X, valid_lens):
    """Softmax over the last axis of ``X`` (batch, queries, keys), keeping only valid keys.

    ``valid_lens`` is None (every key is valid), a 1-D tensor (batch,) of valid key counts
    shared by all queries of an example, or a 2-D tensor (batch, queries), one count per
    query. Masked positions get the score -1e6 before the softmax, so their weight is 0.
    Explained in "Attention scoring functions".
    """
    X = tf.convert_to_tensor(X)
    if X.shape.rank != 3:
        raise ValueError(f"X must be a 3-D tensor (batch, queries, keys), got shape {tuple(X.shape)}")
    if valid_lens is None:
        return tf.nn.softmax(X, axis=-1)
    valid_lens = tf.convert_to_tensor(valid_lens)
    _check_valid_lens(valid_lens, X.shape[0], X.shape[1])
    shape = tf.shape(X)
    if valid_lens.shape.rank == 1:
        valid_lens = tf.repeat(valid_lens[:, None], shape[1], axis=1)
    keep = tf.range(shape[2])[None, None, :] < tf.cast(valid_lens, tf.int32)[:, :, None]
    return tf.nn.softmax(tf.where(keep, X, tf.cast(-1e6, X.dtype)), axis=-1)


def _check_qkv(queries, keys, values, same_features=False):
    """Raise ValueError unless queries, keys and values fit together (batch, count, features)."""
    for name, t in (("queries", queries), ("keys", keys), ("values", values)):
        if t.shape.rank != 3:
            raise ValueError(
                f"{name} must be a 3-D tensor (batch, count, features), got shape {tuple(t.shape)}"
            )
    if not keys.shape[:2].is_compatible_with(values.shape[:2]):
        raise ValueError(
            "keys and values must have the same batch size and number of key-value pairs, "
            f"got keys {tuple(keys.shape)} and values {tuple(values.shape)}"
        )
    if not queries.shape[:1].is_compatible_with(keys.shape[:1]):
        raise ValueError(
            f"queries and keys must have the same batch size, got queries {tuple(queries.shape)} "
            f"and keys {tuple(keys.shape)}"
        )
    if same_features and not queries.shape[-1:].is_compatible_with(keys.shape[-1:]):
        raise ValueError(
            f"queries and keys must have the same feature size, got queries {tuple(queries.shape)} "
            f"and keys {tuple(keys.shape)}"
        )


class AdditiveAttention(keras.layers.Layer):
    """Additive attention: score(q, k) = w_v^T tanh(W_q q + W_k k).

    ``call(queries, keys, values, valid_lens=None, training=None)`` takes queries (batch,
    queries, query_size), keys (batch, pairs, key_size), values (batch, pairs, value_size)
    and returns (batch, queries, value_size); the weights are kept in
    ``attention_weights``. ``key_size`` and ``query_size`` mirror the PyTorch signature;
    Keras infers them from the first input. Explained in "Attention scoring functions".
    """

    def __init__(self, key_size, query_size, num_hiddens, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.W_k = keras.layers.Dense(num_hiddens, use_bias=False)
        self.W_q = keras.layers.Dense(num_hiddens, use_bias=False)
        self.w_v = keras.layers.Dense(1, use_bias=False)
        self.dropout = keras.layers.Dropout(dropout)

    def __call__(self, queries, keys, values, valid_lens=None, **kwargs):
        # Checked before Keras's own __call__, which would wrap the message in its call report.
        _check_qkv(*(tf.convert_to_tensor(t) for t in (queries, keys, values)))
        return super().__call__(queries, keys, values, valid_lens, **kwargs)

    def call(self, queries, keys, values, valid_lens=None, training=None):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, queries, 1, hiddens) + (batch, 1, pairs, hiddens): every query with every key
        features = tf.tanh(queries[:, :, None, :] + keys[:, None, :, :])
        scores = tf.squeeze(self.w_v(features), axis=-1)  # (batch, queries, pairs)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return tf.matmul(self.dropout(self.attention_weights, training=training), values)


class DotProductAttention(keras.layers.Layer):
    """Scaled dot-product attention: score(q, k) = q^T k / sqrt(d).

    ``call(queries, keys, values, valid_lens=None, training=None)``: queries (batch,
    queries, d), keys (batch, pairs, d), values (batch, pairs, value_size) ->
    (batch, queries, value_size); the weights are kept in ``attention_weights``.
    Explained in "Attention scoring functions".
    """

    def __init__(self, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = keras.layers.Dropout(dropout)

    def __call__(self, queries, keys, values, valid_lens=None, **kwargs):
        # Checked before Keras's own __call__, which would wrap the message in its call report.
        _check_qkv(*(tf.convert_to_tensor(t) for t in (queries, keys, values)), same_features=True)
        return super().__call__(queries, keys, values, valid_lens, **kwargs)

    def call(self, queries, keys, values, valid_lens=None, training=None):
        d = queries.shape[-1]
        scores = tf.matmul(queries, keys, transpose_b=True) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return tf.matmul(self.dropout(self.attention_weights, training=training), values)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def transpose_qkv(X, num_heads):
    """Split the last axis of ``X`` (batch, count, num_hiddens) into ``num_heads`` heads.

    Returns (batch * num_heads, count, num_hiddens / num_heads): the heads of example 0
    first, then those of example 1, ..., so that one batched matrix product serves every
    head. Explained in "Multi-head attention".
    """
    _check_positive_int("num_heads", num_heads)
    X = tf.convert_to_tensor(X)
    if X.shape.rank != 3:
        raise ValueError(f"X must be a 3-D tensor (batch, count, num_hiddens), got shape {tuple(X.shape)}")
    if X.shape[-1] is None or X.shape[-1] % num_heads:
        raise ValueError(f"the last axis of X ({X.shape[-1]}) must be divisible by num_heads ({num_heads})")
    shape = tf.shape(X)
    X = tf.reshape(X, (shape[0], shape[1], num_heads, X.shape[-1] // num_heads))
    X = tf.transpose(X, perm=(0, 2, 1, 3))  # (batch, heads, count, head size)
    return tf.reshape(X, (-1, shape[1], X.shape[-1]))


def transpose_output(X, num_heads):
    """Undo :func:`transpose_qkv`: (batch * num_heads, count, head size) ->
    (batch, count, num_heads * head size), the heads concatenated along the last axis.
    Explained in "Multi-head attention".
    """
    _check_positive_int("num_heads", num_heads)
    X = tf.convert_to_tensor(X)
    if X.shape.rank != 3:
        raise ValueError(
            f"X must be a 3-D tensor (batch * heads, count, head size), got shape {tuple(X.shape)}"
        )
    if X.shape[0] is not None and X.shape[0] % num_heads:
        raise ValueError(f"the first axis of X ({X.shape[0]}) must be divisible by num_heads ({num_heads})")
    shape = tf.shape(X)
    X = tf.reshape(X, (-1, num_heads, shape[1], X.shape[-1]))  # (batch, heads, count, head size)
    X = tf.transpose(X, perm=(0, 2, 1, 3))  # (batch, count, heads, head size)
    return tf.reshape(X, (-1, shape[1], num_heads * X.shape[-1]))


class MultiHeadAttention(keras.layers.Layer):
    """Multi-head scaled dot-product attention.

    ``num_heads`` heads, each with its own learned projections of queries, keys and values
    to ``num_hiddens / num_heads`` features, attend in parallel; their outputs are
    concatenated and projected by ``W_o``. ``call(queries, keys, values, valid_lens=None,
    training=None)`` takes (batch, queries, q_size), (batch, pairs, k_size), (batch, pairs,
    v_size) and ``valid_lens`` as in :func:`masked_softmax` ((batch,) or (batch, queries));
    returns (batch, queries, num_hiddens). The weights of the last call, (batch * num_heads,
    queries, pairs), are in ``attention.attention_weights``. Explained in "Multi-head attention".
    """

    def __init__(self, num_hiddens, num_heads, dropout=0.0, bias=False, **kwargs):
        super().__init__(**kwargs)
        _check_positive_int("num_hiddens", num_hiddens)
        _check_positive_int("num_heads", num_heads)
        if num_hiddens % num_heads:
            raise ValueError(f"num_hiddens ({num_hiddens}) must be divisible by num_heads ({num_heads})")
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = keras.layers.Dense(num_hiddens, use_bias=bias)
        self.W_k = keras.layers.Dense(num_hiddens, use_bias=bias)
        self.W_v = keras.layers.Dense(num_hiddens, use_bias=bias)
        self.W_o = keras.layers.Dense(num_hiddens, use_bias=bias)

    def __call__(self, queries, keys, values, valid_lens=None, **kwargs):
        # Checked before Keras's own __call__, which would wrap the message in its call report.
        queries, keys, values = (tf.convert_to_tensor(t) for t in (queries, keys, values))
        _check_qkv(queries, keys, values)
        if valid_lens is not None:
            valid_lens = tf.convert_to_tensor(valid_lens)
            _check_valid_lens(valid_lens, queries.shape[0], queries.shape[1])
        return super().__call__(queries, keys, values, valid_lens, **kwargs)

    def call(self, queries, keys, values, valid_lens=None, training=None):
        queries = transpose_qkv(self.W_q(queries), self.num_heads)
        keys = transpose_qkv(self.W_k(keys), self.num_heads)
        values = transpose_qkv(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            # one copy of each example's lengths per head, in transpose_qkv's order
            valid_lens = tf.repeat(valid_lens, repeats=self.num_heads, axis=0)
        output = self.attention(queries, keys, values, valid_lens, training=training)
        return self.W_o(transpose_output(output, self.num_heads))


class AttentionDecoder(Decoder):
    """The base decoder with attention: a :class:`Decoder` whose ``attention_weights``
    property returns the attention weights of its last decoding steps (for plotting).

    Subclasses implement ``init_state``, ``call`` and ``attention_weights``.
    Explained in "Bahdanau attention".
    """

    @property
    def attention_weights(self):
        raise NotImplementedError(f"{type(self).__name__} must implement the attention_weights property")
