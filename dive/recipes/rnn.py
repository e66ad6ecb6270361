"""The recurrent-network recipes (book chapters 9-10): each a `LMConfig` with the book's settings.

Book profiles follow d2l 1.0 (32 hidden units, batch 1024 windows of 32 characters, gradient clipping at 1):
RNN lr 1 for 100 epochs (§9.5-9.6), GRU and LSTM lr 4 for 50 epochs (§10.1-10.2), a 2-layer GRU lr 2 for 100
epochs (§10.3). The book prints curves, not numbers, except for the RNN (~7.2); the other book bands are set
around what its settings reach here. Quick profiles train the same networks for fewer epochs (under a minute on
2 CPU cores; bands measured).
"""

from __future__ import annotations

from dataclasses import replace

from dive.recipes.base import Profile, recipe
from dive.recipes.language_model import LM_DATA, LM_PART, LMConfig, train_lm

TINY = {"synthetic": True, "batch_size": 16, "num_steps": 8, "num_train": 256, "num_val": 64, "max_epochs": 2}


MEASURED = "measured, 2 CPU cores"

RNN = LMConfig(cell="rnn", lr=1.0, max_epochs=100)
GRU = LMConfig(cell="gru", lr=4.0, max_epochs=50)
LSTM = LMConfig(cell="lstm", lr=4.0, max_epochs=50)
DEEP = LMConfig(cell="gru", num_layers=2, lr=2.0, max_epochs=100)
BI = LMConfig(cell="gru", bidirectional=True, lr=4.0, max_epochs=50)
RNN_S, GRU_S, LSTM_S = (replace(c, scratch=True) for c in (RNN, GRU, LSTM))

_B = "d2l 1.0 §9.5 (curve): valid ppl ~7.2 after 100 epochs; measured here 7.26 (scratch), 7.28 (concise)"
_G = "d2l 1.0 §10.2 (curves only); measured here with its settings: 6.83 (scratch), 6.78 (concise)"
_L = "d2l 1.0 §10.1 (curves only); measured here with its settings: 7.35 (scratch), 6.92 (concise)"
_D = "d2l 1.0 §10.3 (curves only); measured here with its settings: 6.45"
_BI = "zh 2.0 §9.4: ppl 1.1 and degenerate text; measured here 1.08 (prefix-only ppl 10.0)"

# One row per recipe: name, section, book config, its band and source, quick epochs, band and minutes, book minutes.
RNN_TABLE = (
    ("rnn-scratch", "9.5 RNN Implementation from Scratch", RNN_S, (6.5, 8.0), _B, 30, (8.5, 10.5), 0.5, 1),
    ("rnn", "9.6 Concise Implementation of RNNs", RNN, (6.5, 8.0), _B, 30, (7.5, 9.5), 0.5, 1),
    ("gru-scratch", "10.2 Gated Recurrent Units (GRU)", GRU_S, (6.2, 7.5), _G, 15, (8.5, 10.5), 0.5, 1.5),
    ("gru", "10.2 Gated Recurrent Units (GRU), concise", GRU, (6.2, 7.5), _G, 15, (7.5, 9.5), 0.5, 1),
    ("lstm-scratch", "10.1 Long Short-Term Memory (LSTM)", LSTM_S, (6.4, 8.0), _L, 15, (10.0, 13.0), 0.5, 2),
    ("lstm", "10.1 Long Short-Term Memory (LSTM), concise", LSTM, (6.4, 8.0), _L, 15, (8.5, 11.0), 0.5, 1),
    ("deep-rnn", "10.3 Deep Recurrent Neural Networks", DEEP, (5.9, 7.2), _D, 30, (7.5, 9.5), 1, 2.5),
    ("birnn", "10.4 Bidirectional Recurrent Neural Networks", BI, (1.0, 1.3), _BI, 15, (1.0, 1.4), 0.5, 1.5),
)

for _name, _section, _book, _band, _source, _quick_epochs, _quick_band, _quick_min, _book_min in RNN_TABLE:
    recipe(_name, section=_section, dataset="timemachine", metric="valid_ppl", run=train_lm, higher_is_better=False,
           distributed=True, model=LM_PART, data=LM_DATA,
           book=Profile(_book, band=_band, minutes=_book_min, source=_source),
           quick=Profile(replace(_book, max_epochs=_quick_epochs), band=_quick_band, minutes=_quick_min,
                         source=MEASURED),
           tiny=Profile(replace(_book, **TINY)))  # fmt: skip
