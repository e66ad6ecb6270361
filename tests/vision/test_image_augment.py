"""The book's augmentations (§14.1) through transforms v2 on uint8 batches: one draw per image, reproducible."""

import pytest
import torch

from dive.vision.image_augment import BOOK_AUGMENTATIONS, BatchAugment, augment_each, book_augmentation


def _photos(n=6):
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (n, 3, 40, 50), generator=g, dtype=torch.uint8)


@pytest.mark.parametrize("name", list(BOOK_AUGMENTATIONS))
def test_each_book_augmentation_keeps_uint8_and_the_size_it_promises(name):
    out = augment_each(book_augmentation(name), _photos(), torch.Generator().manual_seed(1))
    assert out.dtype == torch.uint8 and out.shape[:2] == (6, 3)
    assert out.shape[-2:] == ((200, 200) if name in ("crop", "all") else (40, 50))


def test_every_image_gets_its_own_draw_and_a_generator_repeats_it():
    images = _photos(1).expand(16, 3, 40, 50)
    flip = book_augmentation("flip-lr")
    out = augment_each(flip, images, torch.Generator().manual_seed(2))
    flipped = [torch.equal(o, images[0].flip(-1)) for o in out]
    assert any(flipped) and not all(flipped)  # not one draw for the whole batch
    again = BatchAugment(flip)((images, torch.zeros(16)), torch.Generator().manual_seed(2))[0]
    assert torch.equal(out, again)


def test_an_unknown_augmentation_names_the_choices(capsys, tmp_path):
    with pytest.raises(ValueError, match="choose from flip-lr"):
        book_augmentation("rotate")
    from dive.cli.main import main

    assert main(["augment", str(tmp_path / "none.jpg")]) == 2
    assert "no image at" in capsys.readouterr().err


def test_dive_augment_writes_one_grid_per_augmentation(tmp_path, capsys):
    from PIL import Image

    from dive.cli.main import main

    photo = tmp_path / "p.png"
    Image.new("RGBA", (64, 48), (200, 30, 30, 128)).save(photo)  # RGBA: converted, not refused
    assert main(["augment", str(photo), "--only", "flip-lr,all", "--copies", "4", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "flip-lr.png").stat().st_size > 0 and (tmp_path / "all.png").stat().st_size > 0
    assert main(["augment", str(photo), "--only", "spin"]) == 2
    assert "unknown augmentation(s) ['spin']" in capsys.readouterr().err
