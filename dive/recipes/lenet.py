"""LeNet on Fashion-MNIST (book §7.6): the book's sigmoid + average-pooling network, Xavier-initialised."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch.nn.functional as F

from dive.models import LeNet
from dive.nn import init_xavier
from dive.recipes.base import Profile, RunContext, RunResult, recipe
from dive.recipes.classify import FASHION_DATA, FashionConfig, fashion_part, train_classifier
from dive.train.optim import SGD


@dataclass(frozen=True)
class LeNetConfig(FashionConfig):
    """Book 1.0 §6.6: lr 0.9, batch 256, 10 epochs, Xavier init; `modern` swaps in ReLU and max pooling.

    The defaults are the fast path, the same computation as the book's, measured on 2 CPU cores: channels_last
    (`dive bench lenet`: 1.4x NCHW), whole batches on both cores, and (for every CPU run, in `Trainer.fit`)
    glibc's allocator keeping freed memory, so a step no longer page-faults its activations back in
    (`dive.core.memory`: 27k against 19k examples/s). `--split=2` runs each batch's halves on two threads instead
    (`dive.train.split`): faster before the allocator change, 23k examples/s after it. In channels_last the model
    itself takes two CPU shortcuts that compute the same function (`dive.models.lenet`): 31.5k examples/s.
    `--channels_last=false` is the book's own computation order.
    """

    lr: float = 0.9
    modern: bool = False
    channels_last: bool = True
    split: int = 1


def build(cfg: LeNetConfig) -> LeNet:
    return LeNet(num_classes=10, modern=cfg.modern)


def run(cfg: LeNetConfig, ctx: RunContext) -> RunResult:
    model = build(cfg)
    model.apply(init_xavier)
    return train_classifier(cfg, ctx, model, SGD(model.parameters(), lr=cfg.lr), F.cross_entropy)


BOOK = LeNetConfig()
PROFILES = {
    "book": Profile(
        BOOK, band=(0.73, 0.83), minutes=2.0, source="book §7.6: test acc 0.78 (0.73-0.83) after 10 epochs"
    ),
    "quick": Profile(replace(BOOK, max_epochs=4), band=(0.70, 0.80), minutes=1.0, source="measured, 2 CPU cores"),
    "tiny": Profile(replace(BOOK, max_epochs=2, batch_size=64, synthetic=True)),
}

recipe("lenet", section="7.6 Convolutional Neural Networks (LeNet)", dataset="fashion-mnist", metric="test_acc",
       run=run, distributed=True,
       data=FASHION_DATA, model=fashion_part(build),
       **PROFILES,
)  # fmt: skip
