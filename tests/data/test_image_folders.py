"""Kaggle CIFAR-10 layout and folder-per-class sets, indexed in place (nothing copied), split by class."""

import pytest
import torch
from PIL import Image

from dive.core import DiveError
from dive.data import ImageSet
from dive.data.image_folders import load_class_folders, load_kaggle_cifar10, split_by_class


def _kaggle(tmp_path, n=12):
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    rows = ["id,label"]
    for i in range(1, n + 1):
        Image.new("RGB", (8, 8), (i * 10, 0, 0)).save(tmp_path / "train" / f"{i}.png")
        rows.append(f"{i},{'cat' if i % 2 else 'dog'}")
    for i in (3, 1, 2):
        Image.new("RGB", (8, 8), (0, i * 10, 0)).save(tmp_path / "test" / f"{i}.png")
    (tmp_path / "trainLabels.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_kaggle_layout_is_read_by_id_with_the_test_images(tmp_path):
    d = load_kaggle_cifar10(_kaggle(tmp_path))
    assert d.classes == ["cat", "dog"] and d.train.images.shape == (12, 3, 8, 8)
    assert d.train.labels.tolist()[:2] == [0, 1] and int(d.train.images[1, 0, 0, 0]) == 20  # id 2, by the csv row
    assert d.test_ids == [1, 2, 3] and int(d.test.images[0, 1, 0, 0]) == 10


def test_kaggle_layout_errors_are_one_line(tmp_path):
    with pytest.raises(DiveError, match="no trainLabels.csv"):
        load_kaggle_cifar10(tmp_path)
    _kaggle(tmp_path)
    (tmp_path / "train" / "5.png").unlink()
    with pytest.raises(DiveError, match="missing from"):
        load_kaggle_cifar10(tmp_path)


def test_class_folders_number_classes_by_name_and_convert_greyscale(tmp_path):
    for name, mode in (("b_dog", "L"), ("a_cat", "RGBA")):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new(mode, (10, 6 + i)).save(tmp_path / name / f"{i}.png")
    d = load_class_folders(tmp_path, size=(8, 8))
    assert d.classes == ["a_cat", "b_dog"] and d.train.images.shape == (6, 3, 8, 8)
    assert d.train.labels.tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(DiveError, match="holds no CLASS/IMAGE"):
        load_class_folders(tmp_path / "a_cat")


def test_split_by_class_holds_out_the_books_share_of_every_class():
    s = ImageSet(torch.zeros(40, 3, 4, 4, dtype=torch.uint8), torch.arange(40) % 4)
    train, valid = split_by_class(s, 0.2, seed=0)
    assert len(valid) == 8 and valid.labels.bincount().tolist() == [2, 2, 2, 2] and len(train) == 32
    again = split_by_class(s, 0.2, seed=0)[1]
    assert torch.equal(again.labels, valid.labels)
    with pytest.raises(DiveError, match="valid_ratio"):
        split_by_class(s, 1.5)
