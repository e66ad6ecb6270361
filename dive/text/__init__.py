"""text: pure functions on strings and token lists (tokenize, Vocab, n-gram statistics, BLEU) and decoding
(greedy generation for language models; greedy, beam and exhaustive search for sequence-to-sequence models)."""

from dive.text.bleu import bleu, corpus_bleu
from dive.text.decode import Hypothesis, beam_search, exhaustive_search, greedy_search, index_state
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
    "Hypothesis",
    "beam_search",
    "bleu",
    "corpus_bleu",
    "exhaustive_search",
    "greedy_search",
    "index_state",
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
