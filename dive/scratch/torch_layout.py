"""How torch packs a recurrent layer's weights, and copying them into the scratch cells (for parity tests).

torch stores, per layer k and direction (suffix `_reverse` for backwards), `weight_ih_lk` (gates * H, D),
`weight_hh_lk` (gates * H, H) and two biases `bias_ih_lk`, `bias_hh_lk`, with the gates stacked in this order:
RNN: one block; GRU: reset r, update z, candidate n; LSTM: input i, forget f, candidate g (the book's C~),
output o. The scratch cells compute X @ W with W (D, H), so each block is transposed, and the two biases add up
(except the GRU candidate's hidden bias, which sits inside the reset gate: `GRUScratch(reset_after=True)`).
"""

from __future__ import annotations

import torch
from torch import nn

from dive.scratch.gated import GRUScratch, LSTMScratch
from dive.scratch.rnn import Recurrent, RNNScratch

GATE_NAMES = {
    RNNScratch: [("W_xh", "W_hh", "b_h")],
    GRUScratch: [("W_xr", "W_hr", "b_r"), ("W_xz", "W_hz", "b_z"), ("W_xh", "W_hh", "b_h")],
    LSTMScratch: [("W_xi", "W_hi", "b_i"), ("W_xf", "W_hf", "b_f"), ("W_xc", "W_hc", "b_c"), ("W_xo", "W_ho", "b_o")],
}


@torch.no_grad()
def copy_from_torch(scratch: Recurrent, torch_rnn: nn.RNNBase) -> Recurrent:
    """Load `torch_rnn`'s (nn.RNN, nn.GRU or nn.LSTM) weights into a scratch `Recurrent` of the same shape."""
    dirs = 2 if torch_rnn.bidirectional else 1
    if (torch_rnn.num_layers, dirs, torch_rnn.hidden_size) != (
        scratch.num_layers,
        scratch.num_directions,
        scratch.num_hiddens,
    ):
        raise ValueError("the scratch and torch networks differ in layers, directions or hidden size")
    for i, cell in enumerate(scratch.cells):
        layer, d = divmod(i, dirs)
        sfx = f"l{layer}" + ("_reverse" if d else "")
        w_ih, w_hh = getattr(torch_rnn, f"weight_ih_{sfx}"), getattr(torch_rnn, f"weight_hh_{sfx}")
        b_ih, b_hh = getattr(torch_rnn, f"bias_ih_{sfx}"), getattr(torch_rnn, f"bias_hh_{sfx}")
        H = cell.num_hiddens
        for g, (wx, wh, b) in enumerate(GATE_NAMES[type(cell)]):
            rows = slice(g * H, (g + 1) * H)
            getattr(cell, wx).copy_(w_ih[rows].T)
            getattr(cell, wh).copy_(w_hh[rows].T)
            if isinstance(cell, GRUScratch) and wx == "W_xh":
                if not cell.reset_after:
                    raise ValueError("nn.GRU resets after the matmul: build the cells with reset_after=True")
                getattr(cell, b).copy_(b_ih[rows])
                cell.b_hn.copy_(b_hh[rows])
            else:
                getattr(cell, b).copy_(b_ih[rows] + b_hh[rows])
    return scratch
