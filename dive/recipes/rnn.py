"""The recurrent-network recipes (book chapters 9-10): each a `LMConfig` with the book's settings.

Book profiles follow d2l 1.0 (32 hidden units, batch 1024 windows of 32 characters, gradient clipping at 1):
RNN lr 1 for 100 epochs (§9.5-9.6), GRU and LSTM lr 4 for 50 epochs (§10.1-10.2), a 2-layer GRU lr 2 for 100
epochs (§10.3). The book prints curves, not numbers, for these; bands marked "measured" were measured here.
"""

from __future__ import annotations

from dataclasses import replace

from dive.recipes.base import Profile, Recipe, register
from dive.recipes.language_model import LMConfig, train_lm

TINY = {"synthetic": True, "batch_size": 16, "num_steps": 8, "num_train": 256, "num_val": 64, "max_epochs": 2}


def _register(
    name: str,
    section: str,
    book: LMConfig,
    book_band: tuple[float, float],
    book_source: str,
    quick_epochs: int,
    quick_band: tuple[float, float],
    quick_minutes: float,
) -> None:
    profiles = {
        "book": Profile(book, band=book_band, source=book_source),
        "quick": Profile(
            replace(book, max_epochs=quick_epochs),
            band=quick_band,
            minutes=quick_minutes,
            source="measured, 2 CPU cores",
        ),
        "tiny": Profile(replace(book, **TINY)),
    }
    register(Recipe(name, section, "timemachine", "valid_ppl", train_lm, profiles, higher_is_better=False))


RNN = LMConfig(cell="rnn", lr=1.0, max_epochs=100)
GRU = LMConfig(cell="gru", lr=4.0, max_epochs=50)
LSTM = LMConfig(cell="lstm", lr=4.0, max_epochs=50)
DEEP = LMConfig(cell="gru", num_layers=2, lr=2.0, max_epochs=100)
BI = LMConfig(cell="gru", bidirectional=True, lr=4.0, max_epochs=50)
