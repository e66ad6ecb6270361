"""FCN (book §14.11): per-pixel logits at the input size; torchvision ResNet-18 weights load safely or not at all."""

import pytest
import torch
import torchvision

from dive.core import DiveError
from dive.models import FCN


class Gadget:
    pass


def test_logits_come_out_at_the_input_size_and_other_sizes_are_refused():
    model = FCN(num_classes=11).eval()
    assert model(torch.rand(1, 3, 64, 96)).shape == (1, 11, 64, 96)
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.rand(1, 3, 60, 96))


def test_torchvision_resnet18_weights_load_and_others_are_refused(tmp_path):
    model = FCN(num_classes=3)
    net = torchvision.models.resnet18(weights=None)
    torch.save(net.state_dict(), tmp_path / "r18.pth")
    assert model.load_backbone(tmp_path / "r18.pth") == 120  # every backbone tensor; fc.* left out
    torch.testing.assert_close(model.backbone.conv1.weight, net.conv1.weight)
    torch.save(torchvision.models.resnet34(weights=None).state_dict(), tmp_path / "r34.pth")
    with pytest.raises(DiveError, match="does not fit the torchvision ResNet-18 backbone"):
        model.load_backbone(tmp_path / "r34.pth")
    torch.save(Gadget(), tmp_path / "code.pth")  # a pickle of a class (it could run code): refused by weights_only
    with pytest.raises(DiveError, match="not a plain state dict"):
        model.load_backbone(tmp_path / "code.pth")
    with pytest.raises(DiveError, match="no weights file"):
        model.load_backbone(tmp_path / "none.pth")
