"""Decoding a sequence from a model, one token at a time (book §10.8): greedy, beam search, exhaustive search.

All three take a `step(tokens (N,), state) -> (log_probs (N, V), state)` that scores the next token of N
prefixes at once, and start from one `state` for a batch of 1. The state may be a tensor or nested tuples/lists/
dicts of tensors whose first axis is the prefix; beam search reorders it with `index_state`. A candidate ends at
`eos` or after `max_len` tokens; its score is log P(y) / L^alpha, L its length (eos counted), alpha the length
normalisation (0: none; the book uses 0.75).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

Step = Callable[[Tensor, Any], tuple[Tensor, Any]]


def index_state(state: Any, idx: Tensor) -> Any:
    """Select rows `idx` of every tensor in a (nested) state."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.index_select(0, idx.to(state.device))
    if isinstance(state, (tuple, list)):
        return type(state)(index_state(s, idx) for s in state)
    if isinstance(state, dict):
        return {k: index_state(v, idx) for k, v in state.items()}
    return state


@dataclass(frozen=True)
class Hypothesis:
    tokens: tuple[int, ...]  # generated tokens, eos included if reached
    log_prob: float

    def score(self, alpha: float) -> float:
        return self.log_prob / max(len(self.tokens), 1) ** alpha


def greedy_search(step: Step, state: Any, bos: int, eos: int, max_len: int) -> Hypothesis:
    """Take the most likely token at each step (book §10.8.1): fast, not necessarily the most likely sequence."""
    tokens: list[int] = []
    log_prob = 0.0
    prev = torch.tensor([bos])
    for _ in range(max_len):
        log_probs, state = step(prev, state)
        tok = int(log_probs[0].argmax())
        tokens.append(tok)
        log_prob += float(log_probs[0, tok])
        if tok == eos:
            break
        prev = torch.tensor([tok])
    return Hypothesis(tuple(tokens), log_prob)


def beam_search(
    step: Step,
    state: Any,
    bos: int,
    eos: int,
    max_len: int,
    beam_size: int = 4,
    alpha: float = 0.75,
    reorder: Callable[[Any, Tensor], Any] = index_state,
) -> Hypothesis:
    """Keep the `beam_size` most likely prefixes at each step (book §10.8.3); return the best-scoring candidate.

    `reorder(state, rows)` picks the surviving prefixes' states (a GRU's state has the batch on axis 1).
    """
    if beam_size < 1:
        raise ValueError(f"beam_size must be >= 1, got {beam_size}")
    alive: list[Hypothesis] = [Hypothesis((), 0.0)]
    finished: list[Hypothesis] = []
    prev = torch.tensor([bos])
    for t in range(max_len):
        log_probs, state = step(prev, state)  # (N, V)
        totals = torch.tensor([h.log_prob for h in alive], dtype=log_probs.dtype)[:, None] + log_probs.cpu()
        flat = totals.flatten()
        top = torch.topk(flat, min(beam_size, flat.numel())).indices
        keep_rows, keep = [], []
        V = log_probs.shape[1]
        for i in top.tolist():
            row, tok = divmod(i, V)
            hyp = Hypothesis((*alive[row].tokens, tok), float(flat[i]))
            if tok == eos or t == max_len - 1:
                finished.append(hyp)
            else:
                keep.append(hyp)
                keep_rows.append(row)
        if not keep:
            break
        alive = keep
        rows = torch.tensor(keep_rows)
        state = reorder(state, rows)
        prev = torch.tensor([h.tokens[-1] for h in alive])
    return max(finished, key=lambda h: h.score(alpha))


def exhaustive_search(step: Step, state: Any, bos: int, eos: int, max_len: int, alpha: float = 0.75) -> Hypothesis:
    """Score every sequence (ending at eos, or max_len long) and return the best: V^max_len work, for tests only."""
    log_probs0, _ = step(torch.tensor([bos]), state)
    V = log_probs0.shape[1]
    best: Hypothesis | None = None
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=length):
            if eos in seq[:-1] or (length < max_len and seq[-1] != eos):
                continue  # eos only at the end; shorter sequences must end with it
            s, lp, prev = state, 0.0, torch.tensor([bos])
            for tok in seq:
                log_probs, s = step(prev, s)
                lp += float(log_probs[0, tok])
                prev = torch.tensor([tok])
            hyp = Hypothesis(seq, lp)
            if best is None or hyp.score(alpha) > best.score(alpha):
                best = hyp
    assert best is not None
    return best
