"""Scratch RNN/GRU/LSTM (book §9.5, 10.1-10.4) against nn.RNN/GRU/LSTM with copied weights, in float64:
outputs, final states and the gradients of every weight."""

import pytest
import torch
from torch import nn

from dive.models import RNNLM
from dive.scratch import (
    BiRNNScratch,
    GRUScratch,
    LSTMScratch,
    Recurrent,
    RNNLMScratch,
    RNNScratch,
    StackedRNNScratch,
    copy_from_torch,
    grad_clipping,
    one_hot,
)

CELLS = {"rnn": (RNNScratch, nn.RNN), "gru": (GRUScratch, nn.GRU), "lstm": (LSTMScratch, nn.LSTM)}
T, B, D, H = 5, 3, 4, 6


def _scratch_cell(kind):
    cls = CELLS[kind][0]
    return (lambda d, h: cls(d, h, reset_after=True)) if kind == "gru" else cls


def _pair(kind, num_layers, bidirectional):
    torch.manual_seed(0)
    ref = CELLS[kind][1](D, H, num_layers, bidirectional=bidirectional).double()
    mine = copy_from_torch(Recurrent(_scratch_cell(kind), D, H, num_layers, bidirectional).double(), ref)
    return mine, ref


def _state(kind, num_layers, dirs):
    s = torch.randn(num_layers * dirs, B, H, dtype=torch.float64)
    return (s, torch.randn_like(s)) if kind == "lstm" else s


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_scratch_equals_torch_values_states_and_grads(kind, num_layers, bidirectional, with_state):
    mine, ref = _pair(kind, num_layers, bidirectional)
    X = torch.randn(T, B, D, dtype=torch.float64)
    state = _state(kind, num_layers, 2 if bidirectional else 1) if with_state else None
    out_m, st_m = mine(X, state)
    out_r, st_r = ref(X, state)
    torch.testing.assert_close(out_m, out_r)
    for a, b in zip(st_m if kind == "lstm" else [st_m], st_r if kind == "lstm" else [st_r]):
        torch.testing.assert_close(a, b)
    (out_m.sin().sum() + sum(s.sum() for s in (st_m if kind == "lstm" else [st_m]))).backward()
    (out_r.sin().sum() + sum(s.sum() for s in (st_r if kind == "lstm" else [st_r]))).backward()
    # compare one weight per gate block: the scratch W_x* is the transposed row-block of weight_ih_l0
    first = mine.cells[0]
    names = (
        ["W_xh"] if kind == "rnn" else (["W_xr", "W_xz", "W_xh"] if kind == "gru" else ["W_xi", "W_xf", "W_xc", "W_xo"])
    )
    for g, name in enumerate(names):
        torch.testing.assert_close(getattr(first, name).grad, ref.weight_ih_l0.grad[g * H : (g + 1) * H].T)
    hh = (
        ["W_hh"] if kind == "rnn" else (["W_hr", "W_hz", "W_hh"] if kind == "gru" else ["W_hi", "W_hf", "W_hc", "W_ho"])
    )
    last = mine.cells[-1]
    sfx = f"l{num_layers - 1}" + ("_reverse" if bidirectional else "")
    for g, name in enumerate(hh):
        torch.testing.assert_close(
            getattr(last, name).grad, getattr(ref, f"weight_hh_{sfx}").grad[g * H : (g + 1) * H].T
        )


def test_book_gru_resets_before_the_matmul_and_differs_from_torch():
    torch.manual_seed(0)
    ref = nn.GRU(D, H).double()
    book = Recurrent(GRUScratch, D, H).double()
    with pytest.raises(ValueError, match="reset_after"):
        copy_from_torch(book, ref)
    torch_like = copy_from_torch(Recurrent(lambda d, h: GRUScratch(d, h, reset_after=True), D, H).double(), ref)
    with torch.no_grad():  # same weights, book formula: (R * H) W_hh instead of R * (H W_hh + b_hn)
        for name, p in torch_like.cells[0].named_parameters():
            if name != "b_hn":
                getattr(book.cells[0], name).copy_(p)
    X, H0 = torch.randn(T, B, D, dtype=torch.float64), torch.randn(1, B, H, dtype=torch.float64)
    assert not torch.allclose(book(X, H0)[0], torch_like(X, H0)[0])


def test_book_builders_and_one_hot():
    assert StackedRNNScratch(D, H, 3).num_layers == 3 and len(StackedRNNScratch(D, H, 3).cells) == 3
    bi = BiRNNScratch(D, H, cell=LSTMScratch)
    out, (h, c) = bi(torch.randn(T, B, D))
    assert out.shape == (T, B, 2 * H) and h.shape == c.shape == (2, B, H)
    X = torch.tensor([[0, 2], [1, 1]])
    oh = one_hot(X, 3)
    assert oh.shape == (2, 2, 3) and oh[1, 0].tolist() == [0, 0, 1]  # time first: step 1 of sequence 0 is token 2
    with pytest.raises(ValueError):
        Recurrent(RNNScratch, D, H, num_layers=0)


def test_grad_clipping_matches_torch_and_keeps_the_direction():
    torch.manual_seed(0)
    a, b = nn.Parameter(torch.randn(3, 4)), nn.Parameter(torch.randn(5))
    a2, b2 = nn.Parameter(a.detach().clone()), nn.Parameter(b.detach().clone())
    for p in (a, b, a2, b2):
        p.grad = torch.ones_like(p) * 3.0
    norm = grad_clipping([a, b], theta=1.0)
    ref_norm = nn.utils.clip_grad_norm_([a2, b2], 1.0)
    torch.testing.assert_close(norm, ref_norm)
    torch.testing.assert_close(a.grad, a2.grad, rtol=1e-5, atol=1e-6)
    total = torch.sqrt(a.grad.pow(2).sum() + b.grad.pow(2).sum())
    assert total == pytest.approx(1.0, rel=1e-5) and torch.allclose(a.grad, a.grad[0, 0].expand(3, 4))
    small = nn.Parameter(torch.zeros(2))
    small.grad = torch.tensor([0.3, 0.4])
    grad_clipping([small], theta=1.0)
    assert small.grad.tolist() == pytest.approx([0.3, 0.4])  # under the threshold: untouched


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_scratch_language_model_equals_concise(kind, f64):
    torch.manual_seed(0)
    concise = RNNLM(vocab_size=7, num_hiddens=H, cell=kind, num_layers=2)
    scratch = RNNLMScratch(Recurrent(_scratch_cell(kind), 7, H, num_layers=2), vocab_size=7)
    copy_from_torch(scratch.rnn, concise.rnn)
    with torch.no_grad():
        scratch.W_hq.copy_(concise.output.weight.T)
        scratch.b_q.copy_(concise.output.bias)
    X = torch.randint(0, 7, (B, T))
    (ym, sm), (yr, sr) = scratch(X), concise(X)
    assert ym.shape == (B, T, 7)
    torch.testing.assert_close(ym, yr)
    y2m, _ = scratch(X, sm)  # continuing from the returned state also agrees
    y2r, _ = concise(X, sr)
    torch.testing.assert_close(y2m, y2r)
