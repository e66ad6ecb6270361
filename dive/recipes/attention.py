"""The attention-mechanism recipes (book chapters 10-11): seq2seq, bahdanau, transformer on fra-eng.

Book profiles are d2l 1.0's (its data slice, sizes and optimizer: Adam, lr 0.005 for the GRU models and 0.001 for
the Transformer, 30 epochs, batch 128, 9 steps, clipping at 1); the book prints four translations, and the metric
is their mean BLEU. `full` trains on the whole corpus split by source sentence and reports held-out corpus BLEU
(GPU-sized); `quick` is the same on the first 20,000 pairs for a few CPU minutes.
"""

from __future__ import annotations

from dataclasses import replace

from dive.recipes.base import Profile, Recipe, register
from dive.recipes.translation import MTConfig, train_translation

TINY = {"synthetic": True, "max_epochs": 2, "num_train": 300, "num_val": 60, "batch_size": 32, "embed_size": 16,
        "num_hiddens": 16, "ffn_num_hiddens": 16, "num_layers": 1}  # fmt: skip


Band = tuple[float, float]
# The book's 9 steps fit its short slice, but only 65% of the whole corpus's pairs: the rest would be cut, and
# a translation could never be longer than 8 words. 20 steps hold both sides of 99.6% of the pairs (a test checks).
FULL_STEPS = 20


def _register(name: str, section: str, book: MTConfig, band: Band, source: str, quick: MTConfig, quick_band: Band,
              quick_minutes: float, full_band: Band, **full_changes) -> None:  # fmt: skip
    profiles = {
        "book": Profile(book, band=band, minutes=1, source=source),
        "quick": Profile(
            quick, band=quick_band, minutes=quick_minutes, source="measured, 2 CPU cores", metric="test_bleu"
        ),  # fmt: skip
        "full": Profile(
            replace(book, scope="full", max_epochs=10, num_steps=FULL_STEPS, **full_changes),
            band=full_band,
            metric="test_bleu",
            source="target: >= 30 corpus BLEU (Transformer, GPU)",
        ),  # fmt: skip
        "tiny": Profile(replace(book, **TINY)),
    }
    register(Recipe(name, section, "fra-eng", "book4_bleu", train_translation, profiles, distributed=True))


SEQ2SEQ = MTConfig(model="seq2seq", lr=0.005)
BAHDANAU = MTConfig(model="bahdanau", lr=0.005)
TRANSFORMER = MTConfig(model="transformer", lr=0.001)
QUICK = {"scope": "full", "max_pairs": 20000, "max_epochs": 5}  # the first 20,000 pairs: short sentences
QUICK_T = {**QUICK, "max_epochs": 4}

_register("seq2seq", "10.7 Sequence-to-Sequence Learning for Machine Translation", SEQ2SEQ, (0.5, 1.0),
          "d2l 1.0 §10.7 prints four translations; measured here 0.87", replace(SEQ2SEQ, **QUICK), (7, 15), 4,
          (20, 100))  # fmt: skip
_register("bahdanau", "11.4 The Bahdanau Attention Mechanism", BAHDANAU, (0.6, 1.0),
          "d2l 1.0 §11.4 prints four translations; measured here 0.75", replace(BAHDANAU, **QUICK), (8, 16), 4.5,
          (25, 100))  # fmt: skip
_register("transformer", "11.7 The Transformer Architecture", TRANSFORMER, (0.6, 1.0),
          "d2l 1.0 §11.7 prints four translations; measured here 0.91", replace(TRANSFORMER, **QUICK_T), (12, 22), 5,
          (30, 100), ffn_num_hiddens=1024, bucket=True)  # fmt: skip
# The whole corpus is 300 times the book's slice: its Transformer gets the usual 4 x num_hiddens FFN instead of the
# book's 64 (on the quick data, 4 epochs: test BLEU 15.0 against 13.4, at 1.4x the time), and length-bucketed
# batches (2.0x the real tokens per second on 2 CPU cores: batches of 8 steps instead of 20).
