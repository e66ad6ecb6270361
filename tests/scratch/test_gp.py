"""Gaussian processes from scratch against GPyTorch (float64): the same posterior and marginal likelihood."""

import math

import pytest
import torch

from dive.scratch.gp import Hypers, fit_hypers, posterior, prior_samples, rbf_kernel


def data(n=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 5, n, dtype=torch.float64)
    return x, torch.sin(x) + 0.5 * torch.sin(4 * x) + 0.25 * torch.randn(n, generator=g, dtype=torch.float64)


def test_the_rbf_kernel_divides_by_twice_the_squared_lengthscale():
    k = rbf_kernel(torch.tensor([0.0]), torch.tensor([2.0]), lengthscale=2.0, amplitude=3.0)
    assert float(k) == pytest.approx(9 * math.exp(-4 / 8))  # the book's exp(-d^2 / (2 ls)) would give exp(-1)


def test_prior_samples_have_the_kernels_covariance():
    x = torch.linspace(0, 1, 5, dtype=torch.float64)
    K = rbf_kernel(x, x, 0.5)
    s = prior_samples(x, K, 20_000, seed=1)
    torch.testing.assert_close(s.T.cov(), K, atol=0.03, rtol=0)


def test_posterior_and_marginal_likelihood_equal_gpytorchs():
    gpytorch = pytest.importorskip("gpytorch")
    x, y = data()
    xs = torch.linspace(0, 5, 30, dtype=torch.float64)
    h = Hypers(lengthscale=0.4, amplitude=1.3, noise=0.3)
    mine = posterior(x, y, xs, h)

    from dive.recipes.gaussian_process import gpytorch_model

    model, lik = gpytorch_model(x, y)
    model.covar_module.base_kernel.lengthscale = h.lengthscale
    model.covar_module.outputscale = h.amplitude**2
    lik.noise = h.noise**2
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
    model.train()
    theirs_lml = float(mll(model(x), y).detach()) * len(x)  # GPyTorch divides by the number of points
    model.eval()
    with torch.no_grad(), gpytorch.settings.fast_pred_var(False), gpytorch.settings.cholesky_jitter(0.0):
        f = model(xs)
        torch.testing.assert_close(mine.mean, f.mean, atol=1e-6, rtol=0)
        torch.testing.assert_close(mine.cov, f.covariance_matrix, atol=1e-6, rtol=0)
    assert mine.log_marginal == pytest.approx(theirs_lml, abs=1e-6)


def test_fitting_raises_the_marginal_likelihood():
    x, y = data()
    start = Hypers(1.0, 1.0, 1.0)
    fitted, trace = fit_hypers(x, y, start)
    before = posterior(x, y, x, start).log_marginal
    assert posterior(x, y, x, fitted).log_marginal > before + 10 and trace[-1] >= trace[0]
    assert 0.1 < fitted.lengthscale < 1.0 and 0.1 < fitted.noise < 0.5
