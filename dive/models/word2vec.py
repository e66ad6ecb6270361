"""Word2vec (book §15.1, 15.4): skip-gram and CBOW with negative sampling, as two embedding tables.

Each word has two vectors: `embed_v` as a centre word (skip-gram) or as a context word being averaged (CBOW), and
`embed_u` as the word being predicted. A pair's score is the dot product u_o . v_c, read as a logit: sigmoid of it
is the probability that o really occurred near c (a context) rather than being drawn from the noise distribution.
After training the `embed_v` rows are the word vectors, as in the book.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class SkipGram(nn.Module):
    """forward(center (B,), contexts_negatives (B, L)) -> logits (B, L): the centre's vector against each word's
    predicted-word vector (the book's `skip_gram`, which returns (B, 1, L))."""

    def __init__(self, vocab_size: int, embed_size: int = 100) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size)
        self.embed_u = nn.Embedding(vocab_size, embed_size)
        for emb in (self.embed_v, self.embed_u):
            nn.init.xavier_uniform_(emb.weight)  # the book's init_weights

    def forward(self, center: Tensor, contexts_negatives: Tensor) -> Tensor:
        v = self.embed_v(center)  # (B, E)
        u = self.embed_u(contexts_negatives)  # (B, L, E)
        return torch.bmm(u, v[:, :, None])[:, :, 0]  # (B, L)

    @property
    def vectors(self) -> Tensor:
        """The word vectors (V, E): the centre-word table."""
        return self.embed_v.weight.detach()
