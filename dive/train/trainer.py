"""The one training loop (book §3.2.4, `d2l.Trainer`), for every model in dive.

    for each epoch:
        for each batch:  forward -> loss -> backward; every `accumulate` batches: (clip) -> step  [on_batch_end]
        evaluate under torch.inference_mode                                                       [on_epoch_end]

The loop knows nothing about any model, and no execution strategy: precision, compilation, the batch split, data
parallelism and the allocator are plugins it calls at fixed points (`dive.train.plugins`). Callbacks
(`dive.train.callbacks`) hook four events: fit start, batch end, epoch end, fit end; they stop training by raising
`StopTraining`. Everything needed to continue exactly where a run stopped lives in `FitState` (position, running
sums, the plugins' state), which checkpoints save next to the weights and RNG states.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import ConfigError, Loader, as_loader, synchronize
from dive.core.precision import announce
from dive.train.distributed import DistInfo, world
from dive.train.metrics import Metric
from dive.train.plugins import Plugin, WholeBatch
from dive.train.plugins.defaults import split_parts, strategies
from dive.train.plugins.precision import PrecisionPlugin
from dive.train.steps import Step, StepOut, SupervisedStep, part_mean_count


class StopTraining(Exception):
    """Raised by a callback to end `fit` early (e.g. early stopping); `fit` returns normally."""


@dataclass
class FitState:
    """Where a run is and what it has measured so far; saved in checkpoints to resume exactly."""

    epoch: int = 0  # epochs completed
    batch: int = 0  # batches completed in the current epoch
    step: int = 0  # optimizer steps in total
    accumulated: int = 0  # batches whose gradients wait for the next optimizer step (0 at a step's boundary)
    sums: dict[str, Any] = field(default_factory=dict)  # running sums of this epoch: "loss", "count", metric names
    train_seconds: float = 0.0  # training-step time of the current epoch
    total_train_seconds: float = 0.0
    total_examples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # the last finished epoch's metrics
    last_loss: Tensor | None = None  # the last batch's loss (detached), for callbacks
    plugins: dict[str, Any] = field(default_factory=dict)  # the plugins' state at the last checkpoint (fp16's scaler)

    def stepped_every(self, k: int) -> bool:
        """Whether the batch just ended completed the optimizer step numbered a multiple of `k` (k = 0: never),
        once: under gradient accumulation the step's earlier batches do not count."""
        return bool(k) and self.accumulated == 0 and self.step % k == 0

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

    `accumulate=N` sums the gradients of N batches (each loss weighted 1/N) before each optimizer step: for a
    model without BatchNorm, one step on N batches of b equals one step on a batch of N x b (tested). An epoch's
    last step takes what is left. `FitState.step` counts optimizer steps; checkpoints are taken between steps.

    Execution strategies are plugins (`dive.train.plugins`), built from these arguments or passed in `plugins`:
    `precision` ("fp32", "bf16", "fp16": autocast for forward and loss, and for fp16 a gradient scaler whose
    state the checkpoint keeps; what this machine can do decides what runs, `trainer.plan` says which);
    `compile=True` (the model called through `torch.compile`; checkpoints and `trainer.model` stay the plain
    module); `distributed=True` (in a process group: `DistributedDataParallel`, and the epoch's sums added over
    all processes; the loaders must already be sharded; an optimizer that averages gradients itself,
    `syncs_gradients = True`, gets the plain model); `split=N` (CPU, one process, not compiled: each training
    batch as N slices on N threads, `dive.train.split`; `trainer.split` says how many parts ran).
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
        accumulate: int = 1,
        plugins: Sequence[Plugin] = (),
    ) -> None:
        if step is None and loss_fn is None:
            raise ConfigError("Trainer needs a loss_fn or a step")
        for name, value in (("split", split), ("accumulate", accumulate)):
            if value < 1:
                raise ConfigError(f"{name} must be 1 or more, got {value}")
        self.model = model
        self.device = torch.device(device)
        self.amp = PrecisionPlugin(precision, self.device, model)
        self.plan = self.amp.plan
        self.precision = self.plan.effective  # what runs: the request, or fp32 where this machine cannot
        self.compile = compile
        self.dist = world() if distributed else DistInfo()
        if distributed and not self.dist.active:
            raise ConfigError("distributed=True needs an initialised process group of 2 or more processes")
        self.step: Step = step if step is not None else SupervisedStep(loss_fn)
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.metrics = tuple(metrics)
        self.scheduler = scheduler
        self.clip_grad_norm = clip_grad_norm
        self.callbacks = list(callbacks)
        self.valid_name = valid_name
        self.accumulate = accumulate
        self.split = split_parts(split, self.device, self.dist, compile)
        chosen = strategies(model, optimizer, self.device, self.dist, compile, self.split)
        self.plugins: list[Plugin] = [self.amp, *chosen, *plugins]
        self.runner = next((p for p in self.plugins if p.runs_steps), WholeBatch())  # the split's, if any
        self.forward: Callable[..., Any] = model  # what evaluation calls; `fit` builds it and the training one
        self.train_forward: Callable[..., Any] = model
        self.train_loader: Loader | None = None  # set by `fit`, for callbacks (e.g. Progress reads its len)
        self.valid_loader: Loader | None = None

    def _emit(self, event: str, state: FitState) -> None:
        """Run one event on every callback, in order."""
        for cb in self.callbacks:
            getattr(cb, event)(self, state)

    def _contexts(self, kind: str) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        for p in self.plugins:
            stack.enter_context(getattr(p, kind)())
        return stack

    def _reduce(self, sums: dict[str, Any]) -> dict[str, Any]:
        for p in self.plugins:
            sums = p.reduce(sums)
        return sums

    def contexts(self) -> contextlib.ExitStack:
        """The plugins' fit and epoch contexts together, for code that runs `train_step` outside `fit`."""
        stack = self._contexts("fit_context")
        stack.enter_context(self._contexts("epoch_context"))
        return stack

    def train_step(self, batch: Sequence[Tensor]) -> float:
        """One optimizer step on `batch` outside the epoch loop (the learning-rate finder): its loss."""
        self.optimizer.zero_grad(set_to_none=True)
        _, loss, _ = self.runner.run(self, self._to_device(batch), None, 1.0)
        self._apply_gradients()
        return float(loss)

    def _apply_gradients(self) -> None:
        """The accumulated gradients, unscaled, clipped, into one optimizer step (the precision plugin's)."""
        self.amp.unscale(self.optimizer)
        if self.clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
        self.amp.step(self.optimizer)

    def plugin_state(self) -> dict[str, Any]:
        """What each plugin needs to resume exactly (for checkpoints), by plugin name; empty ones left out."""
        return {p.name: sd for p in self.plugins if (sd := p.state_dict())}

    def _to_device(self, batch: Sequence[Tensor]) -> list[Tensor]:
        return [t.to(self.device, non_blocking=True) for t in batch]

    def _build_forwards(self) -> None:
        """The callables for evaluation and training: the model through each plugin's wrapper, in order."""
        self.forward = self.train_forward = self.model
        for p in self.plugins:
            self.forward = p.wrap_forward(self.forward, training=False)
            self.train_forward = p.wrap_forward(self.train_forward, training=True)

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
        for p in self.plugins:
            p.setup(self)
            p.load_state_dict(state.plugins.get(p.name, {}))
        self._build_forwards()
        if self.dist.is_main:
            announce(self.plan)
        self._emit("on_fit_start", state)
        try:
            with self._contexts("fit_context"):
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
        carry, n_batches = self.train_loader.carries_state, len(self.train_loader)
        hidden = None  # a sequence model's state carried between batches
        with self._contexts("epoch_context"):
            for batch in self._batches(self.train_loader, state.epoch, state.batch):
                if state.accumulated == 0:
                    self.optimizer.zero_grad(set_to_none=True)
                # the last window of an epoch may be short: its batches weigh 1 / its length
                window = min(self.accumulate, n_batches - state.batch + state.accumulated)
                outs, loss, hidden = self.runner.run(self, self._to_device(batch), hidden, 1.0 / max(window, 1))
                hidden = hidden if carry else None
                state.batch += 1
                state.accumulated += 1
                if state.accumulated >= window:
                    self._apply_gradients()
                    state.step += 1
                    state.accumulated = 0
                with torch.no_grad():
                    for out in outs:
                        self._accumulate(sums, out, detach=True)
                state.last_loss = loss
                if self.callbacks:  # callback time is not training time: keep it out of the throughput
                    state.train_seconds += time.perf_counter() - t_last
                    self._emit("on_batch_end", state)
                    t_last = time.perf_counter()
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
        sums = _floats(self._reduce(state.sums))
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
        with self._contexts("fit_context"):
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
            with self.amp.autocast():
                out = self.step(self.forward, self._to_device(batch), hidden)
            self._accumulate(sums, out)
            hidden = out.state if carry else None
        self.model.train(was_training)
        sums = self._reduce(sums)  # across processes: every one joins the same all-reduce, parts included
        return self._finish(_floats(sums), "")


def _floats(sums: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in sums.items()}
