"""The Bahdanau attention decoder (book §11.4): at each step the decoder's previous top-layer state queries
the encoder's outputs (additive attention), so every source position can inform every target step.

    query (B, 1, H) = previous top-layer state; keys = values = encoder outputs (B, S, H), masked to the source's
    valid length; context (B, 1, H) ++ embedding (B, 1, E) -> GRU step -> ... -> dense -> (B, T, V)
The decoder loops over target steps in Python (each step's query depends on the last step's state).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from dive.models.encoder_decoder import Decoder
from dive.models.registry import register_model
from dive.models.seq2seq import Seq2Seq, init_seq2seq
from dive.nn import AdditiveAttention


class Seq2SeqAttentionDecoder(Decoder):
    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0):
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0.0)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.attention_weights: list[Tensor] = []  # one (B, 1, S) per decoded step of the last call
        self.apply(init_seq2seq)

    def init_state(self, enc_outputs: Any, enc_valid_lens: Tensor | None = None) -> list[Any]:
        outputs, hidden = enc_outputs
        return [outputs.permute(1, 0, 2), hidden, enc_valid_lens]  # (B, S, H), (L, B, H), (B,)

    def forward(self, X: Tensor, state: list[Any]) -> tuple[Tensor, list[Any]]:
        enc_outputs, hidden, valid_lens = state
        embs = self.embedding(X.t().long())  # (T, B, E)
        outputs, self.attention_weights = [], []
        for x in embs:
            query = hidden[-1].unsqueeze(1)  # (B, 1, H)
            context = self.attention(query, enc_outputs, enc_outputs, valid_lens)  # (B, 1, H)
            step_in = torch.cat((context, x.unsqueeze(1)), dim=-1).permute(1, 0, 2)  # (1, B, H + E)
            out, hidden = self.rnn(step_in, hidden)
            outputs.append(out)
            self.attention_weights.append(self.attention.attention_weights)
        logits = self.dense(torch.cat(outputs, dim=0))  # (T, B, V)
        return logits.transpose(0, 1), [enc_outputs, hidden, valid_lens]

    @staticmethod
    def reorder(state: list[Any], idx: Tensor) -> list[Any]:
        enc_outputs, hidden, valid_lens = state
        return [enc_outputs[idx], hidden[:, idx], None if valid_lens is None else valid_lens[idx]]


class Seq2SeqAttention(Seq2Seq):
    """GRU encoder + Bahdanau decoder, the same sizes as `Seq2Seq` (book §11.4.3)."""

    decoder_cls = Seq2SeqAttentionDecoder


@register_model("seq2seq-bahdanau", input_shape=(9,), task="encoder-decoder")
def seq2seq_bahdanau(src_vocab_size: int = 200, tgt_vocab_size: int = 200, **kwargs: Any) -> Seq2SeqAttention:
    return Seq2SeqAttention(src_vocab_size, tgt_vocab_size, **kwargs)
