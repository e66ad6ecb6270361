"""Two speed details of channels_last CNNs on a CPU: where the gradient's memory layout costs time.

`Flatten` hands its gradient back in the layout its input had; `Conv2dNCHWInputGrad` computes a convolution's
input gradient in the layout where oneDNN is faster for LeNet's shapes. Both compute what `nn.Flatten` and
`nn.Conv2d` compute (tested) and are those modules outside channels_last.

`nn.Flatten` on a channels_last (n, c, h, w) map copies it into (n, c*h*w) in the book's c, h, w order (what the
next `nn.Linear`'s weights expect), and its backward returns the gradient as a view of (n, c*h*w): a (n, c, h, w)
tensor in the default NCHW layout. The pooling layer before it then gets a channels_last input and an NCHW
gradient, and PyTorch's CPU pooling backward falls back to its slow mixed-layout path (LeNet's second average
pool: 0.56 ms against 0.07 ms per batch of 256). `Flatten` here copies the gradient into its input's layout
first: the same numbers, 1.05-1.07x LeNet's examples/s on 2 cores.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _is_channels_last(X: Tensor) -> bool:
    return X.dim() == 4 and not X.is_contiguous() and X.is_contiguous(memory_format=torch.channels_last)


class _FlattenKeepLayout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X: Tensor) -> Tensor:
        ctx.shape = X.shape
        ctx.channels_last = _is_channels_last(X)
        return X.reshape(X.shape[0], -1)  # (n, c*h*w) in c, h, w order whatever the layout

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.reshape(ctx.shape)
        return grad.contiguous(memory_format=torch.channels_last) if ctx.channels_last else grad


class Flatten(nn.Module):
    """(n, c, h, w) -> (n, c*h*w), like `nn.Flatten()`; the gradient comes back in the input's memory layout."""

    def forward(self, X: Tensor) -> Tensor:
        if X.dim() != 4 or not (torch.is_grad_enabled() and X.requires_grad):  # no gradient: the plain op (exportable)
            return X.flatten(1)
        return _FlattenKeepLayout.apply(X)


class _ConvInputGradNCHW(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X: Tensor, weight: Tensor, bias: Tensor | None, conv: nn.Conv2d) -> Tensor:
        ctx.save_for_backward(X, weight)
        ctx.conv, ctx.has_bias = conv, bias is not None
        return F.conv2d(X, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups)

    @staticmethod
    def backward(ctx, grad: Tensor):
        X, weight = ctx.saved_tensors
        c = ctx.conv
        grad_X = None
        if ctx.needs_input_grad[0]:  # the transposed convolution, in NCHW, then back to the input's layout
            grad_nchw, w = grad.contiguous(), weight.contiguous()
            size = [(grad.shape[i + 2] - 1) * c.stride[i] - 2 * c.padding[i] + c.dilation[i] * (w.shape[i + 2] - 1) + 1
                    for i in range(2)]  # fmt: skip
            extra = [X.shape[i + 2] - size[i] for i in range(2)]
            grad_X = F.conv_transpose2d(grad_nchw, w, None, c.stride, c.padding, extra, c.groups, c.dilation)
            grad_X = grad_X.contiguous(
                memory_format=torch.channels_last if _is_channels_last(X) else torch.contiguous_format
            )
        mask = [False, ctx.needs_input_grad[1], ctx.has_bias and ctx.needs_input_grad[2]]
        _, grad_w, grad_b = torch.ops.aten.convolution_backward(
            grad, X, weight, [weight.shape[0]] if ctx.has_bias else None, c.stride, c.padding, c.dilation, False,
            [0, 0], c.groups, mask,
        )  # fmt: skip
        return grad_X, grad_w, grad_b, None


class Conv2dNCHWInputGrad(nn.Conv2d):
    """`nn.Conv2d` whose input gradient, in channels_last, is computed by a transposed convolution in NCHW.

    Why: oneDNN's channels_last backward-data for LeNet's second convolution (6 -> 16 channels, 5x5, 14x14 input)
    takes 1.8 ms per batch of 256 on 2 cores, the NCHW transposed convolution 1.2 ms (the forward: 0.5 ms); the
    layout copies cost ~0.1 ms. Same parameters and the same gradient up to float rounding (tested); in NCHW,
    under autocast, or without an input gradient, it is `nn.Conv2d`."""

    def forward(self, X: Tensor) -> Tensor:
        cpu_fp32 = X.device.type == "cpu" and not torch.is_autocast_enabled("cpu")  # autocast: nn.Conv2d's own path
        if not (X.requires_grad and cpu_fp32 and _is_channels_last(X) and self.padding_mode == "zeros"):
            return super().forward(X)
        return _ConvInputGradNCHW.apply(X, self.weight, self.bias, self)
