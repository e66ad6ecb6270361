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
from dive.recipes.language_model import LMConfig, train_lm

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

recipe(
    "rnn-scratch",
    section="9.5 RNN Implementation from Scratch",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(RNN_S, band=(6.5, 8.0), minutes=1, source=_B),
    quick=Profile(replace(RNN_S, max_epochs=30), band=(8.5, 10.5), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(RNN_S, **TINY)),
)
recipe(
    "rnn",
    section="9.6 Concise Implementation of RNNs",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(RNN, band=(6.5, 8.0), minutes=1, source=_B),
    quick=Profile(replace(RNN, max_epochs=30), band=(7.5, 9.5), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(RNN, **TINY)),
)
recipe(
    "gru-scratch",
    section="10.2 Gated Recurrent Units (GRU)",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(GRU_S, band=(6.2, 7.5), minutes=1.5, source=_G),
    quick=Profile(replace(GRU_S, max_epochs=15), band=(8.5, 10.5), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(GRU_S, **TINY)),
)
recipe(
    "gru",
    section="10.2 Gated Recurrent Units (GRU), concise",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(GRU, band=(6.2, 7.5), minutes=1, source=_G),
    quick=Profile(replace(GRU, max_epochs=15), band=(7.5, 9.5), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(GRU, **TINY)),
)
recipe(
    "lstm-scratch",
    section="10.1 Long Short-Term Memory (LSTM)",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(LSTM_S, band=(6.4, 8.0), minutes=2, source=_L),
    quick=Profile(replace(LSTM_S, max_epochs=15), band=(10.0, 13.0), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(LSTM_S, **TINY)),
)
recipe(
    "lstm",
    section="10.1 Long Short-Term Memory (LSTM), concise",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(LSTM, band=(6.4, 8.0), minutes=1, source=_L),
    quick=Profile(replace(LSTM, max_epochs=15), band=(8.5, 11.0), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(LSTM, **TINY)),
)
recipe(
    "deep-rnn",
    section="10.3 Deep Recurrent Neural Networks",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(DEEP, band=(5.9, 7.2), minutes=2.5, source=_D),
    quick=Profile(replace(DEEP, max_epochs=30), band=(7.5, 9.5), minutes=1, source=MEASURED),
    tiny=Profile(replace(DEEP, **TINY)),
)
recipe(
    "birnn",
    section="10.4 Bidirectional Recurrent Neural Networks",
    dataset="timemachine",
    metric="valid_ppl",
    run=train_lm,
    higher_is_better=False,
    distributed=True,
    book=Profile(BI, band=(1.0, 1.3), minutes=1.5, source=_BI),
    quick=Profile(replace(BI, max_epochs=15), band=(1.0, 1.4), minutes=0.5, source=MEASURED),
    tiny=Profile(replace(BI, **TINY)),
)
