"""Every registered model: forward shape, backward, finite values, and the same output for the same seed."""

import pytest
import torch

from dive.models import MODELS


@pytest.mark.parametrize("name", MODELS.names())
def test_model_forward_backward(name):
    entry = MODELS[name]
    torch.manual_seed(0)
    model = entry.build()
    if entry.task == "encoder-decoder":  # forward(enc_X, dec_X, valid_lens) -> logits (B, T, V)
        X = torch.randint(0, 200, (3, *entry.input_shape))
        args = (X, torch.randint(0, 200, (3, *entry.input_shape)), torch.tensor([9, 3, 1]))
        out = model(*args)
        assert out.shape == (3, *entry.input_shape, 200)
    elif entry.task == "language-model":  # sequence interface: forward(X (B, T) ids, state) -> (logits, state)
        X = torch.randint(0, 28, (3, *entry.input_shape))
        out, state = model(X)
        assert out.shape == (3, *entry.input_shape, 28)
        out2, _ = model(X, state)  # continues from a state
        assert out2.shape == out.shape and not torch.equal(out2, out)
        out = out + out2
    elif entry.task == "detector":  # forward(X) -> (anchors (1, A, 4), cls_preds (B, A, C + 1), bbox_preds (B, 4A))
        X = torch.rand(3, *entry.input_shape)
        anchors, cls_preds, bbox_preds = model(X)
        A = anchors.shape[1]
        assert anchors.shape == (1, A, 4) and cls_preds.shape[:2] == (3, A) and bbox_preds.shape == (3, 4 * A)
        out = torch.cat([cls_preds.flatten(1), bbox_preds], dim=1)
    elif entry.task == "segmentation":  # forward(X (B, 3, H, W)) -> logits (B, C, H, W)
        X = torch.rand(2, *entry.input_shape)
        out = model(X)
        assert out.shape[0] == 2 and out.shape[2:] == X.shape[2:]
    elif entry.task == "detector-torchvision":  # train: forward(images, targets) -> {loss: value}; eval: detections
        X = torch.rand(2, *entry.input_shape)
        targets = [{"boxes": torch.tensor([[10.0, 20.0, 200.0, 220.0]]), "labels": torch.tensor([1])}] * 2
        losses = model(list(X), targets)
        assert {"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"} == set(losses)
        sum(losses.values()).backward()
        assert all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())
        model.eval()
        with torch.no_grad():
            dets = model(list(X))
        assert len(dets) == 2 and {"boxes", "scores", "labels"} <= set(dets[0])
        return
    elif entry.task == "generator":  # forward(z (B, latent, 1, 1)) -> images (B, C, H, W) in [-1, 1]
        X = torch.randn(3, *entry.input_shape)
        out = model(X)
        assert out.dim() == 4 and out.shape[0] == 3 and out.abs().max() <= 1
    else:
        X = torch.rand(3, *entry.input_shape)
        out = model(X)
        assert out.shape == ((3, 10) if entry.task == "classification" else (3, 1))  # regression, discriminator
    assert torch.isfinite(out).all()
    out.float().pow(2).mean().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    outs = []
    for _ in range(2):  # fresh builds: a training-mode forward has moved BatchNorm's running statistics
        torch.manual_seed(0)
        fresh = entry.build().eval()  # dropout is random in training mode by design
        y = fresh(*args) if entry.task == "encoder-decoder" else fresh(X)
        outs.append(y[1] if entry.task == "detector" else y[0] if isinstance(y, tuple) else y)
    assert torch.equal(outs[0], outs[1])


def test_lenet_shapes_follow_the_book():
    model = MODELS["lenet"].build()
    X = torch.rand(1, 1, 28, 28)
    shapes = []
    for layer in model.net:
        X = layer(X)
        shapes.append(tuple(X.shape))
    assert shapes[2] == (1, 6, 14, 14) and shapes[5] == (1, 16, 5, 5) and shapes[-1] == (1, 10)
    assert sum(p.numel() for p in model.parameters()) == 61706


def test_tiny_ssd_has_the_books_5444_anchors_and_shapes():
    model = MODELS["tiny-ssd"].build()
    anchors, cls_preds, bbox_preds = model(torch.zeros(32, 3, 256, 256))
    assert anchors.shape == (1, 5444, 4)  # book §14.7.2: output anchors shape torch.Size([1, 5444, 4])
    assert cls_preds.shape == (32, 5444, 2) and bbox_preds.shape == (32, 21776)
