"""Attention (book §11.3-11.5): masked softmax, additive and scaled dot-product attention, multi-head attention.

Shapes: queries (B, Q, d_q), keys (B, K, d_k), values (B, K, d_v) -> outputs (B, Q, d_v); attention weights
(B, Q, K) are kept on the module (`attention_weights`) for heatmaps. `valid_lens` masks keys: (B,) gives one
length per example, (B, Q) one per query.

Deliberate difference from the book: its `masked_softmax` fills masked scores with -1e6, so a row whose keys are
all masked (valid length 0) gets *uniform* weights and attends to padding. Here such a row is all zeros.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def sequence_mask(valid_lens: Tensor, maxlen: int) -> Tensor:
    """valid_lens (...,) -> bool mask (..., maxlen): True at positions < valid length."""
    return torch.arange(maxlen, device=valid_lens.device) < valid_lens.unsqueeze(-1)


def masked_softmax(X: Tensor, valid_lens: Tensor | None = None) -> Tensor:
    """Softmax over the last axis of X (B, Q, K), keeping only the first valid_lens keys ((B,) or (B, Q)).

    Masked scores get the dtype's lowest value (exp gives exactly 0); the result is multiplied by the mask, so a
    fully masked row is 0 rather than the uniform 1/K the book's -1e6 fill gives.
    """
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    if valid_lens.dim() == 1:
        valid_lens = valid_lens[:, None].expand(X.shape[0], X.shape[1])  # (B, Q)
    mask = sequence_mask(valid_lens, X.shape[-1])  # (B, Q, K)
    weights = torch.softmax(X.masked_fill(~mask, torch.finfo(X.dtype).min), dim=-1)
    return weights * mask


class DotProductAttention(nn.Module):
    """Scaled dot-product attention: softmax(Q K^T / sqrt(d)) V (book §11.3.2). Keys and queries share size d."""

    def __init__(self, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: Tensor | None = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        d = queries.shape[-1]
        scores = queries @ keys.transpose(1, 2) / math.sqrt(d)  # (B, Q, K); the sqrt keeps the variance at 1
        self.attention_weights = masked_softmax(scores, valid_lens)
        return self.dropout(self.attention_weights) @ values


class AdditiveAttention(nn.Module):
    """Additive attention: w_v^T tanh(W_q q + W_k k) (book §11.3.3); queries and keys may differ in size."""

    def __init__(self, key_size: int, query_size: int, num_hiddens: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: Tensor | None = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        features = torch.tanh(self.W_q(queries)[:, :, None, :] + self.W_k(keys)[:, None, :, :])  # (B, Q, K, h)
        scores = self.w_v(features).squeeze(-1)  # (B, Q, K)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return self.dropout(self.attention_weights) @ values


class MultiHeadAttention(nn.Module):
    """h heads of scaled dot-product attention on learned projections, concatenated and projected (book §11.5).

    Each head sees num_hiddens / h dimensions, so the cost equals one full-width head. The heads run as one
    batched attention over (B * h, ...), as the book does. `bias=True` matches `nn.MultiheadAttention`.
    """

    def __init__(
        self,
        num_hiddens: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = False,
        key_size: int | None = None,
        query_size: int | None = None,
        value_size: int | None = None,
    ) -> None:
        super().__init__()
        if num_hiddens % num_heads:
            raise ValueError(f"num_hiddens {num_hiddens} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size or num_hiddens, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size or num_hiddens, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size or num_hiddens, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def heads(self, X: Tensor) -> Tensor:
        """(B, n, num_hiddens) -> (B, h, n, num_hiddens / h)."""
        B, n, _ = X.shape
        return X.reshape(B, n, self.num_heads, -1).permute(0, 2, 1, 3)

    def transpose_qkv(self, X: Tensor) -> Tensor:
        """(B, n, num_hiddens) -> (B * h, n, num_hiddens / h): one batch entry per (example, head)."""
        H = self.heads(X)
        return H.reshape(-1, H.shape[2], H.shape[3])

    def transpose_output(self, X: Tensor) -> Tensor:
        """(B * h, n, d) -> (B, n, h * d): undo `transpose_qkv`."""
        _, n, d = X.shape
        return X.reshape(-1, self.num_heads, n, d).permute(0, 2, 1, 3).reshape(-1, n, self.num_heads * d)

    def project_kv(self, keys: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
        """Projected keys and values split into heads, each (B, h, n, d): what a key-value cache stores."""
        return self.heads(self.W_k(keys)), self.heads(self.W_v(values))

    def attend(self, queries: Tensor, k: Tensor, v: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        """Attention of raw queries (B, Q, d_q) over projected heads k, v (B, h, K, d) -> (B, Q, num_hiddens)."""
        q = self.transpose_qkv(self.W_q(queries))
        k, v = k.reshape(-1, k.shape[2], k.shape[3]), v.reshape(-1, v.shape[2], v.shape[3])
        if valid_lens is not None:  # the same lengths for every head of an example
            valid_lens = torch.repeat_interleave(valid_lens, self.num_heads, dim=0)
        return self.W_o(self.transpose_output(self.attention(q, k, v, valid_lens)))

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        return self.attend(queries, *self.project_kv(keys, values), valid_lens)

    @property
    def attention_weights(self) -> Tensor | None:
        """(B * h, Q, K) from the last call."""
        return self.attention.attention_weights
