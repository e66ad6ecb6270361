"""`dive bench ssd`: TinySSD training (book §14.7) on the banana set, the book's pipeline against dive's.

Contenders (each call trains one pass over the same images and returns images per second, data included):
- `book`: the book's `BananasDataset` style (a list of uint8 image tensors, `__getitem__` turns one into floats),
  a `DataLoader` collating samples, NCHW convolutions, and the §14.7.3 loop: per batch `multibox_target`, the
  loss, a step, and the class error and box MAE turned into Python floats (the book's `Accumulator`);
- `dive`: `ArrayLoader` + `ImageBatch` on whole uint8 batches, channels_last (the recipe's default), `Trainer`
  with `SSDStep`, no per-batch sync; `dive+nchw` is the same without channels_last; `dive+bf16` under bf16
  autocast; `dive+compile` through torch.compile (its first round includes the compilation).
Contenders alternate for `rounds` rounds and medians are compared; the model FLOPs of one step are counted once
(`torch.utils.flop_counter`) and set against this machine's fp32 matmul peak.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from dive.bench.harness import RoundsMixin, alternate, check_variants, matmul_peak_gflops, ran_as_label, rounds_table
from dive.core import ConfigError
from dive.data import ArrayLoader, ImageBatch, ImageSet
from dive.models import TinySSD
from dive.train import Trainer
from dive.vision import multibox_target

VARIANTS = {
    "dive": {"channels_last": True},
    "dive+nchw": {},
    "dive+bf16": {"channels_last": True, "precision": "bf16"},
    "dive+compile": {"channels_last": True, "compile": True},
}
LR, WD = 0.2, 5e-4  # the book's SGD


@dataclass
class SSDBenchResult(RoundsMixin):
    images: int
    batch_size: int
    rounds: dict[str, list[float]]  # images/s per round, per contender
    flops_per_image: float
    peak_gflops: float
    ran_as: dict[str, str]


class BookStyleBananas(Dataset):
    """The book's `BananasDataset`: one uint8 (3, H, W) image at a time made float, with its (1, 5) label."""

    def __init__(self, s: ImageSet) -> None:
        self.features, self.labels = list(s.images), list(s.labels)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        return self.features[i].float() / 255, self.labels[i]


def book_calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks) -> Tensor:
    """The book's `calc_loss`: class cross-entropy averaged per image plus the masked L1 of the offsets."""
    B, C = cls_preds.shape[0], cls_preds.shape[2]
    cls = F.cross_entropy(cls_preds.reshape(-1, C), cls_labels.reshape(-1), reduction="none").reshape(B, -1)
    bbox = F.l1_loss(bbox_preds * bbox_masks, bbox_labels * bbox_masks, reduction="none").mean(dim=1)
    return cls.mean(dim=1) + bbox


def book_train_epoch(net: torch.nn.Module, loader: DataLoader, opt: torch.optim.Optimizer) -> int:
    """One epoch of the book's §14.7.3 loop; returns the number of images."""
    net.train()
    n, metric = 0, [0.0, 0, 0.0, 0]
    for X, Y in loader:
        opt.zero_grad()
        anchors, cls_preds, bbox_preds = net(X)
        bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
        loss = book_calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)
        loss.mean().backward()
        opt.step()
        with torch.no_grad():  # the book's Accumulator: two Python floats per batch (each a sync on a GPU)
            metric[0] += float((cls_preds.argmax(dim=-1).type(cls_labels.dtype) == cls_labels).sum())  # cls_eval
            metric[1] += cls_labels.numel()
            metric[2] += float(torch.abs((bbox_labels - bbox_preds) * bbox_masks).sum())  # bbox_eval
            metric[3] += bbox_labels.numel()
        n += X.shape[0]
    return n


def _model(seed: int, channels_last: bool = False) -> TinySSD:
    torch.manual_seed(seed)
    model = TinySSD(num_classes=1)
    return model.to(memory_format=torch.channels_last) if channels_last else model


def _book_case(s: ImageSet, batch_size: int) -> Callable[[], float]:
    model = _model(0)
    opt = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=WD)
    g = torch.Generator().manual_seed(0)
    loader = DataLoader(BookStyleBananas(s), batch_size=batch_size, shuffle=True, generator=g)

    def epoch() -> float:
        t = time.perf_counter()
        return book_train_epoch(model, loader, opt) / (time.perf_counter() - t)

    return epoch


def _dive_case(s: ImageSet, batch_size: int, ran_as: dict[str, str], name: str, **v) -> Callable[[], float]:
    from dive.train.detection import SSDStep

    cl = v.get("channels_last", False)
    model = _model(0, cl)
    opt = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=WD)
    trainer = Trainer(model, None, opt, step=SSDStep(), max_epochs=1, precision=v.get("precision", "fp32"),
                      compile=v.get("compile", False))  # fmt: skip
    ran_as[name] = trainer.precision
    loader = ArrayLoader(
        s.images, s.labels, batch_size=batch_size, shuffle=True, transform=ImageBatch(channels_last=cl)
    )

    def epoch() -> float:
        t = time.perf_counter()
        state = trainer.fit(loader)
        return state.total_examples / (time.perf_counter() - t)

    return epoch


def step_flops(batch: int, size: int) -> int:
    """Model FLOPs (convolutions and matmuls) of one training step, forward and backward, of TinySSD."""
    from torch.utils.flop_counter import FlopCounterMode

    model = _model(0)
    counter = FlopCounterMode(display=False)
    with counter:
        _, cls_preds, bbox_preds = model(torch.rand(batch, 3, size, size))
        (cls_preds.sum() + bbox_preds.sum()).backward()
    return counter.get_total_flops()


def run_ssd_bench(
    s: ImageSet,
    *,
    rounds: int = 3,
    batch_size: int = 32,
    variants: Sequence[str] = ("dive", "dive+nchw"),
    log: Callable[[str], None] = print,
) -> SSDBenchResult:
    """Alternate the book's pipeline and dive's `variants` for `rounds` passes over `s`; see the module docstring."""
    check_variants(variants, VARIANTS)
    if rounds < 1 or batch_size < 1:
        raise ConfigError("rounds and batch size must be >= 1")
    ran_as: dict[str, str] = {}
    cases = {"book": _book_case(s, batch_size)}
    for v in variants:
        cases[v] = _dive_case(s, batch_size, ran_as, v, **VARIANTS[v])
    size = s.images.shape[-1]
    log(f"{len(s)} banana images {size}x{size}, batch {batch_size}, {torch.get_num_threads()} threads; "
        f"{rounds} alternating rounds of one pass each")  # fmt: skip
    results = alternate(cases, rounds, lambda n, r, v: log(f"  round {r + 1}: {n:14} {v:8.1f} images/s"))
    flops = step_flops(2, size) / 2
    return SSDBenchResult(len(s), batch_size, results, flops, matmul_peak_gflops(), ran_as)


def format_ssd_bench(r: SSDBenchResult) -> str:
    """The table `dive bench ssd` prints."""
    med = r.medians()
    label = lambda n: ran_as_label(n, VARIANTS.get(n, {}).get("precision", "fp32"), r.ran_as.get(n, "fp32"))  # noqa: E731
    lines = rounds_table(r, "pipeline", "images/s", ".1f", label)
    for name in ("book", "dive"):
        if name in med:
            gf = r.flops_per_image * med[name] / 1e9
            share = f"{gf / r.peak_gflops:.0%} of this machine's fp32 matmul peak ({r.peak_gflops:.0f} GFLOP/s)"
            lines.append(f"{name}: {gf:.1f} GFLOP/s = {share}; {r.flops_per_image / 1e9:.2f} GFLOP per image a step")
    return "\n".join(lines)
