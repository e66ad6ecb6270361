"""nn: blocks shared by several models, and the builders' guide (book chapter 6): custom blocks, initialisation,
layer-size arithmetic, model summaries, safetensors I/O; attention and the Transformer's parts (chapter 11)."""

from dive.nn.attention import (
    AdditiveAttention,
    DotProductAttention,
    MultiHeadAttention,
    masked_softmax,
    sequence_mask,
)
from dive.nn.blocks import (
    CenteredLayer,
    FixedHiddenMLP,
    MLPBlock,
    MyLinear,
    MySequential,
    NestMLP,
    ParallelHeads,
    TiedMLP,
)
from dive.nn.init import bilinear_kernel, init_book_custom, init_constant, init_normal, init_xavier
from dive.nn.io import load_params, load_pretrained, load_tensors, save_params, save_tensors
from dive.nn.layout import Conv2dNCHWInputGrad, Flatten
from dive.nn.phase_conv import conv_sigmoid_avgpool, phase_kernel
from dive.nn.shapes import conv_out_size
from dive.nn.summary import LayerRow, format_model_summary, model_summary, parse_shape
from dive.nn.transformer_blocks import AddNorm, PositionalEncoding, PositionWiseFFN, sinusoidal_table

__all__ = [
    "AddNorm",
    "AdditiveAttention",
    "Conv2dNCHWInputGrad",
    "DotProductAttention",
    "Flatten",
    "MultiHeadAttention",
    "PositionWiseFFN",
    "PositionalEncoding",
    "masked_softmax",
    "sequence_mask",
    "sinusoidal_table",
    "CenteredLayer",
    "FixedHiddenMLP",
    "LayerRow",
    "MLPBlock",
    "MyLinear",
    "MySequential",
    "NestMLP",
    "ParallelHeads",
    "TiedMLP",
    "conv_out_size",
    "format_model_summary",
    "init_book_custom",
    "init_constant",
    "init_normal",
    "init_xavier",
    "bilinear_kernel",
    "conv_sigmoid_avgpool",
    "load_params",
    "load_pretrained",
    "load_tensors",
    "model_summary",
    "parse_shape",
    "phase_kernel",
    "save_params",
    "save_tensors",
]
