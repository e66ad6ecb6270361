import torch
import torch.nn.functional as F

from dive.models import LinearRegression
from dive.scratch import SGD, LinearRegressionScratch, data_iter, linreg, squared_loss


def test_data_iter_visits_every_example_once():
    X, y = torch.arange(25).float().reshape(25, 1), torch.arange(25)
    batches = list(data_iter(10, X, y, torch.Generator().manual_seed(0)))
    assert [len(b[1]) for b in batches] == [10, 10, 5]
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(25))


def test_squared_loss_and_linreg_match_torch(f64):
    X, w, b = torch.randn(5, 3), torch.randn(3, 1, requires_grad=True), torch.randn(1, requires_grad=True)
    y = torch.randn(5, 1)
    loss = squared_loss(linreg(X, w, b), y)
    assert torch.allclose(loss, F.mse_loss(X @ w + b, y) / 2)
    loss.backward()
    assert torch.allclose(w.grad, X.T @ (X @ w + b - y) / 5)


def test_scratch_and_concise_linear_regression_train_identically(f64):
    scratch_model, concise = LinearRegressionScratch(2), LinearRegression(2)
    with torch.no_grad():
        concise.net.weight.copy_(scratch_model.w.T)
        concise.net.bias.copy_(scratch_model.b)
    X, y = torch.randn(32, 2), torch.randn(32, 1)
    opt_a, opt_b = SGD(scratch_model.parameters(), lr=0.1), torch.optim.SGD(concise.parameters(), lr=0.1)
    for _ in range(5):
        for model, opt in ((scratch_model, opt_a), (concise, opt_b)):
            opt.zero_grad()
            squared_loss(model(X), y).backward()
            opt.step()
    assert torch.allclose(scratch_model.w.T, concise.net.weight) and torch.allclose(scratch_model.b, concise.net.bias)
