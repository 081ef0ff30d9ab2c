"""Positional encoding and the Transformer in PyTorch (explained in "The Transformer")."""

import math
import numbers

import torch
from torch import nn

from d2lutils.params import check_positive_int
from d2lutils.torch import attention as _attention
from d2lutils.torch import encoder_decoder as _encoder_decoder

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
    positions = torch.arange(max_len, dtype=torch.float32)[:, None]
    frequencies = torch.pow(10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
    angles = positions / frequencies  # (max_len, ceil(num_hiddens / 2))
    P = torch.zeros((max_len, num_hiddens))
    P[:, 0::2] = torch.sin(angles)
    P[:, 1::2] = torch.cos(angles[:, : num_hiddens // 2])
    return P


class PositionalEncoding(nn.Module):
    """Adds the sinusoid positional encoding to its input, then applies dropout.

    Row ``i`` of the (max_len, num_hiddens) matrix ``P`` holds
    ``sin(i / 10000^(2j/d))`` in column ``2j`` and ``cos(i / 10000^(2j/d))`` in column
    ``2j + 1``. ``forward(X, start=0)`` adds rows ``start, ..., start + steps - 1`` to
    ``X`` (batch, steps, num_hiddens): ``start`` is the position of the first token (the
    number of tokens decoded before it). Explained in "Self-attention and positional encoding".
    """

    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        self.max_len = check_positive_int("max_len", max_len)
        self.dropout = nn.Dropout(_check_dropout(dropout))
        self.register_buffer("P", _encoding_matrix(num_hiddens, max_len)[None], persistent=False)

    def forward(self, X, start=0):
        if X.dim() != 3 or X.shape[-1] != self.num_hiddens:
            raise ValueError(f"X must have shape (batch, steps, {self.num_hiddens}), got {tuple(X.shape)}")
        if start + X.shape[1] > self.max_len:
            raise ValueError(f"positions up to {start + X.shape[1]} exceed max_len={self.max_len}")
        return self.dropout(X + self.P[:, start : start + X.shape[1], :].to(X.device))


class PositionWiseFFN(nn.Module):
    """The position-wise feed-forward network: the same two-layer MLP (ReLU) at every position.

    ``forward(X)`` maps (batch, steps, d) to (batch, steps, ffn_num_outputs); the input
    size d is inferred at the first call. Explained in "The Transformer".
    """

    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        check_positive_int("ffn_num_hiddens", ffn_num_hiddens)
        check_positive_int("ffn_num_outputs", ffn_num_outputs)
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """Residual connection followed by layer normalization: ``LayerNorm(X + dropout(Y))``.

    ``norm_shape`` is the size (or sizes) of the trailing axes normalized, e.g.
    ``num_hiddens``; ``forward(X, Y)`` needs X and Y of the same shape. Explained in
    "The Transformer".
    """

    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(_check_dropout(dropout))
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        if X.shape != Y.shape:
            raise ValueError(f"X and Y must have the same shape, got {tuple(X.shape)} and {tuple(Y.shape)}")
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Module):
    """One encoder block: multi-head self-attention and a position-wise FFN, each followed
    by add & norm. ``forward(X, valid_lens)`` keeps the shape (batch, steps, num_hiddens);
    ``valid_lens`` (batch,) masks the padded keys. Explained in "The Transformer".
    """

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False):
        super().__init__()
        self.attention = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(_encoder_decoder.Encoder):
    """The Transformer encoder: embedding scaled by sqrt(num_hiddens), positional encoding,
    then ``num_blks`` encoder blocks. ``forward(X, valid_lens)`` maps token indices (batch,
    steps) to (batch, steps, num_hiddens); ``attention_weights`` holds each block's
    self-attention weights (batch * num_heads, steps, steps). Explained in "The Transformer".
    """

    def __init__(
        self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, use_bias=False
    ):
        super().__init__()
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        check_positive_int("num_blks", num_blks)
        self.embedding = nn.Embedding(check_positive_int("vocab_size", vocab_size), num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential(
            *(
                TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias)
                for _ in range(num_blks)
            )
        )
        self.attention_weights = [None] * num_blks

    def forward(self, X, valid_lens, *args):
        # The embedding is scaled up so that it is not drowned by the encoding in [-1, 1].
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention.attention_weights
        return X


class TransformerDecoderBlock(nn.Module):
    """The ``i``-th decoder block: masked self-attention, encoder-decoder attention and a
    position-wise FFN, each followed by add & norm.

    ``forward(X, state)`` with ``state = [enc_outputs, enc_valid_lens, caches]`` returns
    ``(output, state)``. ``caches[i]`` holds the block's inputs at the positions decoded so
    far (None at first): they are the keys and values of the self-attention, so that the
    decoder can run one token at a time. Query ``j`` of ``X`` sees the cached positions and
    the positions of ``X`` up to ``j`` (the look-ahead mask, as ``dec_valid_lens``).
    Explained in "The Transformer".
    """

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.attention1 = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = _attention.MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X, state):
        enc_outputs, enc_valid_lens, caches = state
        cached = caches[self.i]
        key_values = X if cached is None else torch.cat((cached, X), dim=1)
        caches[self.i] = key_values
        batch_size, num_steps, _ = X.shape
        start = 0 if cached is None else cached.shape[1]
        # Query j (at position start + j) sees keys 0, ..., start + j: no peeking ahead.
        dec_valid_lens = torch.arange(start + 1, start + num_steps + 1, device=X.device).repeat(batch_size, 1)
        X2 = self.attention1(X, key_values, key_values, dec_valid_lens)
        Y = self.addnorm1(X, X2)
        Y2 = self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens)
        Z = self.addnorm2(Y, Y2)
        return self.addnorm3(Z, self.ffn(Z)), state


class TransformerDecoder(_attention.AttentionDecoder):
    """The Transformer decoder: embedding, positional encoding, ``num_blks`` decoder blocks
    and a dense layer to the vocabulary.

    ``init_state(enc_outputs, enc_valid_lens)`` returns ``[enc_outputs, enc_valid_lens,
    [None] * num_blks]``; ``forward(X, state)`` returns scores (batch, steps, vocab_size)
    and the state, whose caches grow by the tokens of ``X`` (so the positional encoding
    starts at the number of tokens decoded before). ``attention_weights`` is
    ``[self-attention weights per block, encoder-decoder weights per block]``.
    Explained in "The Transformer".
    """

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout):
        super().__init__()
        self.num_hiddens = check_positive_int("num_hiddens", num_hiddens)
        self.num_blks = check_positive_int("num_blks", num_blks)
        self.embedding = nn.Embedding(check_positive_int("vocab_size", vocab_size), num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential(
            *(
                TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i)
                for i in range(num_blks)
            )
        )
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self._attention_weights = [[None] * num_blks for _ in range(2)]

    def init_state(self, enc_outputs, enc_valid_lens, *args):
        return [enc_outputs, enc_valid_lens, [None] * self.num_blks]

    def forward(self, X, state):
        cached = state[2][0]
        start = 0 if cached is None else cached.shape[1]
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), start=start)
        self_weights, cross_weights = [], []  # new lists: a caller may keep the last ones
        for blk in self.blks:
            X, state = blk(X, state)
            self_weights.append(blk.attention1.attention.attention_weights)
            cross_weights.append(blk.attention2.attention.attention_weights)
        self._attention_weights = [self_weights, cross_weights]
        return self.dense(X), state

    @property
    def attention_weights(self):
        return self._attention_weights
