"""Attention blocks (book §11.3-11.7): masked softmax golden cases, parity with torch's attention, encodings."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dive.nn import (
    AdditiveAttention,
    AddNorm,
    DotProductAttention,
    MultiHeadAttention,
    PositionalEncoding,
    PositionWiseFFN,
    masked_softmax,
    sinusoidal_table,
)


def test_masked_softmax_keeps_the_first_valid_keys():
    X = torch.zeros(2, 2, 4)
    out = masked_softmax(X, torch.tensor([2, 3]))
    assert out[0, 0].tolist() == [0.5, 0.5, 0, 0]
    assert out[1, 1].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0])
    per_query = masked_softmax(X, torch.tensor([[1, 3], [2, 4]]))
    assert per_query[0, 0].tolist() == [1, 0, 0, 0] and per_query[1, 1].tolist() == [0.25] * 4
    assert torch.equal(masked_softmax(X), torch.full((2, 2, 4), 0.25))


def test_fully_masked_row_is_zero_not_uniform_and_has_finite_gradients():
    X = torch.randn(2, 3, 5, requires_grad=True)
    out = masked_softmax(X, torch.tensor([[0, 2, 5], [1, 0, 3]]))
    assert out[0, 0].abs().sum() == 0 and out[1, 1].abs().sum() == 0  # the book would give 1/5 each
    assert torch.allclose(out[0, 1].sum(), torch.tensor(1.0))
    (out * torch.randn_like(out)).sum().backward()
    assert torch.isfinite(X.grad).all() and X.grad[0, 0].abs().sum() == 0


def test_dot_product_attention_equals_torch_sdpa(f64):
    q, k, v = torch.randn(2, 3, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 4)
    valid = torch.tensor([2, 5])
    attn = DotProductAttention()
    mask = torch.arange(5)[None, None, :] < valid[:, None, None]  # True = attend
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(attn(q, k, v, valid), ref)
    assert attn.attention_weights.shape == (2, 3, 5) and attn.attention_weights[0, :, 2:].abs().sum() == 0


def test_additive_attention_follows_its_formula(f64):
    torch.manual_seed(0)
    attn = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8)
    q, k = torch.randn(2, 1, 20), torch.randn(2, 10, 2)
    v = torch.arange(40, dtype=torch.float64).reshape(1, 10, 4).repeat(2, 1, 1)
    out = attn(q, k, v, torch.tensor([2, 6]))
    assert out.shape == (2, 1, 4)
    scores = attn.w_v(torch.tanh(attn.W_q(q[0, 0]) + attn.W_k(k[0]))).squeeze(-1)[:2]  # example 0: 2 valid keys
    torch.testing.assert_close(out[0, 0], torch.softmax(scores, 0) @ v[0, :2])


def test_multi_head_attention_equals_nn_multiheadattention(f64):
    torch.manual_seed(0)
    d, h = 12, 3
    ref = nn.MultiheadAttention(d, h, bias=True, batch_first=True)
    mine = MultiHeadAttention(d, h, bias=True)
    with torch.no_grad():
        for i, W in enumerate((mine.W_q, mine.W_k, mine.W_v)):
            W.weight.copy_(ref.in_proj_weight[i * d : (i + 1) * d])
            W.bias.copy_(ref.in_proj_bias[i * d : (i + 1) * d])
        mine.W_o.weight.copy_(ref.out_proj.weight)
        mine.W_o.bias.copy_(ref.out_proj.bias)
    q, kv = torch.randn(2, 4, d), torch.randn(2, 6, d)
    valid = torch.tensor([3, 6])
    out_m = mine(q, kv, kv, valid)
    out_r, w_r = ref(q, kv, kv, key_padding_mask=torch.arange(6)[None] >= valid[:, None])
    torch.testing.assert_close(out_m, out_r)
    torch.testing.assert_close(mine.attention_weights.reshape(2, h, 4, 6).mean(1), w_r)
    out_m.pow(2).sum().backward()
    out_r.pow(2).sum().backward()
    torch.testing.assert_close(mine.W_q.weight.grad, ref.in_proj_weight.grad[:d])
    torch.testing.assert_close(mine.W_o.weight.grad, ref.out_proj.weight.grad)
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)


def test_positional_encoding_table_and_shapes():
    P = sinusoidal_table(60, 32)
    assert P[0, 0::2].abs().sum() == 0 and torch.allclose(P[0, 1::2], torch.ones(16))
    assert P[7, 2].item() == pytest.approx(math.sin(7 / 10000 ** (2 / 32)), abs=1e-6)
    pe = PositionalEncoding(32, max_len=60)
    X = torch.zeros(2, 5, 32)
    assert torch.equal(pe(X)[0], P[:5]) and torch.equal(pe(X[:, :1], offset=4)[0, 0], P[4])
    with pytest.raises(ValueError, match="max_len"):
        pe(torch.zeros(1, 61, 32))


def test_ffn_and_addnorm_shapes():
    ffn = PositionWiseFFN(4, 8, 6)
    assert ffn(torch.ones(2, 3, 4)).shape == (2, 3, 6)
    an = AddNorm(4).eval()
    out = an(torch.ones(2, 3, 4), torch.randn(2, 3, 4))
    assert out.shape == (2, 3, 4) and torch.allclose(out.mean(-1), torch.zeros(2, 3), atol=1e-6)
