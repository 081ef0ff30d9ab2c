"""Attention scoring functions for PyTorch (explained in "Attention scoring functions")."""

import math

import torch
from torch import nn

__all__ = ["AdditiveAttention", "DotProductAttention", "masked_softmax"]


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
