"""The attention-mechanism recipes (book chapters 10-11): seq2seq, bahdanau, transformer on fra-eng.

Book profiles are d2l 1.0's (its data slice, sizes and optimizer: Adam, lr 0.005 for the GRU models and 0.001 for
the Transformer, 30 epochs, batch 128, 9 steps, clipping at 1); the book prints four translations, and the metric
is their mean BLEU. `full` trains on the whole corpus split by source sentence and reports held-out corpus BLEU
(GPU-sized); `quick` is the same on the first 20,000 pairs for a few CPU minutes.
"""

from __future__ import annotations

from dataclasses import replace

from dive.recipes.base import Profile, recipe
from dive.recipes.translation import MT_DATA, MT_PART, MTConfig, train_translation

TINY = {"synthetic": True, "max_epochs": 2, "num_train": 300, "num_val": 60, "batch_size": 32, "embed_size": 16,
        "num_hiddens": 16, "ffn_num_hiddens": 16, "num_layers": 1}  # fmt: skip


# The book's 9 steps fit its short slice, but only 65% of the whole corpus's pairs: the rest would be cut, and
# a translation could never be longer than 8 words. 20 steps hold both sides of 99.6% of the pairs (a test checks).
FULL_STEPS = 20
FULL_SOURCE = "target: >= 30 corpus BLEU (Transformer, GPU)"
MEASURED = "measured, 2 CPU cores"

SEQ2SEQ = MTConfig(model="seq2seq", lr=0.005)
BAHDANAU = MTConfig(model="bahdanau", lr=0.005)
TRANSFORMER = MTConfig(model="transformer", lr=0.001)
QUICK = {"scope": "full", "max_pairs": 20000, "max_epochs": 5}  # the first 20,000 pairs: short sentences
QUICK_T = {**QUICK, "max_epochs": 4}
FULL = {"scope": "full", "max_epochs": 10, "num_steps": FULL_STEPS}


def _full(book: MTConfig, band: tuple[float, float], **changes) -> dict[str, Profile]:
    """The whole-corpus profile (GPU-sized), its band on held-out corpus BLEU."""
    return {"full": Profile(replace(book, **FULL, **changes), band=band, metric="test_bleu", source=FULL_SOURCE)}


# The whole corpus is 300 times the book's slice: its Transformer gets the usual 4 x num_hiddens FFN instead of the
# book's 64 (on the quick data, 4 epochs: test BLEU 15.0 against 13.4, at 1.4x the time), and length-bucketed
# batches (2.0x the real tokens per second on 2 CPU cores: batches of 8 steps instead of 20).
# One row per recipe: name, section, book config, its band and measurement, quick config and band, quick minutes,
# the full profile's band and its changes to the book config.
MT_TABLE = (
    ("seq2seq", "10.7 Sequence-to-Sequence Learning for Machine Translation", SEQ2SEQ, (0.5, 1.0), 0.87,
     replace(SEQ2SEQ, **QUICK), (7, 15), 4, (20, 100), {}),
    ("bahdanau", "11.4 The Bahdanau Attention Mechanism", BAHDANAU, (0.6, 1.0), 0.75,
     replace(BAHDANAU, **QUICK), (8, 16), 4.5, (25, 100), {}),
    ("transformer", "11.7 The Transformer Architecture", TRANSFORMER, (0.6, 1.0), 0.91,
     replace(TRANSFORMER, **QUICK_T), (12, 22), 5, (30, 100), {"ffn_num_hiddens": 1024, "bucket": True}),
)  # fmt: skip

for _name, _section, _book, _band, _measured, _quick, _quick_band, _minutes, _full_band, _full_changes in MT_TABLE:
    _chapter = _section.split(" ")[0]
    recipe(_name, section=_section, dataset="fra-eng", metric="book4_bleu", run=train_translation, distributed=True,
        model=MT_PART, data=MT_DATA,
        book=Profile(_book, band=_band, minutes=1,
                     source=f"d2l 1.0 §{_chapter} prints four translations; measured here {_measured}"),
        quick=Profile(_quick, band=_quick_band, minutes=_minutes, source=MEASURED, metric="test_bleu"),
        tiny=Profile(replace(_book, **TINY)),
        more=_full(_book, _full_band, **_full_changes),
    )  # fmt: skip
