"""BERT (book §15.8): a Transformer encoder pretrained by masked language modelling and next-sentence prediction.

Input (§15.8.4): "<cls>" sentence A "<sep>" [sentence B "<sep>"], with segment ids 0 for "<cls>", A and its
"<sep>", 1 for B and its "<sep>". Each position's input is token embedding + segment embedding + a *learned*
positional embedding (BERT learns its positions; the Transformer of §11.7 uses fixed sinusoids). The encoder is
the §11.7 encoder block (post-norm, biases in the attention projections, as the book passes `True`).

Heads: `MaskLM` reads the encodings at the chosen positions and predicts the original tokens (an MLP with
LayerNorm, then the vocabulary); `NextSentencePred` reads the "<cls>" encoding through a tanh layer (`hidden`) and
says whether B followed A. Sizes are written out (the book uses lazy layers).

Shapes: tokens, segments (B, T) int64; valid_lens (B,); pred_positions (B, P) -> encoded (B, T, H),
mlm logits (B, P, V), nsp logits (B, 2).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.models.transformer import TransformerEncoderBlock


class BERTEncoder(nn.Module):
    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_blks: int,
                 dropout: float, max_len: int = 1000) -> None:  # fmt: skip
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        self.blks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, bias=True)
            for _ in range(num_blks)
        )
        self.pos_embedding = nn.Parameter(torch.randn(1, max_len, num_hiddens))  # learned, as BERT's

    def forward(self, tokens: Tensor, segments: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        if tokens.shape[1] > self.pos_embedding.shape[1]:
            raise ValueError(f"{tokens.shape[1]} tokens exceed max_len {self.pos_embedding.shape[1]}")
        X = self.token_embedding(tokens) + self.segment_embedding(segments)
        X = X + self.pos_embedding[:, : X.shape[1]]
        for blk in self.blks:
            X = blk(X, valid_lens)
        return X  # (B, T, H)


class MaskLM(nn.Module):
    """The encodings at `pred_positions` (B, P) -> logits over the vocabulary (B, P, V)."""

    def __init__(self, vocab_size: int, num_hiddens: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.ReLU(), nn.LayerNorm(num_hiddens),
                                 nn.Linear(num_hiddens, vocab_size))  # fmt: skip

    def forward(self, X: Tensor, pred_positions: Tensor) -> Tensor:
        picked = torch.gather(X, 1, pred_positions[:, :, None].expand(-1, -1, X.shape[-1]))  # (B, P, H)
        return self.mlp(picked)


class NextSentencePred(nn.Module):
    """The "<cls>" representation (B, H) -> is-next logits (B, 2)."""

    def __init__(self, num_hiddens: int) -> None:
        super().__init__()
        self.output = nn.Linear(num_hiddens, 2)

    def forward(self, X: Tensor) -> Tensor:
        return self.output(X)


class BERTModel(nn.Module):
    """forward(tokens, segments, valid_lens=None, pred_positions=None) -> (encoded, mlm logits or None, nsp)."""

    def __init__(self, vocab_size: int, num_hiddens: int = 128, ffn_num_hiddens: int = 256, num_heads: int = 2,
                 num_blks: int = 2, dropout: float = 0.2, max_len: int = 1000) -> None:  # fmt: skip
        super().__init__()
        self.encoder = BERTEncoder(vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout, max_len)
        self.hidden = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size, num_hiddens)
        self.nsp = NextSentencePred(num_hiddens)

    def forward(self, tokens: Tensor, segments: Tensor, valid_lens: Tensor | None = None,
                pred_positions: Tensor | None = None) -> tuple[Tensor, Tensor | None, Tensor]:  # fmt: skip
        encoded = self.encoder(tokens, segments, valid_lens)
        mlm = self.mlm(encoded, pred_positions) if pred_positions is not None else None
        return encoded, mlm, self.nsp(self.hidden(encoded[:, 0]))


class BERTClassifier(nn.Module):
    """Fine-tuning BERT for a pair task (book §16.7): the "<cls>" encoding through the pretrained `hidden` layer
    (the one NSP used), then a new linear output. forward(tokens, segments, valid_lens) -> logits (B, num_outputs)."""

    def __init__(self, bert: BERTModel, num_outputs: int = 3) -> None:
        super().__init__()
        self.encoder = bert.encoder
        self.hidden = bert.hidden
        self.output = nn.Linear(bert.hidden[0].out_features, num_outputs)

    def forward(self, tokens: Tensor, segments: Tensor, valid_lens: Tensor) -> Tensor:
        encoded = self.encoder(tokens, segments, valid_lens)  # (B, T, H)
        return self.output(self.hidden(encoded[:, 0]))
