"""Shapes the book prints for its CNN building blocks (chapters 7-8)."""

import pytest
import torch

from dive.models import (
    VGG,
    AlexNet,
    DenseBlock,
    GoogLeNet,
    Inception,
    Residual,
    ResNeXtBlock,
    transition_block,
    vgg11,
    vgg_block,
)


def _shapes(net, X):
    out = []
    for layer in net:
        X = layer(X)
        out.append(tuple(X.shape))
    return out


def test_alexnet_layer_shapes_at_224():
    shapes = _shapes(AlexNet().net, torch.rand(1, 1, 224, 224))
    assert shapes[0] == (1, 96, 54, 54) and shapes[12] == (1, 256, 5, 5) and shapes[13] == (1, 6400)


def test_vgg_blocks_halve_the_size_and_vgg11_has_its_parameter_count():
    assert vgg_block(2, 3, 8)(torch.rand(2, 3, 16, 16)).shape == (2, 8, 8, 8)
    shapes = _shapes(VGG(((1, 4), (1, 8), (2, 16), (2, 32), (2, 32))).net, torch.rand(1, 1, 224, 224))
    assert shapes[:5] == [(1, 4, 112, 112), (1, 8, 56, 56), (1, 16, 28, 28), (1, 32, 14, 14), (1, 32, 7, 7)]
    assert sum(p.numel() for p in vgg11().parameters()) == 128_806_154


def test_inception_concatenates_its_four_paths():
    blk = Inception(192, 64, (96, 128), (16, 32), 32)
    assert blk(torch.rand(2, 192, 12, 12)).shape == (2, 256, 12, 12) and blk.out_channels == 256


def test_googlenet_stage_shapes_at_96():
    shapes = _shapes(GoogLeNet().net, torch.rand(1, 1, 96, 96))
    assert shapes == [(1, 64, 24, 24), (1, 192, 12, 12), (1, 480, 6, 6), (1, 832, 3, 3), (1, 1024), (1, 10)]


def test_residual_keeps_or_changes_shape_as_the_book_shows():
    X = torch.rand(4, 3, 6, 6)
    assert Residual(3, 3)(X).shape == (4, 3, 6, 6)
    assert Residual(3, 6, use_1x1conv=True, strides=2)(X).shape == (4, 6, 3, 3)


def test_resnext_block_book_example_and_errors():
    assert ResNeXtBlock(32, 32, groups=16, bot_mul=1)(torch.rand(4, 32, 96, 96)).shape == (4, 32, 96, 96)
    assert ResNeXtBlock(32, 64, 8, 0.5, use_1x1conv=True, strides=2)(torch.rand(2, 32, 8, 8)).shape == (2, 64, 4, 4)
    with pytest.raises(ValueError, match="divisible"):
        ResNeXtBlock(32, 32, groups=3, bot_mul=1)
    with pytest.raises(ValueError, match="use_1x1conv"):
        ResNeXtBlock(32, 64, groups=8, bot_mul=1)


def test_dense_block_and_transition_from_the_book():
    blk = DenseBlock(2, 3, 10)
    Y = blk(torch.rand(4, 3, 8, 8))
    assert Y.shape == (4, 23, 8, 8) and blk.out_channels == 23
    assert transition_block(23, 10)(Y).shape == (4, 10, 4, 4)
