"""text: pure functions on strings and token lists (tokenize, Vocab, n-gram statistics) and greedy generation."""

from dive.text.generate import generate, prefix_only_perplexity
from dive.text.tokenize import (
    TOKEN_KINDS,
    ngram_freqs,
    ngrams,
    preprocess,
    tokenize,
    tokenize_lines,
    zipf_exponent,
)
from dive.text.vocab import UNK, Vocab

__all__ = [
    "TOKEN_KINDS",
    "UNK",
    "Vocab",
    "generate",
    "ngram_freqs",
    "ngrams",
    "prefix_only_perplexity",
    "preprocess",
    "tokenize",
    "tokenize_lines",
    "zipf_exponent",
]
