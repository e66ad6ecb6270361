"""RNN encoder-decoder for machine translation (book §10.7): a GRU encoder, and a GRU decoder that reads the
encoder's final top-layer state as a context vector at every step.

Encoder: X (B, S) -> embeddings (S, B, E) -> GRU -> (outputs (S, B, H), state (L, B, H)).
Decoder: X (B, T) -> embeddings (T, B, E) ++ context (T, B, H) -> GRU from the encoder's state -> (B, T, V).
The whole source is squeezed into one H-vector: the bottleneck attention removes (`bahdanau.py`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from dive.models.encoder_decoder import Decoder, Encoder, EncoderDecoder
from dive.models.registry import register_model


def init_seq2seq(module: nn.Module) -> None:
    """Xavier-uniform for linear and GRU weights, as the book (§10.7.1), so deep GRUs start well scaled."""
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
    if isinstance(module, nn.GRU):
        for name, param in module.named_parameters():
            if "weight" in name:
                nn.init.xavier_uniform_(param)


class Seq2SeqEncoder(Encoder):
    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0.0)
        self.apply(init_seq2seq)

    def forward(self, X: Tensor, valid_lens: Tensor | None = None) -> tuple[Tensor, Tensor]:
        embs = self.embedding(X.t().long())  # (S, B, E)
        outputs, state = self.rnn(embs)  # (S, B, H), (L, B, H)
        return outputs, state


class Seq2SeqDecoder(Decoder):
    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int, dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0.0)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.apply(init_seq2seq)

    def init_state(self, enc_outputs: Any, enc_valid_lens: Tensor | None = None) -> list[Tensor]:
        outputs, hidden = enc_outputs
        return [outputs[-1], hidden]  # context (B, H) and the GRU state (L, B, H); batch on axis 0 and 1

    def forward(self, X: Tensor, state: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
        context, hidden = state
        embs = self.embedding(X.t().long())  # (T, B, E)
        ctx = context.unsqueeze(0).expand(embs.shape[0], -1, -1)  # (T, B, H)
        outputs, hidden = self.rnn(torch.cat((embs, ctx), -1), hidden)
        return self.dense(outputs).transpose(0, 1), [context, hidden]  # (B, T, V)

    @staticmethod
    def reorder(state: list[Tensor], idx: Tensor) -> list[Tensor]:
        return [state[0][idx], state[1][:, idx]]


class Seq2Seq(EncoderDecoder):
    """The book's GRU encoder-decoder: embed 256, hidden 256, 2 layers, dropout 0.2 (§10.7.3).

    `decoder_cls` is the one difference of the attention model (`bahdanau.Seq2SeqAttention`)."""

    decoder_cls: type[Decoder] = Seq2SeqDecoder

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_size: int = 256,
        num_hiddens: int = 256,
        num_layers: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__(
            Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout),
            self.decoder_cls(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout),
        )


@register_model("seq2seq-gru", input_shape=(9,), task="encoder-decoder")
def seq2seq_gru(src_vocab_size: int = 200, tgt_vocab_size: int = 200, **kwargs: Any) -> Seq2Seq:
    return Seq2Seq(src_vocab_size, tgt_vocab_size, **kwargs)
