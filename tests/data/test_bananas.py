"""The banana-detection set made the book's way (bananas cut out of banana.jpg, pasted onto real photos), cached
by its inputs' hashes, and the book's own archive layout read when a user has it."""

import torch
from PIL import Image

from dive.data.bananas import banana_sprites, generate_bananas, load_bananas, paste_banana, read_book_bananas


def _sprite():
    rgb = torch.zeros(3, 20, 30, dtype=torch.uint8)
    rgb[0], rgb[1] = 250, 220  # yellow
    alpha = torch.zeros(20, 30, dtype=torch.bool)
    alpha[5:15, 3:27] = True
    return rgb, alpha


def test_generation_is_deterministic_and_each_box_holds_its_banana():
    background = torch.full((3, 300, 400), 40, dtype=torch.uint8)
    a = generate_bananas([_sprite()], [background], 6, seed=3)
    b = generate_bananas([_sprite()], [background], 6, seed=3)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert a.images.shape == (6, 3, 256, 256) and a.labels.shape == (6, 1, 5)
    assert not torch.equal(a.images, generate_bananas([_sprite()], [background], 6, seed=4).images)
    for img, (cls, *box) in zip(a.images, a.labels[:, 0]):
        x1, y1, x2, y2 = (round(float(v) * 256) for v in box)
        assert cls == 0 and 0 <= x1 < x2 <= 256 and 0 <= y1 < y2 <= 256
        inside = img[0, y1:y2, x1:x2].float().mean()
        outside = img[0].float().sum() - img[0, y1:y2, x1:x2].float().sum()
        assert inside > 150 and outside / (256 * 256 - (x2 - x1) * (y2 - y1)) < 45  # the yellow is in the box


def test_paste_keeps_the_banana_inside_the_image():
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        _, box = paste_banana(torch.zeros(3, 256, 256, dtype=torch.uint8), _sprite(), g)
        assert 0 <= box[0] < box[2] <= 256 and 0 <= box[1] < box[3] <= 256


def test_the_books_archive_layout_is_read(tmp_path):
    d = tmp_path / "bananas_train"
    (d / "images").mkdir(parents=True)
    rows = ["img_name,label,xmin,ymin,xmax,ymax"]
    for i in range(3):
        Image.new("RGB", (256, 256), (10 * i, 0, 0)).save(d / "images" / f"{i}.png")
        rows.append(f"{i}.png,0,{10 + i},20,{110 + i},120")
    (d / "label.csv").write_text("\n".join(rows) + "\n")
    s = read_book_bananas(d)
    assert s.images.shape == (3, 3, 256, 256)
    torch.testing.assert_close(s.labels[1, 0], torch.tensor([0, 11 / 256, 20 / 256, 111 / 256, 120 / 256]))


def test_the_bananas_of_the_books_photo_and_the_cached_set(data_root):
    from dive.data import read_image

    sprites = banana_sprites(read_image(data_root / "img" / "banana.jpg"))
    assert len(sprites) == 4  # the four bananas of the book's figure
    train, valid = load_bananas(data_root, n_train=12, n_valid=4)
    again, _ = load_bananas(data_root, n_train=12, n_valid=4)  # from the cache
    assert train.images.shape == (12, 3, 256, 256) and valid.labels.shape == (4, 1, 5)
    assert torch.equal(train.images, again.images) and torch.equal(train.labels, again.labels)
