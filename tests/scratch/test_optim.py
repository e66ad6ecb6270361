import pytest
import torch

from dive.scratch import SGD


@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
def test_sgd_matches_torch_after_steps(f64, weight_decay):
    torch.manual_seed(0)
    p1 = torch.randn(4, 3, requires_grad=True)
    p2 = p1.detach().clone().requires_grad_()
    o1 = SGD([p1], lr=0.05, weight_decay=weight_decay)
    o2 = torch.optim.SGD([p2], lr=0.05, weight_decay=weight_decay)
    target = torch.randn(4, 3)
    for _ in range(10):
        for p, o in ((p1, o1), (p2, o2)):
            o.zero_grad()
            ((p - target) ** 3).abs().sum().backward()
            o.step()
    assert torch.allclose(p1, p2)


def test_sgd_refuses_bad_lr():
    with pytest.raises(ValueError):
        SGD([torch.zeros(1, requires_grad=True)], lr=0.0)
