"""GloVe on PTB (book §15.5): `glove`, word vectors fitted to the log co-occurrence counts.

The book explains GloVe's loss and uses pretrained GloVe vectors (§15.7) without training any; here it is trained
on the same PTB sentences as `word2vec`: co-occurrence counts within 10 words weighted 1/distance
(`dive.data.cooccurrence`), the weighted least-squares loss with x_max = 100 and alpha = 0.75, AdaGrad at 0.05 as
in GloVe's reference code. The vectors (v + u) go through the same benchmarks and files as word2vec's, so
`dive similar runs/glove chip` works the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from dive.data import ArrayLoader
from dive.data.cooccurrence import glove_data, glove_weight
from dive.models.word2vec import GloVe
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart, vocab_files, vocab_meta
from dive.recipes.word2vec import PTB_DATA, plain_vectors, report, similar_words
from dive.train.embedding import GloVeStep


@dataclass(frozen=True)
class GloVeConfig(TrainConfig):
    """Book §15.5: GloVe's window, weighting (x_max, alpha) and AdaGrad settings on PTB."""

    window: int = 10
    min_freq: int = 10
    embed_size: int = 100
    x_max: float = 100.0
    alpha: float = 0.75
    lr: float = 0.05  # AdaGrad
    batch_size: int = 1024
    max_epochs: int = 15
    probe: str = "chip"


def run(cfg: GloVeConfig, ctx: RunContext) -> RunResult:
    sentences = PTB_DATA.read(cfg, ctx.data_root)
    i, j, x, vocab = glove_data(sentences, cfg.window, cfg.min_freq)
    print(f"{len(sentences):,} sentences, vocabulary {len(vocab):,}, {x.numel():,} nonzero co-occurrence counts "
          f"of {len(vocab) ** 2:,} pairs")  # fmt: skip
    torch.manual_seed(cfg.seed)
    ctx.meta["vocab"] = vocab_meta(vocab)
    model = GLOVE_PART.build(cfg, ctx.meta).to(ctx.device)
    loader = ArrayLoader(i, j, x.log().float(), glove_weight(x, cfg.x_max, cfg.alpha).float(),
                         batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed)  # fmt: skip
    opt = torch.optim.Adagrad(model.parameters(), lr=cfg.lr)
    state, _, _ = run_fit(ctx, cfg, model=model, step=GloVeStep(), optimizer=opt, train_loader=loader,
                          max_epochs=cfg.max_epochs)  # fmt: skip
    return report(ctx, cfg, dict(state.metrics), model.vectors.cpu(), vocab, "GloVe")


GLOVE_PART = ModelPart(
    build=lambda cfg, meta: GloVe(len(meta["vocab"]["idx_to_token"]), cfg.embed_size),
    predictor=similar_words(plain_vectors),
    legacy_meta=vocab_files(vocab="vocab.json"),
    export_note="word vectors are a table, not a network to trace",
)

BOOK = GloVeConfig()
# the fast path: 8x the batch at twice the rate, so the dense AdaGrad step (which reads and writes both whole tables
# and their squared-gradient sums, whatever the batch) runs 8x less often; the final loss is lower
FAST = replace(BOOK, batch_size=8192, lr=0.1)
recipe("glove", section="15.5 Word Embedding with Global Vectors (GloVe), trained on PTB", dataset="ptb",
    metric="train_loss", higher_is_better=False, run=run, model=GLOVE_PART, data=PTB_DATA,
    # measured: 2,561,647 nonzero counts; loss 0.0093 after 15 epochs in 96 s; chip: intel, microprocessor
    book=Profile(BOOK, band=(0.007, 0.012), minutes=3, source="the book trains no GloVe: measured, 2 CPU cores"),
    # measured: loss 0.0077 in 32 s (the book profile's setting: 111 s in the same session); analogy acc 0.022,
    # wordsim353 0.257 (book profile: 0.024, 0.148); seeds 1-2: 0.0076, 0.021 / 0.027, 0.226 / 0.103
    quick=Profile(FAST, band=(0.006, 0.009), minutes=1, source="measured, 2 CPU cores (seeds 0-2)"),
    tiny=Profile(replace(BOOK, synthetic=True, min_freq=1, embed_size=16, max_epochs=5, batch_size=256, probe="t0w0")),
)  # fmt: skip
