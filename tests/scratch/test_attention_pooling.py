"""Nadaraya-Watson attention pooling (book §11.2): weights are a softmax of -d^2/2, kernels, leave-one-out."""

import pytest
import torch

from dive.scratch.attention_pooling import KERNELS, NWKernelRegression, leave_one_out, nadaraya_watson


def test_gaussian_weights_are_a_softmax_and_rows_sum_to_one():
    x, y, q = torch.tensor([0.0, 1.0, 3.0]), torch.tensor([1.0, 2.0, 4.0]), torch.tensor([0.5, 2.0])
    y_hat, w = nadaraya_watson(x, y, q)
    torch.testing.assert_close(w, torch.softmax(-((q[:, None] - x[None]) ** 2) / 2, dim=1))
    torch.testing.assert_close(y_hat, w @ y)
    assert torch.allclose(w.sum(1), torch.ones(2))


def test_other_kernels_by_hand():
    x, y = torch.tensor([0.0, 1.0, 3.0]), torch.tensor([1.0, 2.0, 4.0])
    # boxcar around 0.5 keeps 0 and 1: the mean of their labels
    assert nadaraya_watson(x, y, torch.tensor([0.5]), KERNELS["boxcar"])[0].item() == pytest.approx(1.5)
    assert nadaraya_watson(x, y, torch.tensor([9.0]), KERNELS["constant"])[0].item() == pytest.approx(7 / 3)
    # no key within reach: zero weights, prediction 0 (not NaN)
    y_hat, w = nadaraya_watson(x, y, torch.tensor([10.0]), KERNELS["epanechikov"])
    assert y_hat.item() == 0 and w.abs().sum() == 0


def test_parametric_model_with_w_one_is_the_gaussian_kernel():
    x, y = torch.sort(torch.rand(6))[0], torch.rand(6)
    model = NWKernelRegression()
    with torch.no_grad():
        model.w.fill_(1.0)
    q = torch.tensor([0.2, 0.7])
    out = model(q, x.expand(2, -1), y.expand(2, -1))
    torch.testing.assert_close(out, nadaraya_watson(x, y, q)[0])
    keys, values = leave_one_out(x, y)
    assert keys.shape == (6, 5) and not (keys == x[:, None]).any(1).any()  # row i lacks x_i
