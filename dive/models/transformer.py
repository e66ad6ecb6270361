"""The Transformer for machine translation (book §11.7): post-norm encoder and decoder blocks of multi-head
attention, AddNorm and position-wise FFNs, with a key-value cache for decoding.

Encoder: X (B, S) -> embedding * sqrt(d) + positional encoding -> blocks [self-attention, FFN] -> (B, S, d).
Decoder: X (B, T) -> the same embedding -> blocks [causal self-attention, attention over the encoder's outputs,
FFN] -> dense -> (B, T, V). Position t may attend to positions <= t only (valid lengths 1..T).

Decoding one token at a time, the decoder state keeps, per block, the projected keys and values of every token
decoded so far and of the encoder's outputs (`mode="kv"`, the default in eval mode): each step then projects only
the new token. `mode="recompute"` runs the decoder on the whole prefix at every step instead (what a decoder
without a cache must do); the book's version sits in between, caching each block's inputs and re-projecting them.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from dive.models.encoder_decoder import Decoder, Encoder, EncoderDecoder
from dive.models.registry import register_model
from dive.nn import AddNorm, MultiHeadAttention, PositionalEncoding, PositionWiseFFN


class TransformerEncoderBlock(nn.Module):
    def __init__(self, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, dropout: float, bias: bool = False):
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(num_hiddens, ffn_num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X: Tensor, valid_lens: Tensor | None) -> Tensor:
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(Encoder):
    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_blks: int,
                 dropout: float, bias: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, bias) for _ in range(num_blks)
        )

    def forward(self, X: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        # embeddings start with variance 1/d-ish; scaling by sqrt(d) puts them on the encoding's scale
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        for blk in self.blks:
            X = blk(X, valid_lens)
        return X

    @property
    def attention_weights(self) -> list[Tensor | None]:
        return [blk.attention.attention_weights for blk in self.blks]


class TransformerDecoderBlock(nn.Module):
    def __init__(self, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, dropout: float, i: int) -> None:
        super().__init__()
        self.i = i
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(num_hiddens, ffn_num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X: Tensor, state: dict[str, Any]) -> Tensor:
        """X (B, T, d): new positions only when a cache holds the earlier ones."""
        B, T, _ = X.shape
        cache = state["cache"][self.i] if state["cache"] is not None else None
        k, v = self.attention1.project_kv(X, X)  # (B, h, T, d/h)
        if cache is not None and "self_k" in cache:
            k, v = torch.cat((cache["self_k"], k), dim=2), torch.cat((cache["self_v"], v), dim=2)
        if cache is not None:
            cache["self_k"], cache["self_v"] = k, v
        past = k.shape[2] - T
        causal = (past + torch.arange(1, T + 1, device=X.device)).expand(B, T)  # query t sees keys < past + t + 1
        Y = self.addnorm1(X, self.attention1.attend(X, k, v, causal))
        if cache is not None and "cross_k" in cache:
            ck, cv = cache["cross_k"], cache["cross_v"]
        else:
            ck, cv = self.attention2.project_kv(state["enc"], state["enc"])
            if cache is not None:
                cache["cross_k"], cache["cross_v"] = ck, cv
        Z = self.addnorm2(Y, self.attention2.attend(Y, ck, cv, state["valid"]))
        return self.addnorm3(Z, self.ffn(Z))


class TransformerDecoder(Decoder):
    def __init__(self, vocab_size: int, num_hiddens: int, ffn_num_hiddens: int, num_heads: int, num_blks: int,
                 dropout: float) -> None:  # fmt: skip
        super().__init__()
        self.num_hiddens, self.num_blks = num_hiddens, num_blks
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList(
            TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, i) for i in range(num_blks)
        )
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs: Tensor, enc_valid_lens: Tensor | None = None, mode: str | None = None) -> dict:
        """mode: "train" (whole target at once), "kv" (cache; default in eval mode) or "recompute"."""
        mode = mode or ("train" if self.training else "kv")
        if mode not in ("train", "kv", "recompute"):
            raise ValueError(f"unknown decoder mode {mode!r}; choose train, kv or recompute")
        cache = [{} for _ in range(self.num_blks)] if mode == "kv" else None
        prefix = enc_outputs.new_zeros((enc_outputs.shape[0], 0), dtype=torch.long) if mode == "recompute" else None
        return {"enc": enc_outputs, "valid": enc_valid_lens, "cache": cache, "prefix": prefix}

    def forward(self, X: Tensor, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any]]:
        T_new = X.shape[1]
        if state["prefix"] is not None:  # no cache: run on the whole prefix, keep the new positions' logits
            X = torch.cat((state["prefix"], X), dim=1)
            state = {**state, "prefix": X}
        offset = 0
        if state["cache"] is not None and "self_k" in state["cache"][0]:
            offset = state["cache"][0]["self_k"].shape[2]
        H = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), offset=offset)
        for blk in self.blks:
            H = blk(H, state)
        return self.dense(H[:, -T_new:]), state

    @property
    def attention_weights(self) -> list[tuple[Tensor | None, Tensor | None]]:
        """Per block: (self-attention, encoder-decoder attention) weights of the last call, (B * h, Q, K)."""
        return [(blk.attention1.attention_weights, blk.attention2.attention_weights) for blk in self.blks]


class Transformer(EncoderDecoder):
    """d2l 1.0 §11.7.4's sizes: 256 hidden, FFN 64, 4 heads, 2 blocks each side, dropout 0.2."""

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, num_hiddens: int = 256, ffn_num_hiddens: int = 64,
                 num_heads: int = 4, num_blks: int = 2, dropout: float = 0.2) -> None:  # fmt: skip
        super().__init__(
            TransformerEncoder(src_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout),
            TransformerDecoder(tgt_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout),
        )


@register_model("transformer-mt", input_shape=(9,), task="encoder-decoder")
def transformer_mt(src_vocab_size: int = 200, tgt_vocab_size: int = 200, **kwargs: Any) -> Transformer:
    return Transformer(src_vocab_size, tgt_vocab_size, **kwargs)
