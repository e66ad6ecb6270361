"""The airfoil optimizer comparison (book §12.5-12.10): every optimizer, scratch and concise, in the book's band."""

import pytest

from dive.cli.run import run_recipe
from dive.core import ConfigError
from dive.data import load_airfoil, parse_airfoil, standardize_airfoil
from dive.recipes.airfoil import BOOK_OPTIMIZERS


def test_parse_and_standardize():
    data = parse_airfoil("1\t2\t3\t4\t5\t6\r\n3\t2\t1\t4\t5\t8\r\n")
    X, y = standardize_airfoil(data, n=2)
    assert X.shape == (2, 5) and X[:, 0].tolist() == [-1.0, 1.0] and y.flatten().tolist() == [-1.0, 1.0]
    with pytest.raises(ValueError):
        parse_airfoil("1\t2\n")


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", list(BOOK_OPTIMIZERS))
@pytest.mark.parametrize("scratch", [True, False])
def test_every_optimizer_lands_in_the_books_band(optimizer, scratch, data_root, tmp_path):
    if not scratch and BOOK_OPTIMIZERS[optimizer][1] is None:
        with pytest.raises(ConfigError, match="no yogi"):
            run_recipe("airfoil", "book", [f"optimizer={optimizer}", "scratch=false"], out=tmp_path, device="cpu",
                       data_root=str(data_root), progress=False)  # fmt: skip
        return
    record = run_recipe("airfoil", "book", [f"optimizer={optimizer}", f"scratch={scratch}"], out=tmp_path,
                        device="cpu", data_root=str(data_root), progress=False)  # fmt: skip
    assert 0.242 <= record["value"] <= 0.26, record["summary"]
    assert load_airfoil(data_root)[0].shape == (1500, 5)
