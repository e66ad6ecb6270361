"""Book recipes on the real data, where it is available: the cheap ones run their whole book profile."""

import pytest

from dive.cli.run import run_recipe


@pytest.mark.slow
@pytest.mark.parametrize("name", ["linreg-scratch", "softmax"])
def test_book_profile_reaches_its_band(name, tmp_path, data_root):
    record = run_recipe(name, "book", out=tmp_path, device="cpu", data_root=str(data_root), progress=False)
    assert record["in_band"], record["summary"]
