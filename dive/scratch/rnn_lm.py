"""A recurrent language model from scratch (book §9.5): one-hot tokens -> recurrent layers -> output layer.

    X (B, T) ids -> one-hot (T, B, V) -> H (T, B, H * dirs) -> O = H W_hq + b_q -> logits (B, T, V)

`forward(X, state=None) -> (logits, state)`, the sequence-model interface, so the trainer can carry the state
across batches (sequential partitioning) and `dive.text.generate` can continue from a prefix.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from dive.scratch.rnn import Recurrent, _param, one_hot


class RNNLMScratch(nn.Module):
    """Language model over any scratch `Recurrent` network (RNN, GRU, LSTM; stacked or bidirectional)."""

    def __init__(self, rnn: Recurrent, vocab_size: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.rnn, self.vocab_size = rnn, vocab_size
        self.W_hq = _param(rnn.num_hiddens * rnn.num_directions, vocab_size, sigma=sigma)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, X: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """X (B, T) token ids -> (logits (B, T, V), state)."""
        embs = one_hot(X, self.vocab_size, self.W_hq.dtype)  # (T, B, V)
        rnn_outputs, state = self.rnn(embs, state)  # (T, B, H * dirs)
        outputs = rnn_outputs @ self.W_hq + self.b_q  # (T, B, V)
        return outputs.transpose(0, 1), state
