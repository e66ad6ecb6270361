"""The Transformer's small parts (book §11.6-11.7): sinusoidal positional encoding, position-wise FFN, AddNorm.

Shapes: X (B, T, num_hiddens) in and out.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def sinusoidal_table(max_len: int, num_hiddens: int) -> Tensor:
    """P (max_len, num_hiddens): P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)).

    Each pair of columns is a rotation at its own frequency, so position i + delta is a linear function of
    position i (book §11.6.3): relative positions are easy to attend to.
    """
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.pow(10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
    P = torch.zeros(max_len, num_hiddens)
    P[:, 0::2] = torch.sin(pos / freq)
    P[:, 1::2] = torch.cos(pos / freq[: num_hiddens // 2])
    return P


class PositionalEncoding(nn.Module):
    """X + P[offset : offset + T], then dropout. `offset` lets a decoder encode one new position at a time."""

    def __init__(self, num_hiddens: int, dropout: float = 0.0, max_len: int = 1000) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("P", sinusoidal_table(max_len, num_hiddens)[None], persistent=False)

    def forward(self, X: Tensor, offset: int = 0) -> Tensor:
        if offset + X.shape[1] > self.P.shape[1]:
            raise ValueError(f"sequence of {offset + X.shape[1]} positions exceeds max_len {self.P.shape[1]}")
        return self.dropout(X + self.P[:, offset : offset + X.shape[1]].to(X.dtype))


class PositionWiseFFN(nn.Module):
    """The same two-layer MLP applied at every position: Linear -> ReLU -> Linear (book §11.7.2)."""

    def __init__(self, num_hiddens: int, ffn_num_hiddens: int, ffn_num_outputs: int | None = None) -> None:
        super().__init__()
        self.dense1 = nn.Linear(num_hiddens, ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs or num_hiddens)

    def forward(self, X: Tensor) -> Tensor:
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """LayerNorm(X + dropout(Y)): the residual connection and layer normalisation of the post-norm Transformer."""

    def __init__(self, num_hiddens: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(num_hiddens)

    def forward(self, X: Tensor, Y: Tensor) -> Tensor:
        return self.ln(self.dropout(Y) + X)
