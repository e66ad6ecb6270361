"""Generating text with a language model (book §9.5.4), and scoring it on what it may see (book §10.4.3).

Works with any model of the sequence interface `forward(X (B, T), state=None) -> (logits (B, T, V), state)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from dive.text.vocab import Vocab


@torch.inference_mode()
def generate(
    model: Any,
    prefix: str | list[str],
    num_preds: int,
    vocab: Vocab,
    token: str = "char",
    device: Any = None,
    progress: Callable[[int], None] | None = None,
) -> str:
    """Greedy continuation: feed `prefix` (warm-up), then append the arg-max token `num_preds` times.

    The prefix is read in one call (the state after it is what the book's token-by-token warm-up reaches).
    `progress(i)`, when given, is called after the i-th generated token (for a progress bar).
    """
    if num_preds < 0:
        raise ValueError(f"num_preds must be >= 0, got {num_preds}")
    tokens = list(prefix) if isinstance(prefix, str) and token == "char" else prefix
    if isinstance(tokens, str):
        tokens = tokens.split()
    if not tokens:
        raise ValueError("generation needs a non-empty prefix")
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    ids = vocab[list(tokens)]
    logits, state = model(torch.tensor([ids], device=device))
    out = list(ids)
    for i in range(num_preds):
        out.append(int(logits[0, -1].argmax()))
        if progress is not None:
            progress(i)
        if i + 1 < num_preds:
            logits, state = model(torch.tensor([[out[-1]]], device=device), state)
    model.train(was_training)
    return ("" if token == "char" else " ").join(vocab.to_tokens(out))


@torch.inference_mode()
def prefix_only_perplexity(model: Any, X: Tensor, Y: Tensor) -> float:
    """Perplexity when token t is predicted from X[:, :t+1] alone, as generation must (X, Y (B, T)).

    For a causal model this equals its ordinary perplexity on (X, Y). A bidirectional model's ordinary
    perplexity uses the right-hand context, which contains the answer; this one takes that away.
    """
    was_training = model.training
    model.eval()
    total = 0.0
    for t in range(X.shape[1]):
        logits, _ = model(X[:, : t + 1])
        total += F.cross_entropy(logits[:, -1].float(), Y[:, t], reduction="sum").item()
    model.train(was_training)
    return math.exp(total / Y.numel())
