import pytest
import torch
import torch.nn.functional as F

from dive.scratch import pool2d, pool2d_batched


def test_pool2d_matches_the_books_example():
    X = torch.arange(9.0).reshape(3, 3)
    assert torch.equal(pool2d(X, (2, 2)), torch.tensor([[4.0, 5.0], [7.0, 8.0]]))
    assert torch.equal(pool2d(X, (2, 2), "avg"), torch.tensor([[2.0, 3.0], [5.0, 6.0]]))


@pytest.mark.parametrize(("kernel", "padding", "stride"), [(3, 0, None), (3, 1, 2), (2, 0, 1), (2, 1, 2), (3, 0, 2)])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_batched_matches_torch_values_and_grads(f64, kernel, padding, stride, mode):
    torch.manual_seed(0)
    X = torch.randn(2, 3, 7, 6, requires_grad=True)
    mine = pool2d_batched(X, kernel, padding, stride, mode)
    ref_fn = F.max_pool2d if mode == "max" else F.avg_pool2d
    ref = ref_fn(X, kernel, stride=stride, padding=padding)
    assert mine.shape == ref.shape and torch.allclose(mine, ref)
    g = torch.randn_like(ref)
    assert torch.allclose(torch.autograd.grad(mine, X, g)[0], torch.autograd.grad(ref, X, g)[0])


def test_pooling_keeps_channels_and_refuses_bad_arguments():
    X = torch.cat((torch.arange(16.0).reshape(1, 1, 4, 4), torch.arange(16.0).reshape(1, 1, 4, 4) + 1), 1)
    out = pool2d_batched(X, 3, padding=1, stride=2)
    assert out.shape == (1, 2, 2, 2)
    assert out[0, 0].tolist() == [[5.0, 7.0], [13.0, 15.0]]  # the book's §7.5.3 example
    with pytest.raises(ValueError, match="mode"):
        pool2d_batched(X, 2, mode="min")
    with pytest.raises(ValueError, match="padding"):
        pool2d_batched(X, 2, padding=2)
