"""The image layer: any channels and sizes, per-channel normalisation, and random augmentation that a resumed or
sharded epoch reproduces exactly."""

import pytest
import torch
import torch.nn.functional as F

from dive.core import DiveError
from dive.data import ArrayLoader, ImageBatch, ImageSet, image_loaders
from dive.vision import flip_batch


def _rgb(n=12, h=6, w=10):
    return torch.randint(0, 256, (n, 3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def test_rgb_batches_resize_to_any_shape_and_normalise_per_channel():
    images = _rgb()
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    x = ImageBatch(resize=(4, 8), mean=mean, std=std)(images)
    assert x.shape == (12, 3, 4, 8) and x.dtype == torch.float32
    ref = F.interpolate(images.float() / 255, size=(4, 8), mode="bilinear", align_corners=False)
    ref = (ref - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    torch.testing.assert_close(x, ref)
    grey = ImageBatch(resize=14, mean=0.286, std=0.353)(images[:, 0])  # Fashion-MNIST style: one channel, square
    assert grey.shape == (12, 1, 14, 14)


def test_photos_of_many_sizes_are_resized_once_into_one_uint8_set():
    photos = [_rgb(1, 30, 40)[0], _rgb(1, 17, 9)[0], _rgb(1, 20, 20)[0]]
    s = ImageSet.from_images(photos, torch.tensor([0, 1, 2]), size=(20, 20))
    assert s.images.shape == (3, 3, 20, 20) and s.images.dtype == torch.uint8 and s.channels == 3
    assert torch.equal(s.images[2], photos[2])  # already the size: untouched
    with pytest.raises(DiveError, match="uint8"):
        ImageSet(torch.rand(2, 3, 4, 4), torch.zeros(2))
    with pytest.raises(DiveError, match="3 images but 2 labels"):
        ImageSet(_rgb(3), torch.zeros(2))


def test_random_flips_come_from_seed_epoch_and_batch_not_the_global_rng():
    s = ImageSet(_rgb(), torch.arange(12))
    train, _ = image_loaders(s, s, 4, seed=3, augment=flip_batch)
    first = list(train.epoch(1))
    torch.manual_seed(123)  # the global RNG has no say
    resumed = list(train.epoch(1, start=2))
    assert torch.equal(first[2][0], resumed[0][0]) and torch.equal(first[2][1], resumed[0][1])
    plain, _ = image_loaders(s, s, 4, seed=3)
    flipped = [torch.equal(a[0][k], b[0][k].flip(-1)) for a, b in zip(first, plain.epoch(1)) for k in range(4)]
    kept = [torch.equal(a[0][k], b[0][k]) for a, b in zip(first, plain.epoch(1)) for k in range(4)]
    assert any(flipped) and any(kept) and all(f or k for f, k in zip(flipped, kept))
    assert not torch.equal(first[0][0], list(train.epoch(2))[0][0])  # another epoch, other draws


def test_a_sharded_epoch_augments_the_global_batch_then_splits_it():
    X, y = _rgb(10).float(), torch.arange(10)
    whole = ArrayLoader(X, y, batch_size=4, shuffle=True, augment=flip_batch)
    parts = [whole.shard(r, 2) for r in range(2)]
    for full, a, b in zip(whole.epoch(0), parts[0].epoch(0), parts[1].epoch(0)):
        assert torch.equal(torch.cat([a[0], b[0]]), full[0]) and torch.equal(torch.cat([a[1], b[1]]), full[1])


@pytest.mark.parametrize("name,mode", [("p.png", "P"), ("g.png", "L"), ("a.png", "RGBA"), ("c.jpg", "CMYK"),
                                       ("w.webp", "RGB"), ("b.bmp", "RGB"), ("t.tiff", "RGB")])  # fmt: skip
def test_read_image_gives_rgb_uint8_for_every_mode_and_format_as_pillow_does(tmp_path, name, mode):
    import numpy as np
    from PIL import Image

    from dive.data import read_image

    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    Image.fromarray(rgb).convert(mode).save(tmp_path / name)  # bmp and tiff: Pillow's fallback
    with Image.open(tmp_path / name) as img:
        want = torch.from_numpy(np.asarray(img.convert("RGB")).copy()).permute(2, 0, 1)
    got = read_image(tmp_path / name)
    assert got.dtype == torch.uint8 and got.shape == (3, 20, 30) and torch.equal(got, want)


def test_read_image_refuses_a_damaged_file_in_one_line(tmp_path):
    from dive.data import read_image

    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DiveError, match="is not an image dive can read"):
        read_image(tmp_path / "bad.png")
