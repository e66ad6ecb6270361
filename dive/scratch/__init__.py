"""scratch: the book's from-scratch versions, tensor operations only. Checked against torch by the tests."""

from dive.scratch.linear import LinearRegressionScratch, data_iter, linreg, squared_loss
from dive.scratch.mlp import ACTIVATIONS, MLPScratch, dropout_layer, l2_penalty, relu, sigmoid, tanh, xavier_uniform_
from dive.scratch.optim import SGD
from dive.scratch.softmax import SoftmaxRegressionScratch, cross_entropy, logsumexp, softmax

__all__ = [
    "ACTIVATIONS",
    "SGD",
    "LinearRegressionScratch",
    "MLPScratch",
    "SoftmaxRegressionScratch",
    "cross_entropy",
    "data_iter",
    "dropout_layer",
    "l2_penalty",
    "linreg",
    "logsumexp",
    "relu",
    "sigmoid",
    "softmax",
    "squared_loss",
    "tanh",
    "xavier_uniform_",
]
