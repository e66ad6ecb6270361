import pytest
import torch
from torch import nn

from dive.models import BNLeNet
from dive.scratch import BatchNorm, BNLeNetScratch


@pytest.mark.parametrize(
    ("num_dims", "shape", "ref_cls"), [(2, (16, 5), nn.BatchNorm1d), (4, (8, 3, 5, 4), nn.BatchNorm2d)]
)
def test_batchnorm_matches_torch_in_train_and_eval(f64, num_dims, shape, ref_cls):
    torch.manual_seed(0)
    mine, ref = BatchNorm(shape[1], num_dims), ref_cls(shape[1])
    with torch.no_grad():
        for p in (mine.gamma, mine.beta, ref.weight, ref.bias):
            p.uniform_(0.5, 1.5)
        ref.weight.copy_(mine.gamma.reshape(-1))
        ref.bias.copy_(mine.beta.reshape(-1))
    for step in range(3):  # moving statistics accumulate identically with the same momentum
        X = torch.randn(shape) * (step + 1) + step
        a, b = X.clone().requires_grad_(), X.clone().requires_grad_()
        ya, yb = mine(a), ref(b)
        assert torch.allclose(ya, yb)
        g = torch.randn_like(ya)
        ya.backward(g)
        yb.backward(g)
        assert torch.allclose(a.grad, b.grad)
        assert torch.allclose(mine.gamma.grad.reshape(-1), ref.weight.grad)
        assert torch.allclose(mine.beta.grad.reshape(-1), ref.bias.grad)
        mine.zero_grad()
        ref.zero_grad()
    assert torch.allclose(mine.moving_mean.reshape(-1), ref.running_mean)
    assert torch.allclose(mine.moving_var.reshape(-1), ref.running_var)
    mine.eval()
    ref.eval()
    X = torch.randn(shape)
    assert torch.allclose(mine(X), ref(X))


def test_momentum_convention_is_pytorchs_not_the_books():
    bn = BatchNorm(1, 2, momentum=0.1)
    bn(torch.full((4, 1), 10.0) + torch.tensor([[1.0], [-1.0], [1.0], [-1.0]]))
    assert bn.moving_mean.item() == pytest.approx(1.0)  # 0.9 * 0 + 0.1 * 10: the new batch weighs momentum
    assert bn.moving_var.item() == pytest.approx(0.9 + 0.1 * 4 / 3)  # unbiased batch variance, as in PyTorch


def test_moving_statistics_are_buffers_not_parameters():
    bn = BatchNorm(6, 4)
    assert {n for n, _ in bn.named_parameters()} == {"gamma", "beta"}
    assert {"moving_mean", "moving_var"} <= set(bn.state_dict())
    with pytest.raises(ValueError):
        BatchNorm(6, 3)


def test_bn_lenet_scratch_equals_concise_with_copied_weights(f64):
    torch.manual_seed(0)
    s, c = BNLeNetScratch(), BNLeNet()
    with torch.no_grad():
        for a, b in zip(s.net, c.net):
            if isinstance(a, BatchNorm):
                b.weight.copy_(a.gamma.reshape(-1))
                b.bias.copy_(a.beta.reshape(-1))
            elif isinstance(a, (nn.Conv2d, nn.Linear)):
                b.weight.copy_(a.weight)
                b.bias.copy_(a.bias)
    X = torch.rand(4, 1, 28, 28)
    assert torch.allclose(s(X), c(X))
    s.eval()
    c.eval()
    assert torch.allclose(s(X), c(X))
