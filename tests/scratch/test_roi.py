"""Scratch RoI pooling against torchvision.ops.roi_pool, the book's example, and roi_align beside it."""

import torch
import torchvision

from dive.scratch.roi import roi_pool


def test_the_books_example():
    X = torch.arange(16.0).reshape(1, 1, 4, 4)
    rois = torch.tensor([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30.0]])
    out = roi_pool(X, rois, output_size=(2, 2), spatial_scale=0.1)
    assert out.tolist() == [[[[5.0, 6.0], [9.0, 10.0]]], [[[9.0, 11.0], [13.0, 15.0]]]]  # book §14.8.2
    torch.testing.assert_close(out, torchvision.ops.roi_pool(X, rois, output_size=(2, 2), spatial_scale=0.1))


def test_random_regions_match_torchvision_values_and_gradients():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2, 3, 20, 24, generator=g, dtype=torch.float64, requires_grad=True)
    xy = torch.rand(30, 2, generator=g, dtype=torch.float64) * 150
    wh = torch.rand(30, 2, generator=g, dtype=torch.float64) * 120
    rois = torch.cat([torch.randint(0, 2, (30, 1), generator=g).double(), xy, xy + wh], dim=1)
    rois[0, 1:] = torch.tensor([40.0, 40.0, 40.0, 40.0])  # a point: one cell
    rois[1, 1:] = torch.tensor([300.0, 300.0, 400.0, 400.0])  # off the map: every bin empty, all zeros
    ours = roi_pool(X, rois, (3, 4), spatial_scale=1 / 8)
    theirs = torchvision.ops.roi_pool(X, rois, (3, 4), spatial_scale=1 / 8)
    torch.testing.assert_close(ours, theirs)
    assert ours[1].abs().sum() == 0
    (g1,) = torch.autograd.grad(ours.sum(), X)
    (g2,) = torch.autograd.grad(theirs.sum(), X)
    torch.testing.assert_close(g1, g2)
    aligned = torchvision.ops.roi_align(X, rois, (3, 4), spatial_scale=1 / 8, sampling_ratio=2)
    assert aligned.shape == ours.shape  # roi_align samples bilinearly instead of rounding: same shape, other values
