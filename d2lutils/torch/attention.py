"""Attention scoring functions, the attention decoder and multi-head attention for PyTorch
(explained in "Attention scoring functions", "Bahdanau attention" and "Multi-head attention")."""

import math

import torch
from torch import nn

from d2lutils.torch.encoder_decoder import Decoder

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
    if shape not in ((batch_size,), (batch_size, num_queries)):
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
    if X.dim() != 3:
        raise ValueError(f"X must be a 3-D tensor (batch, queries, keys), got shape {tuple(X.shape)}")
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    valid_lens = torch.as_tensor(valid_lens, device=X.device)
    _check_valid_lens(valid_lens, X.shape[0], X.shape[1])
    if valid_lens.dim() == 1:
        valid_lens = valid_lens[:, None].expand(-1, X.shape[1])
    keep = torch.arange(X.shape[-1], device=X.device)[None, None, :] < valid_lens[:, :, None]
    return nn.functional.softmax(X.masked_fill(~keep, -1e6), dim=-1)


def _check_qkv(queries, keys, values, same_features=False):
    """Raise ValueError unless queries, keys and values fit together (batch, count, features)."""
    for name, t in (("queries", queries), ("keys", keys), ("values", values)):
        if t.dim() != 3:
            raise ValueError(
                f"{name} must be a 3-D tensor (batch, count, features), got shape {tuple(t.shape)}"
            )
    if keys.shape[:2] != values.shape[:2]:
        raise ValueError(
            "keys and values must have the same batch size and number of key-value pairs, "
            f"got keys {tuple(keys.shape)} and values {tuple(values.shape)}"
        )
    if queries.shape[0] != keys.shape[0]:
        raise ValueError(
            f"queries and keys must have the same batch size, got queries {tuple(queries.shape)} "
            f"and keys {tuple(keys.shape)}"
        )
    if same_features and queries.shape[-1] != keys.shape[-1]:
        raise ValueError(
            f"queries and keys must have the same feature size, got queries {tuple(queries.shape)} "
            f"and keys {tuple(keys.shape)}"
        )


class AdditiveAttention(nn.Module):
    """Additive attention: score(q, k) = w_v^T tanh(W_q q + W_k k).

    ``forward(queries, keys, values, valid_lens=None)`` takes queries (batch, queries,
    query_size), keys (batch, pairs, key_size), values (batch, pairs, value_size) and
    returns (batch, queries, value_size); the weights are kept in ``attention_weights``.
    Explained in "Attention scoring functions".
    """

    def __init__(self, key_size, query_size, num_hiddens, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        _check_qkv(queries, keys, values)
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, queries, 1, hiddens) + (batch, 1, pairs, hiddens): every query with every key
        features = torch.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)  # (batch, queries, pairs)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention: score(q, k) = q^T k / sqrt(d).

    ``forward(queries, keys, values, valid_lens=None)``: queries (batch, queries, d), keys
    (batch, pairs, d), values (batch, pairs, value_size) -> (batch, queries, value_size);
    the weights are kept in ``attention_weights``. Explained in "Attention scoring functions".
    """

    def __init__(self, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        _check_qkv(queries, keys, values, same_features=True)
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


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
    if X.dim() != 3:
        raise ValueError(f"X must be a 3-D tensor (batch, count, num_hiddens), got shape {tuple(X.shape)}")
    if X.shape[-1] % num_heads:
        raise ValueError(f"the last axis of X ({X.shape[-1]}) must be divisible by num_heads ({num_heads})")
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)  # (batch, count, heads, head size)
    X = X.permute(0, 2, 1, 3)  # (batch, heads, count, head size)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X, num_heads):
    """Undo :func:`transpose_qkv`: (batch * num_heads, count, head size) ->
    (batch, count, num_heads * head size), the heads concatenated along the last axis.
    Explained in "Multi-head attention".
    """
    _check_positive_int("num_heads", num_heads)
    if X.dim() != 3:
        raise ValueError(
            f"X must be a 3-D tensor (batch * heads, count, head size), got shape {tuple(X.shape)}"
        )
    if X.shape[0] % num_heads:
        raise ValueError(f"the first axis of X ({X.shape[0]}) must be divisible by num_heads ({num_heads})")
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])  # (batch, heads, count, head size)
    X = X.permute(0, 2, 1, 3)  # (batch, count, heads, head size)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Module):
    """Multi-head scaled dot-product attention.

    ``num_heads`` heads, each with its own learned projections of queries, keys and values
    to ``num_hiddens / num_heads`` features, attend in parallel; their outputs are
    concatenated and projected by ``W_o``. ``forward(queries, keys, values, valid_lens=None)``
    takes (batch, queries, q_size), (batch, pairs, k_size), (batch, pairs, v_size) and
    ``valid_lens`` as in :func:`masked_softmax` ((batch,) or (batch, queries)); returns
    (batch, queries, num_hiddens). The input sizes are inferred on the first call
    (``nn.LazyLinear``). The weights of the last call, (batch * num_heads, queries, pairs),
    are in ``attention.attention_weights``. Explained in "Multi-head attention".
    """

    def __init__(self, num_hiddens, num_heads, dropout=0.0, bias=False, **kwargs):
        super().__init__(**kwargs)
        _check_positive_int("num_hiddens", num_hiddens)
        _check_positive_int("num_heads", num_heads)
        if num_hiddens % num_heads:
            raise ValueError(f"num_hiddens ({num_hiddens}) must be divisible by num_heads ({num_heads})")
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens=None):
        _check_qkv(queries, keys, values)
        queries = transpose_qkv(self.W_q(queries), self.num_heads)
        keys = transpose_qkv(self.W_k(keys), self.num_heads)
        values = transpose_qkv(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            valid_lens = torch.as_tensor(valid_lens, device=queries.device)
            _check_valid_lens(valid_lens, keys.shape[0] // self.num_heads, queries.shape[1])
            # one copy of each example's lengths per head, in transpose_qkv's order
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)  # (batch * heads, queries, head size)
        return self.W_o(transpose_output(output, self.num_heads))


class AttentionDecoder(Decoder):
    """The base decoder with attention: a :class:`Decoder` whose ``attention_weights``
    property returns the attention weights of its last decoding steps (for plotting).

    Subclasses implement ``init_state``, ``forward`` and ``attention_weights``.
    Explained in "Bahdanau attention".
    """

    @property
    def attention_weights(self):
        raise NotImplementedError(f"{type(self).__name__} must implement the attention_weights property")
