"""Recurrent neural networks from scratch (book §9.5, 10.3, 10.4): the RNN cell, stacked and bidirectional RNNs.

    H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h)                                  (one layer, one direction)

Shapes follow `torch.nn.RNN` (time first): inputs (T, B, D) -> outputs (T, B, H * dirs), and a state of shape
(num_layers * dirs, B, H) (an LSTM's is a pair (H, C)), so `tests/scratch/test_rnn.py` compares each network
with torch's after copying weights (`dive.scratch.torch_layout`). The gated cells are in `gated.py`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

State = Any  # Tensor (B, H), or (H, C) for an LSTM


def one_hot(X: Tensor, vocab_size: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """Token ids (B, T) -> one-hot vectors (T, B, vocab_size), time first as the recurrence wants (book §9.5.2)."""
    return torch.nn.functional.one_hot(X.T.long(), vocab_size).to(dtype)


def _param(*shape: int, sigma: float) -> nn.Parameter:
    return nn.Parameter(torch.randn(*shape) * sigma)


class RecurrentCell(nn.Module):
    """One layer in one direction: `step` maps (X_t (B, D), state) -> state; `forward` loops over time."""

    num_hiddens: int

    def init_state(self, batch_size: int, like: Tensor) -> State:
        return torch.zeros(batch_size, self.num_hiddens, dtype=like.dtype, device=like.device)

    def hidden(self, state: State) -> Tensor:
        """The part of the state that is the layer's output (H; an LSTM also carries C)."""
        return state

    def step(self, X: Tensor, state: State) -> State:
        raise NotImplementedError

    def forward(self, inputs: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """inputs (T, B, D) -> (outputs (T, B, H), last state)."""
        if state is None:
            state = self.init_state(inputs.shape[1], inputs)
        outputs = []
        for X in inputs:  # the Python loop over time steps is the lesson; torch's kernels fuse it
            state = self.step(X, state)
            outputs.append(self.hidden(state))
        return torch.stack(outputs), state


class RNNScratch(RecurrentCell):
    """The vanilla RNN cell: H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h). W_xh (D, H), W_hh (H, H), b_h (H,)."""

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.W_xh = _param(num_inputs, num_hiddens, sigma=sigma)
        self.W_hh = _param(num_hiddens, num_hiddens, sigma=sigma)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))

    def step(self, X: Tensor, H: Tensor) -> Tensor:
        return torch.tanh(X @ self.W_xh + H @ self.W_hh + self.b_h)


class Recurrent(nn.Module):
    """Layers x directions of one cell type, wired as `torch.nn.RNN` wires them.

    Layer l reads layer l-1's outputs (both directions concatenated); the backward cell reads the sequence
    reversed and its outputs are flipped back, so output t holds [forward H_t, backward H_t] (book §10.4.2).
    `make_cell(num_inputs, num_hiddens)` builds one cell (e.g. `RNNScratch`, `GRUScratch`, `LSTMScratch`).
    """

    def __init__(
        self, make_cell: Any, num_inputs: int, num_hiddens: int, num_layers: int = 1, bidirectional: bool = False
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        self.num_hiddens, self.num_layers = num_hiddens, num_layers
        self.num_directions = 2 if bidirectional else 1
        self.cells = nn.ModuleList()
        for layer in range(num_layers):
            width = num_inputs if layer == 0 else num_hiddens * self.num_directions
            for _ in range(self.num_directions):
                self.cells.append(make_cell(width, num_hiddens))

    def _split(self, state: State | None, i: int) -> State | None:
        if state is None:
            return None
        if isinstance(state, tuple):
            return tuple(s[i] for s in state)
        return state[i]

    def forward(self, inputs: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """inputs (T, B, D) -> (outputs (T, B, H * dirs), state (layers * dirs, B, H) or a pair of those)."""
        finals = []
        X = inputs
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                i = layer * self.num_directions + d
                cell = self.cells[i]
                seq = X if d == 0 else X.flip(0)
                out, last = cell(seq, self._split(state, i))
                outs.append(out if d == 0 else out.flip(0))
                finals.append(last)
            X = torch.cat(outs, dim=-1) if self.num_directions == 2 else outs[0]
        if isinstance(finals[0], tuple):
            return X, tuple(torch.stack(parts) for parts in zip(*finals, strict=True))
        return X, torch.stack(finals)


def StackedRNNScratch(num_inputs: int, num_hiddens: int, num_layers: int, cell: Any = RNNScratch) -> Recurrent:
    """Deep RNN (book §10.3): `num_layers` cells, each reading the one below."""
    return Recurrent(cell, num_inputs, num_hiddens, num_layers)


def BiRNNScratch(num_inputs: int, num_hiddens: int, cell: Any = RNNScratch) -> Recurrent:
    """Bidirectional RNN (book §10.4): one cell reads forwards, one backwards; outputs are concatenated."""
    return Recurrent(cell, num_inputs, num_hiddens, bidirectional=True)


def grad_clipping(params: Any, theta: float) -> Tensor:
    """Scale all gradients by min(1, theta / ||g||), ||g|| the global norm over every parameter (book §9.5.3).

    Keeps one exploding step from throwing the weights far away; the direction of the gradient is unchanged.
    Returns the norm before clipping.
    """
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.sqrt(sum((g**2).sum() for g in grads)) if grads else torch.zeros(())
    if norm > theta:
        for g in grads:
            g.mul_(theta / norm)
    return norm
