"""Decomposable attention (book §16.5): padding does not change a pair's logits; the attention is the book's."""

import torch

from dive.models.nli import DecomposableAttention


def test_padding_does_not_change_the_logits(f64):
    torch.manual_seed(0)
    net = DecomposableAttention(20, 6, 8).double().eval()
    P, H = torch.randint(2, 20, (3, 5)), torch.randint(2, 20, (3, 4))
    lp, lh = torch.tensor([5, 2, 3]), torch.tensor([4, 1, 2])
    P[torch.arange(5) >= lp[:, None]] = 1
    H[torch.arange(4) >= lh[:, None]] = 1
    out = net(P, lp, H, lh)
    pad = lambda X: torch.cat([X, torch.ones(3, 7, dtype=torch.long)], 1)  # noqa: E731
    assert torch.allclose(out, net(pad(P), lp, pad(H), lh))
    # one pair alone gives its own logits: nothing leaks across the batch or from padding
    assert torch.allclose(out[1], net(P[1:2, :2], lp[1:2], H[1:2, :1], lh[1:2])[0])


def test_without_padding_it_is_the_books_attend_compare_aggregate(f64):
    torch.manual_seed(0)
    net = DecomposableAttention(20, 6, 8).double().eval()
    P, H = torch.randint(2, 20, (2, 5)), torch.randint(2, 20, (2, 4))
    A, B = net.embedding(P), net.embedding(H)
    e = net.f(A) @ net.f(B).transpose(1, 2)
    beta = torch.softmax(e, -1) @ B
    alpha = torch.softmax(e.transpose(1, 2), -1) @ A
    V_A, V_B = net.g(torch.cat([A, beta], 2)).sum(1), net.g(torch.cat([B, alpha], 2)).sum(1)
    ref = net.linear(net.h(torch.cat([V_A, V_B], 1)))
    assert torch.allclose(net(P, torch.tensor([5, 5]), H, torch.tensor([4, 4])), ref)
