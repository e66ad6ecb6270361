"""Concise recurrent language models (book §9.6, 10.1-10.4): one-hot tokens -> nn.RNN/GRU/LSTM -> nn.Linear.

`forward(X (B, T), state=None) -> (logits (B, T, V), state)`; the state has torch's layout
(num_layers * dirs, B, H), or a pair (H, C) for an LSTM. The same computation as `dive.scratch.RNNLMScratch`
(checked with copied weights), but each layer's loop over time runs inside one fused torch kernel.

A bidirectional model reads the future it is asked to predict: it trains to a low perplexity yet cannot generate
text (book §10.4.3). The `birnn` recipe measures that.
"""

from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from dive.models.registry import register_model

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
TIME_MACHINE_VOCAB = 28  # 26 letters, space, <unk>


class RNNLM(nn.Module):
    """`cell` in {"rnn", "gru", "lstm"}; `dropout` applies between stacked layers (torch's convention)."""

    def __init__(
        self,
        vocab_size: int = TIME_MACHINE_VOCAB,
        num_hiddens: int = 32,
        cell: str = "rnn",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")
        self.vocab_size = vocab_size
        self.rnn = CELLS[cell](
            vocab_size, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional
        )
        self.output = nn.Linear(num_hiddens * (2 if bidirectional else 1), vocab_size)

    def forward(self, X: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """X (B, T) token ids -> (logits (B, T, V), state)."""
        embs = F.one_hot(X.T.long(), self.vocab_size).to(self.output.weight.dtype)  # (T, B, V)
        outputs, state = self.rnn(embs, state)  # (T, B, H * dirs)
        return self.output(outputs).transpose(0, 1), state  # (B, T, V)


@register_model("rnn-lm", input_shape=(32,), task="language-model")
def rnn_lm(**kwargs: Any) -> RNNLM:
    """Book §9.6: one RNN layer of 32 hidden units on characters."""
    return RNNLM(**{"num_hiddens": 32, "cell": "rnn", **kwargs})


@register_model("gru-lm", input_shape=(32,), task="language-model")
def gru_lm(**kwargs: Any) -> RNNLM:
    """Book §10.2."""
    return RNNLM(**{"num_hiddens": 32, "cell": "gru", **kwargs})


@register_model("lstm-lm", input_shape=(32,), task="language-model")
def lstm_lm(**kwargs: Any) -> RNNLM:
    """Book §10.1."""
    return RNNLM(**{"num_hiddens": 32, "cell": "lstm", **kwargs})


@register_model("deep-gru-lm", input_shape=(32,), task="language-model")
def deep_gru_lm(**kwargs: Any) -> RNNLM:
    """Book §10.3: two stacked GRU layers."""
    return RNNLM(**{"num_hiddens": 32, "cell": "gru", "num_layers": 2, **kwargs})


@register_model("bigru-lm", input_shape=(32,), task="language-model")
def bigru_lm(**kwargs: Any) -> RNNLM:
    """Book §10.4: a bidirectional GRU (trains; cannot generate)."""
    return RNNLM(**{"num_hiddens": 32, "cell": "gru", "bidirectional": True, **kwargs})
