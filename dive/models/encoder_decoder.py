"""The encoder-decoder interface (book §10.6) and translation with it (book §10.7.5, 10.8).

    enc_X (B, S) -> encoder -> enc_outputs -> decoder.init_state(enc_outputs, enc_valid_lens) -> state
    dec_X (B, T), state -> decoder -> (logits (B, T, V), state)

`EncoderDecoder.forward(enc_X, dec_X, enc_valid_lens) -> logits`: training feeds the whole target shifted right
(teacher forcing). `translate` decodes one token at a time with greedy or beam search (`dive.text`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from dive.text import Vocab, beam_search, greedy_search, index_state


class Encoder(nn.Module):
    """forward(X (B, S), valid_lens (B,)) -> whatever the matching decoder's `init_state` takes."""

    def forward(self, X: Tensor, valid_lens: Tensor | None = None) -> Any:
        raise NotImplementedError


class Decoder(nn.Module):
    """init_state(enc_outputs, enc_valid_lens) -> state; forward(X (B, T), state) -> (logits (B, T, V), state).

    `reorder(state, idx)` is optional: beam search calls `dive.text.index_state` on the state otherwise.
    """

    def init_state(self, enc_outputs: Any, enc_valid_lens: Tensor | None = None) -> Any:
        raise NotImplementedError

    def forward(self, X: Tensor, state: Any) -> tuple[Tensor, Any]:
        raise NotImplementedError


class EncoderDecoder(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, enc_X: Tensor, dec_X: Tensor, enc_valid_lens: Tensor | None = None) -> Tensor:
        """enc_X (B, S), dec_X (B, T), enc_valid_lens (B,) -> logits (B, T, V)."""
        state = self.decoder.init_state(self.encoder(enc_X, enc_valid_lens), enc_valid_lens)
        return self.decoder(dec_X, state)[0]


@torch.inference_mode()
def translate(
    model: EncoderDecoder,
    src_tokens: list[str],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    num_steps: int,
    beam_size: int = 1,
    alpha: float = 0.75,
    device: Any = None,
) -> list[str]:
    """Translate one tokenised sentence: greedy (beam_size 1) or beam search; returns target tokens without `<eos>`.

    The source gets `<eos>` and is cut or padded to `num_steps`, as in training; decoding stops at `<eos>` or after
    `num_steps` tokens.
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    ids = src_vocab[[*src_tokens, "<eos>"]][:num_steps]
    valid_len = torch.tensor([len(ids)], device=device)
    enc_X = torch.tensor([ids + [src_vocab["<pad>"]] * (num_steps - len(ids))], device=device)
    state = model.decoder.init_state(model.encoder(enc_X, valid_len), valid_len)

    def step(prev: Tensor, state: Any) -> tuple[Tensor, Any]:
        logits, state = model.decoder(prev.to(device)[:, None], state)  # one time step for N prefixes
        return torch.log_softmax(logits[:, -1].float(), dim=-1).cpu(), state

    bos, eos = tgt_vocab["<bos>"], tgt_vocab["<eos>"]
    if beam_size == 1:
        hyp = greedy_search(step, state, bos, eos, num_steps)
    else:
        reorder = getattr(model.decoder, "reorder", index_state)
        hyp = beam_search(step, state, bos, eos, num_steps, beam_size, alpha, reorder)
    model.train(was_training)
    tokens = list(hyp.tokens[:-1] if hyp.tokens and hyp.tokens[-1] == eos else hyp.tokens)
    return tgt_vocab.to_tokens(tokens)


@torch.inference_mode()
def greedy_translate_batch(
    model: EncoderDecoder, enc_X: Tensor, enc_valid_lens: Tensor, bos: int, eos: int, num_steps: int
) -> list[list[int]]:
    """Greedy decoding of a whole batch at once (for corpus BLEU): token ids per sentence, `<eos>` and after cut."""
    was_training = model.training
    model.eval()
    state = model.decoder.init_state(model.encoder(enc_X, enc_valid_lens), enc_valid_lens)
    prev = torch.full((enc_X.shape[0], 1), bos, dtype=torch.long, device=enc_X.device)
    done = torch.zeros(enc_X.shape[0], dtype=torch.bool, device=enc_X.device)
    outs = []
    for _ in range(num_steps):
        logits, state = model.decoder(prev, state)
        tok = logits[:, -1].argmax(-1)
        outs.append(tok)
        done |= tok == eos
        if bool(done.all()):
            break
        prev = tok[:, None]
    model.train(was_training)
    seqs = torch.stack(outs, dim=1).tolist()
    return [s[: s.index(eos)] if eos in s else s for s in seqs]


@torch.inference_mode()
def cross_attention(model: EncoderDecoder, enc_X: Tensor, dec_X: Tensor, enc_valid_lens: Tensor) -> Tensor | None:
    """Decoder-to-source attention weights for one teacher-forced sentence: (heads, T, S), or None without attention.

    Transformer: the last decoder block's encoder-decoder attention, one map per head; Bahdanau: one map.
    """
    was_training = model.training
    model.eval()
    model(enc_X, dec_X, enc_valid_lens)
    model.train(was_training)
    weights = getattr(model.decoder, "attention_weights", None)
    if not weights:
        return None
    if isinstance(weights[0], tuple):  # Transformer: per block (self, cross), each (B * h, T, S)
        return weights[-1][1].reshape(-1, dec_X.shape[1], enc_X.shape[1]).float().cpu()
    return torch.cat(weights, dim=1).float().cpu()  # Bahdanau: T x (B, 1, S) -> (1, T, S)
