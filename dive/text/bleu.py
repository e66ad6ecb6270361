"""BLEU (book §10.7.6): how much of a predicted translation's n-grams appear in the reference.

    BLEU = exp(min(0, 1 - len_label / len_pred)) * prod_{n=1..k} p_n ^ (1 / 2^n)

p_n is the clipped n-gram precision (each reference n-gram can be matched once). The brevity penalty punishes
short predictions, which would otherwise score high precisions; the weights 1/2^n give long n-grams, harder to
match, less say. `weights="uniform"` uses 1/k each, the standard (Papineni et al.) geometric mean, which is what
`sacrebleu.sentence_bleu` computes without smoothing; `corpus_bleu` reports sacrebleu's corpus score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def _tokens(seq: str | Sequence[str]) -> list[str]:
    return seq.split(" ") if isinstance(seq, str) else list(seq)


def bleu(
    pred_tokens: str | Sequence[str], label_tokens: str | Sequence[str], k: int = 2, weights: str = "book"
) -> float:
    """Sentence BLEU of a prediction against one reference (token lists, or strings split on spaces)."""
    pred, label = _tokens(pred_tokens), _tokens(label_tokens)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if weights not in ("book", "uniform"):
        raise ValueError(f"weights must be 'book' or 'uniform', got {weights!r}")
    if not pred or not label:
        return 0.0
    score = math.exp(min(0.0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        label_counts = Counter(tuple(label[i : i + n]) for i in range(len(label) - n + 1))
        pred_counts = Counter(tuple(pred[i : i + n]) for i in range(len(pred) - n + 1))
        matches = sum(min(c, label_counts[g]) for g, c in pred_counts.items())
        w = 0.5**n if weights == "book" else 1 / k
        score *= (matches / (len(pred) - n + 1)) ** w
    return score


def corpus_bleu(preds: Sequence[str], labels: Sequence[str], tokenize: str = "13a") -> float:
    """sacrebleu's corpus BLEU (0-100) of predictions against one reference each: the number papers report."""
    import sacrebleu

    if len(preds) != len(labels):
        raise ValueError(f"{len(preds)} predictions but {len(labels)} references")
    # The book's preprocessing already put a space before punctuation, which 13a would do anyway; force=True
    # keeps sacrebleu from warning about "tokenized periods" on every call.
    return sacrebleu.corpus_bleu(list(preds), [list(labels)], tokenize=tokenize, force=True).score
