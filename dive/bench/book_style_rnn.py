"""The book's character-level LSTM training loop (zh 2.0 §8.5 and §9.2, `train_epoch_ch8`), re-implemented as the
baseline of `dive bench lstm`. Not a copy: the same computation in the same style.

Per batch: slice the corpus (sequential partitioning, the book's generator), detach the carried state, one-hot
the inputs (`F.one_hot(X.T)`), run the LSTM as a Python loop over time steps computing the output layer at every
step, mean cross-entropy, backward, clip the gradient with a Python sum over parameters (`norm > theta` syncs the
host), a hand-written SGD step, and a `float(loss)` per batch for the running perplexity.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor


def book_seq_iter(corpus: Tensor, batch_size: int, num_steps: int, offset: int) -> Iterator[tuple[Tensor, Tensor]]:
    """The book's `seq_data_iter_sequential`, with the offset given (the book draws it from `random`)."""
    num_tokens = ((corpus.numel() - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset : offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    for i in range(0, Xs.shape[1] // num_steps * num_steps, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


def book_lstm_params(vocab_size: int, num_hiddens: int, seed: int = 0) -> list[Tensor]:
    """W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q: randn * 0.01 and zeros."""
    g = torch.Generator().manual_seed(seed)

    def normal(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=g) * 0.01

    params = []
    for _ in range(4):
        params += [normal(vocab_size, num_hiddens), normal(num_hiddens, num_hiddens), torch.zeros(num_hiddens)]
    params += [normal(num_hiddens, vocab_size), torch.zeros(vocab_size)]
    for p in params:
        p.requires_grad_(True)
    return params


def book_lstm(inputs: Tensor, state: tuple[Tensor, Tensor], params: list[Tensor]) -> tuple[Tensor, tuple]:
    """inputs (T, B, V) one-hot -> (outputs (T * B, V), (H, C)), the output layer applied inside the loop."""
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q = params
    H, C = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid(X @ W_xi + H @ W_hi + b_i)  # noqa: E741
        Fg = torch.sigmoid(X @ W_xf + H @ W_hf + b_f)
        O = torch.sigmoid(X @ W_xo + H @ W_ho + b_o)  # noqa: E741
        C_tilda = torch.tanh(X @ W_xc + H @ W_hc + b_c)
        C = Fg * C + I * C_tilda
        H = O * torch.tanh(C)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H, C)


def book_grad_clipping(params: list[Tensor], theta: float) -> None:
    norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
    if norm > theta:
        for p in params:
            p.grad[:] *= theta / norm


def book_train_epoch(
    params: list[Tensor], corpus: Tensor, vocab_size: int, batch_size: int, num_steps: int, lr: float
) -> tuple[float, int]:
    """One epoch of the book's loop; returns (perplexity, tokens)."""
    num_hiddens = params[1].shape[0]
    state = None
    total, count = 0.0, 0
    for X, Y in book_seq_iter(corpus, batch_size, num_steps, offset=0):
        if state is None:
            state = (torch.zeros(batch_size, num_hiddens), torch.zeros(batch_size, num_hiddens))
        else:
            state = tuple(s.detach() for s in state)
        y = Y.T.reshape(-1)
        y_hat, state = book_lstm(F.one_hot(X.T, vocab_size).float(), state, params)
        loss = F.cross_entropy(y_hat, y).mean()
        for p in params:
            p.grad = None
        loss.backward()
        book_grad_clipping(params, 1.0)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad  # the book's sgd with batch_size=1: the loss is already a mean
        total += loss.item() * y.numel()  # the per-batch host sync the book does
        count += y.numel()
    return math.exp(total / count), count
