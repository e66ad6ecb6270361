"""Gated recurrent cells from scratch: the GRU (book §10.2) and the LSTM (book §10.1).

GRU (the book, after Cho et al. 2014):
    R_t = sigma(X_t W_xr + H_{t-1} W_hr + b_r)          reset gate
    Z_t = sigma(X_t W_xz + H_{t-1} W_hz + b_z)          update gate
    H~_t = tanh(X_t W_xh + (R_t * H_{t-1}) W_hh + b_h)  candidate
    H_t = Z_t * H_{t-1} + (1 - Z_t) * H~_t
`reset_after=True` gives the variant torch and cuDNN compute, which resets *after* the matmul and has a second
bias inside: H~_t = tanh(X_t W_xh + b_h + R_t * (H_{t-1} W_hh + b_hn)). Only that one equals `nn.GRU`.

LSTM: input, forget and output gates I, F, O = sigma(X W_x* + H W_h* + b_*); candidate C~ = tanh(X W_xc + H W_hc
+ b_c); memory C_t = F * C_{t-1} + I * C~; H_t = O * tanh(C_t). The state is the pair (H, C).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.scratch.rnn import RecurrentCell, _param


def _triple(num_inputs: int, num_hiddens: int, sigma: float) -> tuple[nn.Parameter, nn.Parameter, nn.Parameter]:
    """(W_x (D, H), W_h (H, H), b (H,)) for one gate."""
    return (
        _param(num_inputs, num_hiddens, sigma=sigma),
        _param(num_hiddens, num_hiddens, sigma=sigma),
        nn.Parameter(torch.zeros(num_hiddens)),
    )


class GRUScratch(RecurrentCell):
    """GRU cell, parameters named as in the book (W_xz, W_hz, b_z, W_xr, ..., W_hh, b_h)."""

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01, reset_after: bool = False) -> None:
        super().__init__()
        self.num_inputs, self.num_hiddens, self.reset_after = num_inputs, num_hiddens, reset_after
        self.W_xz, self.W_hz, self.b_z = _triple(num_inputs, num_hiddens, sigma)
        self.W_xr, self.W_hr, self.b_r = _triple(num_inputs, num_hiddens, sigma)
        self.W_xh, self.W_hh, self.b_h = _triple(num_inputs, num_hiddens, sigma)
        if reset_after:
            self.b_hn = nn.Parameter(torch.zeros(num_hiddens))

    def step(self, X: Tensor, H: Tensor) -> Tensor:
        Z = torch.sigmoid(X @ self.W_xz + H @ self.W_hz + self.b_z)
        R = torch.sigmoid(X @ self.W_xr + H @ self.W_hr + self.b_r)
        if self.reset_after:
            H_tilde = torch.tanh(X @ self.W_xh + self.b_h + R * (H @ self.W_hh + self.b_hn))
        else:
            H_tilde = torch.tanh(X @ self.W_xh + (R * H) @ self.W_hh + self.b_h)
        return Z * H + (1 - Z) * H_tilde


class LSTMScratch(RecurrentCell):
    """LSTM cell; state (H, C), each (B, H). Parameters W_xi, W_hi, b_i, W_xf, ..., W_xc, W_hc, b_c."""

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.num_inputs, self.num_hiddens = num_inputs, num_hiddens
        self.W_xi, self.W_hi, self.b_i = _triple(num_inputs, num_hiddens, sigma)
        self.W_xf, self.W_hf, self.b_f = _triple(num_inputs, num_hiddens, sigma)
        self.W_xo, self.W_ho, self.b_o = _triple(num_inputs, num_hiddens, sigma)
        self.W_xc, self.W_hc, self.b_c = _triple(num_inputs, num_hiddens, sigma)

    def init_state(self, batch_size: int, like: Tensor) -> tuple[Tensor, Tensor]:
        zeros = torch.zeros(batch_size, self.num_hiddens, dtype=like.dtype, device=like.device)
        return zeros, zeros.clone()

    def hidden(self, state: tuple[Tensor, Tensor]) -> Tensor:
        return state[0]

    def step(self, X: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        H, C = state
        I = torch.sigmoid(X @ self.W_xi + H @ self.W_hi + self.b_i)  # noqa: E741 - the book's name
        F = torch.sigmoid(X @ self.W_xf + H @ self.W_hf + self.b_f)
        O = torch.sigmoid(X @ self.W_xo + H @ self.W_ho + self.b_o)  # noqa: E741
        C_tilde = torch.tanh(X @ self.W_xc + H @ self.W_hc + self.b_c)
        C = F * C + I * C_tilde
        return O * torch.tanh(C), C
