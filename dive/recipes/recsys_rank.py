"""Ranking from implicit feedback on MovieLens 100K (book §21.5-21.7): NeuMF and Caser with BPR.

A user's rated items are positives; each positive is paired with one item the user did not rate, drawn afresh
every batch (`NegativeSampler`). Both recipes train on the seq-aware split, as the book does, and rank each
user's held-out (latest) item among every item the user did not rate in training: **all 1,682 items**. The book's
`evaluate_ranking` builds its candidates from `range(num_users)`, so it ranks only items 0-942 and scores a user
whose held-out item is 943 or above as a miss: the summary reports that number once, beside the corrected one.
The floor ranks items by their popularity in the training set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.data import ArrayLoader
from dive.data.movielens import NegativeSampler, Ratings, sequences
from dive.models.recsys import Caser, NeuMF
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.common import run_fit
from dive.recipes.parts import ModelPart
from dive.recipes.recommend import MOVIELENS_DATA, RECOMMENDER, RecsysConfig, book_adam, recsys_meta
from dive.train import format_summary
from dive.train.ranking import PairwiseStep, bpr_loss, hinge_loss, hit_and_auc

LOSSES = {"bpr": bpr_loss, "hinge": hinge_loss}


@dataclass(frozen=True)
class RankConfig(RecsysConfig):
    """Book §21.6 (NeuMF): 10 factors, MLP 10-10-10, BPR, Adam 0.01, weight decay 1e-5, batch 1024, 10 epochs,
    seq-aware split."""

    split: str = "seq-aware"
    num_factors: int = 10
    hiddens: tuple[int, ...] = (10, 10, 10)
    loss: str = "bpr"  # or "hinge" (margin 1, book §21.5.2)
    lr: float = 0.01
    batch_size: int = 1024
    max_epochs: int = 10


@torch.inference_mode()
def rank_report(model: nn.Module, train: Ratings, test: Ratings) -> tuple[dict, list[str]]:
    """Hit@10, Hit@50 and AUC over all items (and the book's items-below-num_users figure), with the floor."""
    model.eval().cpu()
    rated = train.rated()
    users = test.users
    scores = torch.cat([model.score_all(chunk) for chunk in users.split(128)])
    m = {f"test_{k}": v for k, v in hit_and_auc(scores, rated[users], test.items).items()}
    book = hit_and_auc(scores, rated[users], test.items, first_items=train.num_users)
    popularity = torch.bincount(train.items, minlength=train.num_items).float().expand(len(users), -1)
    floor = hit_and_auc(popularity, rated[users], test.items)
    m.update({f"book_{k}": v for k, v in book.items()}, **{f"floor_{k}": v for k, v in floor.items()})
    outside = int((test.items >= train.num_users).sum())
    lines = [
        f"{len(users):,} held-out items ranked among all {train.num_items:,} items: Hit@10 {m['test_hit@10']:.3f}, "
        f"Hit@50 {m['test_hit@50']:.3f}, AUC {m['test_auc']:.3f}",
        f"the book's evaluate_ranking (items 0-{train.num_users - 1} only; {outside} held-out items never ranked): "
        f"Hit@50 {book['hit@50']:.3f}, AUC {book['auc']:.3f}",
        f"floor (items by popularity): Hit@10 {floor['hit@10']:.3f}, Hit@50 {floor['hit@50']:.3f}, "
        f"AUC {floor['auc']:.3f}",
    ]
    return m, lines


def check_loss(cfg: RankConfig) -> PairwiseStep:
    if cfg.loss not in LOSSES:
        raise ConfigError(f"--loss is one of {', '.join(LOSSES)}, got {cfg.loss!r}")
    return PairwiseStep(LOSSES[cfg.loss])


def neumf_model(cfg: RankConfig, meta: dict) -> NeuMF:
    return NeuMF(cfg.num_factors, meta["num_users"], meta["num_items"], cfg.hiddens)


NOTE = "a recommender scores ids against its tables"
NEUMF_PART = ModelPart(build=neumf_model, predictor=RECOMMENDER, export_note=NOTE)


def run_neumf(cfg: RankConfig, ctx: RunContext) -> RunResult:
    step = check_loss(cfg)
    data = MOVIELENS_DATA.read(cfg, ctx.data_root)
    tr, te = data.train, data.test
    ctx.meta.update(recsys_meta(data))
    torch.manual_seed(cfg.seed)
    model = neumf_model(cfg, ctx.meta)
    opt = book_adam(model.parameters(), cfg)
    loader = ArrayLoader(tr.users, tr.items, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed,
                         augment=NegativeSampler(tr.rated()))  # fmt: skip
    state, _, _ = run_fit(ctx, cfg, model=model, step=step, optimizer=opt, train_loader=loader,
                          max_epochs=cfg.max_epochs)  # fmt: skip
    m, lines = rank_report(model, tr, te)
    m = {**state.metrics, **m}
    return RunResult.of(m, [format_summary(dict(state.metrics), str(ctx.device)), *lines])


@dataclass(frozen=True)
class CaserConfig(RankConfig):
    """Book §21.7: L = 5 recent items, d = 16 horizontal and d' = 4 vertical filters, dropout 0.05, 10 factors,
    BPR, Adam 0.04, weight decay 1e-5, batch 1024, 8 epochs (the book's own run is commented out)."""

    L: int = 5
    d: int = 16
    d_prime: int = 4
    dropout: float = 0.05
    lr: float = 0.04
    max_epochs: int = 8


class SequenceRecommender(nn.Module):
    """Caser with each user's last L training items kept as a buffer, so the run folder alone recommends."""

    def __init__(self, cfg: CaserConfig, num_users: int, num_items: int):
        super().__init__()
        self.net = Caser(cfg.num_factors, num_users, num_items, cfg.L, cfg.d, cfg.d_prime, cfg.dropout)
        self.register_buffer("recent", torch.zeros(num_users, cfg.L, dtype=torch.int64))

    def forward(self, users: Tensor, seqs: Tensor, items: Tensor) -> Tensor:
        return self.net(users, seqs, items)

    def score_all(self, users: Tensor) -> Tensor:
        return self.net.score_all(users, self.recent[users])


def caser_model(cfg: CaserConfig, meta: dict) -> SequenceRecommender:
    return SequenceRecommender(cfg, meta["num_users"], meta["num_items"])


CASER_PART = ModelPart(build=caser_model, predictor=RECOMMENDER, export_note=NOTE)


def caser_windows(train: Ratings, L: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(users, windows (N, L), targets, recent (num_users, L)): every run of L items followed by the next one in
    each user's time-ordered history (book §21.7.2), and each user's last L items (padded with their first)."""
    users, windows, targets, recent = [], [], [], []
    for u, seq in enumerate(sequences(train)):
        if len(seq) == 0:
            recent.append(torch.zeros(L, dtype=torch.int64))
            continue
        padded = torch.cat([seq[:1].expand(max(0, L - len(seq))), seq])
        recent.append(padded[-L:])
        if len(padded) > L:
            w = padded.unfold(0, L + 1, 1)
            windows.append(w[:, :L])
            targets.append(w[:, L])
            users.append(torch.full((len(w),), u))
    return torch.cat(users), torch.cat(windows), torch.cat(targets), torch.stack(recent)


def run_caser(cfg: CaserConfig, ctx: RunContext) -> RunResult:
    step = check_loss(cfg)
    if cfg.L < 1 or cfg.d < 1 or cfg.d_prime < 1:
        raise ConfigError("--L, --d and --d_prime are at least 1")
    data = MOVIELENS_DATA.read(cfg, ctx.data_root)
    tr, te = data.train, data.test
    ctx.meta.update(recsys_meta(data))
    users, windows, targets, recent = caser_windows(tr, cfg.L)
    torch.manual_seed(cfg.seed)
    model = caser_model(cfg, ctx.meta)
    model.recent.copy_(recent)
    opt = book_adam(model.parameters(), cfg)
    loader = ArrayLoader(users, windows, targets, batch_size=cfg.batch_size, shuffle=True, seed=cfg.seed,
                         augment=NegativeSampler(tr.rated()))  # fmt: skip
    print(f"{len(targets):,} windows of {cfg.L} items and their next item, from {tr.num_users:,} users")
    state, _, _ = run_fit(ctx, cfg, model=model, step=step, optimizer=opt, train_loader=loader,
                          max_epochs=cfg.max_epochs)  # fmt: skip
    m, lines = rank_report(model, tr, te)
    m = {**state.metrics, **m}
    return RunResult.of(m, [format_summary(dict(state.metrics), str(ctx.device)), *lines])


MEASURED = "measured, 2 CPU cores"
NEUMF = RankConfig()
recipe("neumf", section="21.6 Neural Collaborative Filtering for Personalized Ranking (NeuMF, MovieLens 100K)",
       dataset="ml-100k", metric="test_hit@50", run=run_neumf, model=NEUMF_PART, data=MOVIELENS_DATA,
       # over all items: Hit@10 0.051, Hit@50 0.278, AUC 0.851; the book's candidates: Hit@50 0.274, AUC 0.713;
       # popularity: 0.084, 0.216, 0.799; --loss=hinge: 0.041, 0.181, 0.821; 4.9 s
       book=Profile(NEUMF, band=(0.23, 0.33), minutes=0.2, source="the book's setup, seq-aware split: measured"),
       quick=Profile(NEUMF, band=(0.23, 0.33), minutes=0.2, source=MEASURED),
       tiny=Profile(replace(NEUMF, synthetic=True, max_epochs=2, batch_size=64)),
)  # fmt: skip
CASER = CaserConfig()
recipe("caser", section="21.7 Sequence-Aware Recommender Systems (Caser, MovieLens 100K)", dataset="ml-100k",
       metric="test_hit@50", run=run_caser, model=CASER_PART, data=MOVIELENS_DATA,
       # over all items: Hit@10 0.104, Hit@50 0.353, AUC 0.875; the book's candidates: 0.357, 0.741; --loss=hinge:
       # 0.099, 0.326, 0.860; 16 s
       book=Profile(CASER, band=(0.30, 0.40), minutes=0.5,
                    source="the book's setup (its run is commented out): measured, the first published"),
       quick=Profile(CASER, band=(0.30, 0.40), minutes=0.5, source=MEASURED),
       tiny=Profile(replace(CASER, synthetic=True, max_epochs=2, batch_size=64, d=4, d_prime=2)),
)  # fmt: skip
