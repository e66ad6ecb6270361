"""Greedy generation and the prefix-only perplexity, on hand-built models whose answers are known."""

import math

import pytest
import torch
from torch import nn

from dive.models import RNNLM
from dive.text import Vocab, generate, prefix_only_perplexity


class NextLetter(nn.Module):
    """Predicts 'the next letter of the alphabet' with certainty; a stand-in with a known continuation."""

    def __init__(self, vocab: Vocab) -> None:
        super().__init__()
        self.vocab = vocab
        self.dummy = nn.Parameter(torch.zeros(()))
        table = torch.full((len(vocab), len(vocab)), -10.0)
        for tok, i in vocab.token_to_idx.items():
            nxt = chr(ord(tok) + 1) if len(tok) == 1 else "a"
            table[i, vocab[nxt] if nxt in vocab else 0] = 10.0
        self.register_buffer("table", table)

    def forward(self, X, state=None):
        return self.table[X] + self.dummy, state


def test_generate_continues_greedily():
    vocab = Vocab(list("abcdefgh"))
    assert generate(NextLetter(vocab), "ab", 4, vocab) == "abcdef"
    assert generate(NextLetter(vocab), "a", 0, vocab) == "a"
    with pytest.raises(ValueError):
        generate(NextLetter(vocab), "", 3, vocab)


def test_prefix_only_perplexity_equals_ordinary_for_a_causal_model():
    torch.manual_seed(0)
    model = RNNLM(vocab_size=6, num_hiddens=8, cell="gru")
    X, Y = torch.randint(0, 6, (5, 7)), torch.randint(0, 6, (5, 7))
    logits, _ = model(X)
    ordinary = math.exp(nn.functional.cross_entropy(logits.reshape(-1, 6), Y.reshape(-1)).item())
    assert prefix_only_perplexity(model, X, Y) == pytest.approx(ordinary, rel=1e-5)


def test_prefix_only_perplexity_differs_for_a_bidirectional_model():
    torch.manual_seed(0)
    model = RNNLM(vocab_size=6, num_hiddens=8, cell="gru", bidirectional=True)
    X, Y = torch.randint(0, 6, (5, 7)), torch.randint(0, 6, (5, 7))
    logits, _ = model(X)
    ordinary = math.exp(nn.functional.cross_entropy(logits.reshape(-1, 6), Y.reshape(-1)).item())
    assert abs(prefix_only_perplexity(model, X, Y) - ordinary) > 1e-4
