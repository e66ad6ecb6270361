"""The one training loop (book §3.2.4, `d2l.Trainer`), for every model in dive.

    for each epoch:
        for each batch:  zero_grad -> forward -> loss -> backward -> (clip) -> step      [on_batch_end]
        evaluate under torch.inference_mode                                              [on_epoch_end]

The loop knows nothing about any model. Callbacks (`dive.train.callbacks`) hook four events: fit start, batch end,
epoch end, fit end; they stop training by raising `StopTraining`. Everything needed to continue exactly where a run
stopped lives in `FitState` (position, running sums), which checkpoints save next to the weights and RNG states.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from dive.core import ConfigError, Loader, as_loader, synchronize
from dive.core.memory import keep_freed_memory
from dive.core.precision import PRECISIONS, announce, fp32_layers, precision_plan
from dive.train.distributed import DistInfo, all_reduce_sums, world
from dive.train.metrics import Metric
from dive.train.split import BatchSplit, merged_loss
from dive.train.steps import Step, StepOut, SupervisedStep, part_mean_count

_LATER = object()  # the next batch is to be gathered at the end of this step


class StopTraining(Exception):
    """Raised by a callback to end `fit` early (e.g. early stopping); `fit` returns normally."""


@dataclass
class FitState:
    """Where a run is and what it has measured so far; saved in checkpoints to resume exactly."""

    epoch: int = 0  # epochs completed
    batch: int = 0  # batches completed in the current epoch
    step: int = 0  # optimizer steps in total
    sums: dict[str, Any] = field(default_factory=dict)  # running sums of this epoch: "loss", "count", metric names
    train_seconds: float = 0.0  # training-step time of the current epoch
    total_train_seconds: float = 0.0
    total_examples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # the last finished epoch's metrics
    last_loss: Tensor | None = None  # the last batch's loss (detached), for callbacks

    def to_dict(self) -> dict[str, Any]:
        """JSON-able; the running sums become floats (exact: they are float64)."""
        d = {k: v for k, v in self.__dict__.items() if k != "last_loss"}
        return {**d, "sums": _floats(self.sums), "metrics": dict(self.metrics)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FitState:
        return cls(**d)


class Callback:
    """Override any of the four events. `trainer` gives access to the model, optimizer and loaders."""

    def on_fit_start(self, trainer: Trainer, state: FitState) -> None:
        pass

    def on_batch_end(self, trainer: Trainer, state: FitState) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, state: FitState) -> None:
        pass

    def on_fit_end(self, trainer: Trainer, state: FitState) -> None:
        pass


class Trainer:
    """Train `model` with `optimizer`, one `step` per batch (`dive.train.steps`); evaluate `metrics` each epoch.

    The step says what a batch means: `SupervisedStep(loss_fn)` (the default when only `loss_fn` is given) calls
    `model(*inputs)` on a batch (*inputs, y) and counts `y.numel()`: examples for a classifier, tokens for a
    language model. `valid_name` prefixes the evaluation metrics in the history ("test" for the book's
    Fashion-MNIST runs, which validate on the test set). The epoch loss is sum(loss x count) / sum(count), and so
    is each named loss part a step returns (`train_<part>`, `<valid_name>_<part>` in the history).

    A `SequenceStep` runs a sequence model `(outputs, state)`. When the loader says `carries_state` (sequential
    partitioning), the step's state goes, detached, into the next batch's call `model(X, state)`: truncated
    backpropagation through time. It starts from None at each epoch (and after a mid-epoch resume).

    `precision="bf16"` runs forward and loss under `torch.autocast` (weights and optimizer stay fp32). What this
    machine can do decides what runs (`dive.core.precision`): on a CPU without oneDNN's bf16 kernels (AVX2 only)
    the run is fp32, and a layer type without a kernel for the dtype (the fp16 LSTM) runs in fp32 inside the
    autocast region; `trainer.plan` says which, and `fit` prints its note once;
    `compile=True` calls the model through `torch.compile(model)`, which shares its parameters, so checkpoints and
    `trainer.model` stay the plain module.

    `distributed=True` (in a process group, see `dive.train.distributed`) trains through `DistributedDataParallel`
    and sums the epoch's loss, counts and metrics over all processes, so every process reports the global figures;
    an optimizer that averages gradients itself (`syncs_gradients = True`, e.g. `scratch.AllReduceSGD`) gets the
    plain model instead.
    The loaders must already be sharded (each process gets its part of every batch); evaluation runs the plain
    model on each process's part of the validation batches.

    `split=N` (CPU, one process, not compiled) runs each training batch as N slices on N threads and sums their
    gradients (`dive.train.split`: the same gradient up to rounding, faster for a small model on a few cores);
    `trainer.split` says how many parts ran (1 where the batch ran whole). Evaluation runs whole batches.
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: Callable[[Tensor, Tensor], Tensor] | None,
        optimizer: torch.optim.Optimizer,
        *,
        max_epochs: int,
        step: Step | None = None,
        metrics: Sequence[Metric] = (),
        scheduler: Any = None,
        clip_grad_norm: float | None = None,
        device: torch.device | str = "cpu",
        callbacks: Sequence[Callback] = (),
        valid_name: str = "test",
        precision: str = "fp32",
        compile: bool = False,
        distributed: bool = False,
        split: int = 1,
    ) -> None:
        if precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        self.model = model
        self.device = torch.device(device)
        self.plan = precision_plan(precision, self.device)
        self.precision = self.plan.effective  # what runs: the request, or fp32 where this machine cannot
        self.compile = compile
        self.dist = world() if distributed else DistInfo()
        if distributed and not self.dist.active:
            raise ConfigError("distributed=True needs an initialised process group of 2 or more processes")
        self.forward: Callable[..., Any] = model  # what evaluation calls; `fit` builds it and the training one
        self.train_forward: Callable[..., Any] = model
        if step is None and loss_fn is None:
            raise ConfigError("Trainer needs a loss_fn or a step")
        self.step: Step = step if step is not None else SupervisedStep(loss_fn)
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.metrics = tuple(metrics)
        self.scheduler = scheduler
        self.clip_grad_norm = clip_grad_norm
        self.callbacks = list(callbacks)
        self.valid_name = valid_name
        if split < 1:
            raise ConfigError(f"split must be 1 or more, got {split}")
        # where a split cannot apply (a GPU, several processes, a compiled model, one core) the batch runs whole
        applies = self.device.type == "cpu" and not self.dist.active and not compile and torch.get_num_threads() > 1
        self.split = split if applies else 1
        self._splitter = BatchSplit(model, self.split) if self.split > 1 else None
        self.train_loader: Loader | None = None  # set by `fit`, for callbacks (e.g. Progress reads its len)
        self.valid_loader: Loader | None = None

    def _emit(self, event: str, state: FitState) -> None:
        """Run one event on every callback, in order."""
        for cb in self.callbacks:
            getattr(cb, event)(self, state)

    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = PRECISIONS[self.precision]
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def _fp32_layers(self) -> contextlib.AbstractContextManager:
        """Layers this machine cannot run in the autocast dtype run in fp32 (see `dive.core.precision`)."""
        return fp32_layers(self.model, self.plan.fp32_layers, self.device.type)

    def _to_device(self, batch: Sequence[Tensor]) -> list[Tensor]:
        return [t.to(self.device, non_blocking=True) for t in batch]

    def _build_forwards(self) -> None:
        """The callables for evaluation (model, maybe compiled) and training (the same, or through DDP)."""
        self.forward = torch.compile(self.model) if self.compile else self.model
        self.train_forward = self.forward
        if self.dist.active and not getattr(self.optimizer, "syncs_gradients", False):
            ids = [self.device] if self.device.type == "cuda" else None
            ddp = DistributedDataParallel(self.model, device_ids=ids)  # broadcasts rank 0's weights to all
            self.train_forward = torch.compile(ddp) if self.compile else ddp

    def _batches(self, loader: Loader, epoch: int, start: int) -> Iterator[Sequence[Tensor]]:
        return iter(loader.epoch(epoch, start))

    def fit(
        self, train_loader: Iterable, valid_loader: Iterable | None = None, state: FitState | None = None
    ) -> FitState:
        """Train until `max_epochs` (or a `StopTraining`); `state` continues a resumed run."""
        self.train_loader = as_loader(train_loader)
        self.valid_loader = as_loader(valid_loader) if valid_loader is not None else None
        state = state or FitState()
        self.model.to(self.device)
        if self.device.type == "cpu":
            keep_freed_memory()  # freed activations reused, not page-faulted back in every step (dive.core.memory)
        self._build_forwards()
        if self.dist.is_main:
            announce(self.plan)
        self._emit("on_fit_start", state)
        try:
            with self._fp32_layers():
                while state.epoch < self.max_epochs:
                    self._train_epoch(state)
                    self._end_epoch(state)
        except StopTraining:
            pass
        self._emit("on_fit_end", state)
        return state

    def _train_epoch(self, state: FitState) -> None:
        self.model.train()
        # a resumed epoch's sums so far are global (one process saved them): only rank 0 carries them on
        restored = state.sums if self.dist.is_main else {}
        sums = {k: torch.as_tensor(v, dtype=torch.float64, device=self.device) for k, v in restored.items()}
        for key in ("loss", "count", *(m.name for m in self.metrics)):
            sums.setdefault(key, torch.zeros((), dtype=torch.float64, device=self.device))
        state.sums = sums  # live tensors during the epoch; a checkpoint turns them into floats
        t_last = time.perf_counter()
        carry = self.train_loader.carries_state
        if carry and self._splitter is not None:
            raise ConfigError("a state carried between batches cannot be split across threads: use --split=1")
        hidden = None  # a sequence model's state carried between batches
        batches = iter(self._batches(self.train_loader, state.epoch, state.batch))
        upcoming = next(batches, None)
        with self._splitter.threads() if self._splitter is not None else contextlib.nullcontext():
            while upcoming is not None:
                batch = self._to_device(upcoming)
                self.optimizer.zero_grad(set_to_none=True)
                if self._splitter is not None:
                    running = self._splitter.start(self.step, self.train_forward, batch, self._autocast)
                    upcoming = next(batches, None)  # gathered while the parts run (loaders are positional)
                    outs = self._splitter.finish(running)
                    loss = merged_loss(outs)
                else:
                    with self._autocast():
                        out = self.step(self.train_forward, batch, hidden)
                    if out.loss.requires_grad:  # a step may set the gradients itself (dive.train.embedding)
                        out.loss.backward()
                    outs, loss, hidden = [out], out.loss.detach(), out.state if carry else None
                    upcoming = _LATER  # gathered after this step's callbacks, as ever
                if self.clip_grad_norm is not None:
                    nn.utils.clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
                self.optimizer.step()
                with torch.no_grad():
                    for out in outs:
                        self._accumulate(sums, out, detach=True)
                state.batch += 1
                state.step += 1
                state.last_loss = loss
                if self.callbacks:  # callback time is not training time: keep it out of the throughput
                    state.train_seconds += time.perf_counter() - t_last
                    self._emit("on_batch_end", state)
                    t_last = time.perf_counter()
                if upcoming is _LATER:
                    upcoming = next(batches, None)
            synchronize(self.device)
            state.train_seconds += time.perf_counter() - t_last

    def _accumulate(self, sums: dict[str, Tensor], out: StepOut, detach: bool = False) -> None:
        """Add one step's loss x count, count, metric sums and loss parts to the running sums (on the device)."""
        loss = out.loss.detach() if detach else out.loss
        sums["loss"] += loss.double() * out.count
        sums["count"] += out.count
        outputs = out.outputs.detach() if detach and isinstance(out.outputs, Tensor) else out.outputs
        for m in self.metrics:
            sums[m.name] += m.fn(outputs, out.targets).double()
        for name, value in out.parts.items():
            mean, count = part_mean_count(value, out.count)
            for key, v in ((f"part.{name}", mean.detach().double() * count), (f"part.{name}.count", count)):
                if key not in sums:
                    sums[key] = torch.zeros((), dtype=torch.float64, device=self.device)
                sums[key] += v

    def _finish(self, sums: dict[str, float], prefix: str) -> dict[str, float]:
        """Epoch means from summed values: loss, metrics, and each loss part over its own count."""
        count = int(sums["count"])
        metrics = {f"{prefix}loss": sums["loss"] / max(count, 1)}
        for m in self.metrics:
            metrics[f"{prefix}{m.name}"] = m.finalize(sums[m.name], count)
        for key in sorted(k for k in sums if k.startswith("part.") and not k.endswith(".count")):
            metrics[f"{prefix}{key[len('part.') :]}"] = sums[key] / max(sums[f"{key}.count"], 1e-12)
        return metrics

    def _end_epoch(self, state: FitState) -> None:
        sums = _floats(all_reduce_sums(state.sums) if self.dist.active else state.sums)
        count = int(sums["count"])
        metrics = self._finish(sums, "train_")
        if self.valid_loader is not None:
            for key, value in self.evaluate(self.valid_loader).items():
                metrics[f"{self.valid_name}_{key}"] = value
        state.total_train_seconds += state.train_seconds
        state.total_examples += count
        metrics["examples_per_sec"] = count / state.train_seconds if state.train_seconds > 0 else float("nan")
        metrics["epoch_seconds"] = state.train_seconds
        if self.scheduler is not None:
            self.scheduler.step()
        state.metrics = metrics
        state.epoch += 1
        state.batch = 0
        state.sums = {}
        state.train_seconds = 0.0
        self._emit("on_epoch_end", state)

    def evaluate(self, loader: Iterable) -> dict[str, float]:
        """Mean loss and metrics over `loader`, in eval mode: {"loss": ..., "acc": ...}."""
        with self._fp32_layers():
            return self._evaluate(loader)

    @torch.inference_mode()
    def _evaluate(self, loader: Iterable) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        sums = {k: torch.zeros((), dtype=torch.float64, device=self.device) for k in ("loss", "count")}
        sums.update({m.name: torch.zeros((), dtype=torch.float64, device=self.device) for m in self.metrics})
        loader = as_loader(loader)
        carry, hidden = loader.carries_state, None
        for batch in self._batches(loader, 0, 0):
            with self._autocast():
                out = self.step(self.forward, self._to_device(batch), hidden)
            self._accumulate(sums, out)
            hidden = out.state if carry else None
        self.model.train(was_training)
        if self.dist.active:  # every process must join the same all-reduce, parts included
            sums = all_reduce_sums(sums)
        return self._finish(_floats(sums), "")


def _floats(sums: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in sums.items()}
