"""Detection augmentation: boxes move with the pixels (transforms v2 + tv_tensors), valid, reproducible."""

import torch

from dive.data import ArrayLoader
from dive.vision.detection_augment import DetectionAugment


def _squares(n=16, size=64, seed=0):
    """Dark images with one bright square each (class 0) and a padding row: labels (n, 2, 5), relative corners."""
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 3, size, size, generator=g) * 0.1
    labels = torch.full((n, 2, 5), -1.0)
    for i in range(n):
        w = int(torch.randint(12, 30, (1,), generator=g))
        x, y = (int(v) for v in torch.randint(0, size - w, (2,), generator=g))
        X[i, :, y : y + w, x : x + w] = 1.0
        labels[i, 0] = torch.tensor([0, x / size, y / size, (x + w) / size, (y + w) / size])
    return X, labels


def _inside_mean(img, row):
    h, w = img.shape[-2:]
    x1, y1, x2, y2 = (row[1:] * torch.tensor([w, h, w, h])).round().int().tolist()
    return float(img[:, y1 + 1 : y2 - 1, x1 + 1 : x2 - 1].mean())


def test_boxes_follow_the_pixels_through_zoom_crop_and_flip():
    X, labels = _squares()
    aug = DetectionAugment(flip=0.5, zoom_out=1.0, max_zoom=2.0)
    images, out = aug((X, labels), torch.Generator().manual_seed(1))
    assert images.shape == X.shape and out.shape == labels.shape
    real = out[out[:, :, 0] >= 0]
    assert len(real) >= 1 and (real[:, 1:] >= 0).all() and (real[:, 1:] <= 1).all()
    assert (real[:, 3] > real[:, 1]).all() and (real[:, 4] > real[:, 2]).all()
    for img, rows in zip(images, out):
        for row in rows[rows[:, 0] >= 0]:
            if (row[3:5] - row[1:3]).min() * 64 > 4:  # big enough to have an inside
                assert _inside_mean(img, row) > 0.8  # the box still holds the bright square
    assert not torch.equal(images, X)


def test_a_flip_alone_mirrors_the_box_and_padding_stays_padding():
    X, labels = _squares(n=4)
    aug = DetectionAugment(flip=1.0, zoom_out=0.0, max_zoom=1.0, crop=False)
    images, out = aug((X, labels), torch.Generator().manual_seed(0))
    torch.testing.assert_close(images, X.flip(-1), atol=1e-5, rtol=0)
    expected = labels[:, 0].clone()
    expected[:, 1], expected[:, 3] = 1 - labels[:, 0, 3], 1 - labels[:, 0, 1]
    torch.testing.assert_close(out[:, 0], expected)
    assert (out[:, 1] == -1).all()


def test_the_same_generator_draws_the_same_augmentation_and_leaves_the_global_rng_alone():
    X, labels = _squares()
    aug = DetectionAugment()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = aug((X, labels), torch.Generator().manual_seed(7))
    assert torch.equal(torch.rand(1), before)
    b = aug((X, labels), torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    loader = ArrayLoader(X, labels, batch_size=8, shuffle=True, seed=3, augment=aug)
    first, again = list(loader.epoch(1)), list(loader.epoch(1, 1))
    assert torch.equal(first[1][1], again[0][1])  # resumed at batch 1: the same draw


def test_an_image_without_boxes_is_augmented_without_a_crop():
    X, labels = _squares(n=2)
    labels[1] = -1.0
    images, out = DetectionAugment(zoom_out=1.0)((X, labels), torch.Generator().manual_seed(0))
    assert (out[1] == -1).all() and images.shape == X.shape
