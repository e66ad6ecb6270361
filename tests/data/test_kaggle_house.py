import pandas as pd
import pytest
import torch

from dive.data import HousePreprocessor, fake_house_frames, k_fold_indices, labels_of, read_kaggle_house


def test_standardisation_uses_training_rows_only():
    train = pd.DataFrame({"Id": [1, 2, 3], "A": [1.0, 2.0, 3.0], "SalePrice": [1.0, 2.0, 3.0]})
    test = pd.DataFrame({"Id": [4, 5], "A": [100.0, None]})
    prep = HousePreprocessor().fit(train)
    assert prep.mean == {"A": 2.0} and prep.std == {"A": 1.0}
    X = prep.transform(test)
    assert X.tolist() == [[98.0], [0.0]]  # test statistics never enter; missing -> 0 (the training mean)


def test_one_hot_with_missing_indicator_and_unseen_category():
    train = pd.DataFrame({"Z": ["a", "b", None], "SalePrice": [1, 2, 3]})
    prep = HousePreprocessor().fit(train)
    assert prep.categories == {"Z": ["a", "b"]} and prep.num_features == 3
    X = prep.transform(pd.DataFrame({"Z": ["b", None, "c"]}))
    assert X.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_k_fold_is_the_books_contiguous_split():
    folds = k_fold_indices(10, 3)
    assert [v.tolist() for _, v in folds] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert folds[1][0].tolist() == [0, 1, 2, 6, 7, 8, 9]
    with pytest.raises(ValueError):
        k_fold_indices(10, 1)


def test_fake_frames_go_through_the_pipeline():
    train, test = fake_house_frames()
    X = HousePreprocessor().fit(train).transform(test)
    assert X.shape[0] == len(test) and not torch.isnan(X).any()
    assert labels_of(train).shape == (len(train), 1)


@pytest.mark.slow
def test_real_kaggle_house(data_root):
    train, test = read_kaggle_house(data_root)
    assert train.shape == (1460, 81) and test.shape == (1459, 80)
    X = HousePreprocessor().fit(train).transform(test)
    assert X.shape[0] == 1459 and not torch.isnan(X).any()
