"""Training on several processes from scratch (book §13.5): the book's small network on Fashion-MNIST, its
gradients averaged over the processes by our own all-reduce (`scratch.AllReduceSGD`), no DDP.

    dive run data-parallel-scratch                 # one process: the all-reduce has nothing to do
    dive run data-parallel-scratch --nproc 2       # two processes, each half of every batch of 256
    dive run data-parallel-scratch --nproc 2 --ring=true   # the ring all-reduce built from sends and receives

The book's point holds here: the optimization is the same whatever the number of processes (the same global
batches, the same averaged gradient), so the accuracy is too; a network this small gains little speed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch.nn.functional as F

from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.classify import FASHION_DATA, FashionConfig, fashion_part, train_classifier
from dive.scratch.data_parallel import AllReduceSGD, LeNetDP


@dataclass(frozen=True)
class DataParallelConfig(FashionConfig):
    """Book §13.5: lr 0.2, batch 256 (the global batch, split across processes), 10 epochs."""

    lr: float = 0.2
    channels_last: bool = True  # NHWC: the same computation, faster convolutions on CPU
    ring: bool = False  # all-reduce with our ring of sends and receives instead of torch.distributed.all_reduce


def run(cfg: DataParallelConfig, ctx: RunContext) -> RunResult:
    model = LeNetDP()
    optimizer = AllReduceSGD(model.parameters(), lr=cfg.lr, ring=cfg.ring)
    return train_classifier(cfg, ctx, model, optimizer, F.cross_entropy)


BOOK = DataParallelConfig()
PROFILES = {
    "book": Profile(BOOK, band=(0.78, 0.87), minutes=4.0,
                    source="book §13.5: test acc ~0.83 on one GPU, ~0.84 on two, after 10 epochs"),
    "quick": Profile(replace(BOOK, max_epochs=4), band=(0.70, 0.85), minutes=1.5,
                     source="measured, 2 CPU cores: 0.748 after 4 epochs, 86 s"),
    "tiny": Profile(replace(BOOK, max_epochs=2, batch_size=64, synthetic=True)),
}  # fmt: skip
recipe("data-parallel-scratch", section="13.5 Training on Multiple GPUs (from scratch)", dataset="fashion-mnist",
       metric="test_acc", run=run, distributed=True,
       data=FASHION_DATA, model=fashion_part(lambda cfg: LeNetDP()),
       **PROFILES,
)  # fmt: skip
