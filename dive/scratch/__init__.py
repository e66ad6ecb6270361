"""scratch: the book's from-scratch versions, tensor operations only. Checked against torch by the tests."""

from dive.nn.shapes import conv_out_size
from dive.scratch.batchnorm import BatchNorm, BNLeNetScratch, batch_norm
from dive.scratch.conv import (
    Conv2D,
    conv2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    edge_data,
    learn_kernel,
)
from dive.scratch.conv1d import conv1d, corr1d, corr1d_multi_in, max_over_time
from dive.scratch.data_parallel import AllReduceSGD, LeNetDP, ParameterServerSGD
from dive.scratch.gated import GRUScratch, LSTMScratch
from dive.scratch.linear import LinearRegressionScratch, data_iter, linreg, squared_loss
from dive.scratch.mlp import ACTIVATIONS, MLPScratch, dropout_layer, l2_penalty, relu, sigmoid, tanh, xavier_uniform_
from dive.scratch.optim import SGD
from dive.scratch.optim_2d import book_line, f_2d, f_ill, trace_2d
from dive.scratch.optimizers import OPTIMIZERS, Adadelta, AdaGrad, Adam, Momentum, RMSProp, Yogi
from dive.scratch.pooling import pool2d, pool2d_batched
from dive.scratch.rnn import (
    BiRNNScratch,
    Recurrent,
    RecurrentCell,
    RNNScratch,
    StackedRNNScratch,
    grad_clipping,
    one_hot,
)
from dive.scratch.rnn_lm import RNNLMScratch
from dive.scratch.roi import roi_pool
from dive.scratch.softmax import SoftmaxRegressionScratch, cross_entropy, logsumexp, softmax
from dive.scratch.torch_layout import copy_from_torch
from dive.scratch.trans_conv import conv_transpose2d, kernel_matrix, trans_conv

__all__ = [
    "conv1d",
    "corr1d",
    "corr1d_multi_in",
    "max_over_time",
    "roi_pool",
    "conv_transpose2d",
    "kernel_matrix",
    "trans_conv",
    "OPTIMIZERS",
    "AllReduceSGD",
    "LeNetDP",
    "ParameterServerSGD",
    "AdaGrad",
    "Adadelta",
    "Adam",
    "Momentum",
    "RMSProp",
    "Yogi",
    "book_line",
    "f_2d",
    "f_ill",
    "trace_2d",
    "BiRNNScratch",
    "GRUScratch",
    "LSTMScratch",
    "RNNLMScratch",
    "RNNScratch",
    "Recurrent",
    "RecurrentCell",
    "StackedRNNScratch",
    "copy_from_torch",
    "grad_clipping",
    "one_hot",
    "BNLeNetScratch",
    "BatchNorm",
    "Conv2D",
    "batch_norm",
    "conv2d",
    "conv_out_size",
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "edge_data",
    "learn_kernel",
    "pool2d",
    "pool2d_batched",
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
