"""Positional encoding and the Transformer in TensorFlow (explained in "The Transformer")."""

import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from d2lutils.params import check_positive_int
from d2lutils.tensorflow import attention as _attention
from d2lutils.tensorflow import encoder_decoder as _encoder_decoder

__all__ = [
    "AddNorm",
    "PositionWiseFFN",
    "PositionalEncoding",
    "TransformerDecoder",
    "TransformerDecoderBlock",
    "TransformerEncoder",
    "TransformerEncoderBlock",
]


def _check_dropout(dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    return float(dropout)


def _encoding_matrix(num_hiddens, max_len):
    """The (max_len, num_hiddens) sinusoid matrix: sin in even columns, cos in odd ones."""
    positions = np.arange(max_len, dtype=np.float32)[:, None]
    frequencies = np.power(10000, np.arange(0, num_hiddens, 2, dtype=np.float32) / num_hiddens)
    angles = positions / frequencies  # (max_len, ceil(num_hiddens / 2))
    P = np.zeros((max_len, num_hiddens), dtype=np.float32)
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles[:, : num_hiddens // 2])
    return P


class PositionalEncoding(keras.layers.Layer):
    """Adds the sinusoid positional encoding to its input, then applies dropout.

    Row ``i`` of the (max_len, num_hiddens) matrix ``P`` holds
    ``sin(i / 10000^(2j/d))`` in column ``2j`` and ``cos(i / 10000^(2j/d))`` in column
    ``2j + 1``. ``call(X, start=0, training=None)`` adds rows ``start, ..., start + steps -
    1`` to ``X`` (batch, steps, num_hiddens): ``start`` (an int or a scalar tensor) is the
    position of the first token (the number of tokens decoded before it). Explained in
    "Self-attention and positional encoding".
    """

    def __init__(self, num_hiddens, dropout, max_len=1000, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        self.max_len = check_positive_int("max_len", max_len)
        self.dropout = keras.layers.Dropout(_check_dropout(dropout))
        self.P = tf.constant(_encoding_matrix(num_hiddens, max_len)[None])

    def __call__(self, X, *args, **kwargs):
        # Checked before Keras's own __call__, which would wrap the message in its call report.
        X = tf.convert_to_tensor(X)
        if X.shape.rank != 3 or X.shape[-1] != self.num_hiddens:
            raise ValueError(f"X must have shape (batch, steps, {self.num_hiddens}), got {tuple(X.shape)}")
        return super().__call__(X, *args, **kwargs)

    def call(self, X, start=0, training=None):
        num_steps = tf.shape(X)[1]
        tf.debugging.assert_less_equal(
            start + num_steps, self.max_len, message=f"positions exceed max_len={self.max_len}"
        )
        P = self.P[:, start : start + num_steps, :]
        return self.dropout(X + tf.cast(P, X.dtype), training=training)


class PositionWiseFFN(keras.layers.Layer):
    """The position-wise feed-forward network: the same two-layer MLP (ReLU) at every position.

    ``call(X)`` maps (batch, steps, d) to (batch, steps, ffn_num_outputs); Keras infers
    the input size d at the first call. Explained in "The Transformer".
    """

    def __init__(self, ffn_num_hiddens, ffn_num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = keras.layers.Dense(check_positive_int("ffn_num_hiddens", ffn_num_hiddens))
        self.relu = keras.layers.ReLU()
        self.dense2 = keras.layers.Dense(check_positive_int("ffn_num_outputs", ffn_num_outputs))

    def call(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(keras.layers.Layer):
    """Residual connection followed by layer normalization: ``LayerNorm(X + dropout(Y))``.

    ``norm_shape`` is the size (or sizes) of the trailing axes normalized, e.g.
    ``num_hiddens``; ``call(X, Y, training=None)`` needs X and Y of the same shape. The
    epsilon is PyTorch's (1e-5; Keras's default is 1e-3). Explained in "The Transformer".
    """

    def __init__(self, norm_shape, dropout, **kwargs):
        super().__init__(**kwargs)
        num_axes = 1 if isinstance(norm_shape, numbers.Integral) else len(norm_shape)
        self.dropout = keras.layers.Dropout(_check_dropout(dropout))
        self.ln = keras.layers.LayerNormalization(axis=list(range(-num_axes, 0)), epsilon=1e-5)

    def __call__(self, X, Y, *args, **kwargs):
        X, Y = tf.convert_to_tensor(X), tf.convert_to_tensor(Y)
        if not X.shape.is_compatible_with(Y.shape):
            raise ValueError(f"X and Y must have the same shape, got {tuple(X.shape)} and {tuple(Y.shape)}")
        return super().__call__(X, Y, *args, **kwargs)

    def call(self, X, Y, training=None):
        return self.ln(self.dropout(Y, training=training) + X)


class TransformerEncoderBlock(keras.layers.Layer):
    """One encoder block: multi-head self-attention and a position-wise FFN, each followed
    by add & norm. ``call(X, valid_lens, training=None)`` keeps the shape (batch, steps,
    num_hiddens); ``valid_lens`` (batch,) masks the padded keys. Explained in "The Transformer".
    """

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        self.attention = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def call(self, X, valid_lens, training=None):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens, training=training), training=training)
        return self.addnorm2(Y, self.ffn(Y), training=training)


class TransformerEncoder(_encoder_decoder.Encoder):
    """The Transformer encoder: embedding scaled by sqrt(num_hiddens), positional encoding,
    then ``num_blks`` encoder blocks. ``call(X, valid_lens, training=None)`` maps token
    indices (batch, steps) to (batch, steps, num_hiddens); ``attention_weights`` holds each
    block's self-attention weights (batch * num_heads, steps, steps). Explained in "The
    Transformer".
    """

    def __init__(
        self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, use_bias=False, **kwargs
    ):
        super().__init__(**kwargs)
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        check_positive_int("num_blks", num_blks)
        self.embedding = keras.layers.Embedding(check_positive_int("vocab_size", vocab_size), num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = [
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias)
            for _ in range(num_blks)
        ]
        self.attention_weights = [None] * num_blks

    def call(self, X, valid_lens, *args, training=None):
        # The embedding is scaled up so that it is not drowned by the encoding in [-1, 1].
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), training=training)
        weights = []
        for blk in self.blks:
            X = blk(X, valid_lens, training=training)
            weights.append(blk.attention.attention.attention_weights)
        self.attention_weights = weights
        return X


class TransformerDecoderBlock(keras.layers.Layer):
    """The ``i``-th decoder block: masked self-attention, encoder-decoder attention and a
    position-wise FFN, each followed by add & norm.

    ``call(X, state, training=None)`` with ``state = [enc_outputs, enc_valid_lens, caches,
    start]`` returns ``(output, state)``. In training the self-attention's keys and values
    are ``X`` itself, query ``j`` seeing positions up to ``j`` (the look-ahead mask, as
    ``dec_valid_lens``). Otherwise ``caches[i]``, a fixed-size (batch, max_len,
    num_hiddens) tensor, keeps the block's inputs at the positions decoded so far: ``X`` is
    written at positions ``start, start + 1, ...`` and query ``j`` sees positions up to
    ``start + j``. Fixed shapes let one compiled decode step serve every step.
    Explained in "The Transformer".
    """

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i, **kwargs):
        super().__init__(**kwargs)
        self.i = i
        self.attention1 = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def call(self, X, state, training=None):
        enc_outputs, enc_valid_lens, caches, start = state
        batch_size, num_steps = tf.shape(X)[0], tf.shape(X)[1]
        if training:
            key_values, first = X, 0
        else:
            cache = caches[self.i]
            positions = tf.range(tf.shape(cache)[1])
            write = (positions >= start) & (positions < start + num_steps)
            placed = tf.gather(X, tf.clip_by_value(positions - start, 0, num_steps - 1), axis=1)
            key_values = tf.where(write[None, :, None], placed, cache)
            caches = list(caches)
            caches[self.i] = key_values
            first = start
        # Query j (at position first + j) sees keys 0, ..., first + j: no peeking ahead.
        dec_valid_lens = tf.tile((first + tf.range(1, num_steps + 1))[None, :], [batch_size, 1])
        X2 = self.attention1(X, key_values, key_values, dec_valid_lens, training=training)
        Y = self.addnorm1(X, X2, training=training)
        Y2 = self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens, training=training)
        Z = self.addnorm2(Y, Y2, training=training)
        output = self.addnorm3(Z, self.ffn(Z), training=training)
        return output, [enc_outputs, enc_valid_lens, caches, start]


class TransformerDecoder(_attention.AttentionDecoder):
    """The Transformer decoder: embedding, positional encoding, ``num_blks`` decoder blocks
    and a dense layer to the vocabulary.

    ``init_state(enc_outputs, enc_valid_lens, max_len=None)`` returns ``[enc_outputs,
    enc_valid_lens, caches, start]``: one zero cache (batch, max_len, num_hiddens) per
    block and ``start = 0``, the position of the next token; ``max_len`` defaults to the
    source length (``predict_seq2seq`` decodes at most ``num_steps`` tokens, the length
    it pads the source to). ``call(X, state, training=None)`` returns scores (batch, steps,
    vocab_size) and the state with ``start`` advanced by the tokens of ``X``.
    ``attention_weights`` is ``[self-attention weights per block, encoder-decoder weights
    per block]``. Explained in "The Transformer".
    """

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        self.num_blks = check_positive_int("num_blks", num_blks)
        self.embedding = keras.layers.Embedding(check_positive_int("vocab_size", vocab_size), num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = [
            TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i)
            for i in range(num_blks)
        ]
        self.dense = keras.layers.Dense(vocab_size)
        self._attention_weights = [[None] * num_blks for _ in range(2)]

    def init_state(self, enc_outputs, enc_valid_lens, *args, max_len=None):
        enc_outputs = tf.convert_to_tensor(enc_outputs)
        if max_len is None:
            max_len = enc_outputs.shape[1]
        max_len = check_positive_int("max_len", max_len)
        cache = tf.zeros((tf.shape(enc_outputs)[0], max_len, self.num_hiddens), enc_outputs.dtype)
        return [enc_outputs, enc_valid_lens, [cache] * self.num_blks, tf.constant(0, tf.int32)]

    def call(self, X, state, training=None):
        start = state[3]
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), start=start, training=training)
        self_weights, cross_weights = [], []
        for blk in self.blks:
            X, state = blk(X, state, training=training)
            self_weights.append(blk.attention1.attention.attention_weights)
            cross_weights.append(blk.attention2.attention.attention_weights)
        self._attention_weights = [self_weights, cross_weights]
        state = [state[0], state[1], state[2], start + tf.shape(X)[1]]
        return self.dense(X), state

    @property
    def attention_weights(self):
        return self._attention_weights
