"""Chapter 2 recipes: every line as the book prints it, gradients equal to the analytic ones, pictures written."""

import pytest

CASES = [
    ("ndarray", "differences", 0.0, "broadcast.png"),
    ("data-preprocessing", "differences", 0.0, "imputed.png"),
    ("linear-algebra", "differences", 0.0, "norms.png"),
    ("calculus", "limit_error", 1e-4, "tangent.png"),
    ("autograd", "max_deviation", 1e-6, "sin.png"),
    ("probability", "max_deviation", 0.06, "dice.png"),  # tiny: 600 tosses
]


@pytest.mark.parametrize("name, metric, most, picture", CASES)
def test_chapter_two_recipes_hold_and_draw(tmp_path, name, metric, most, picture):
    from dive.cli.run import run_recipe

    record = run_recipe(name, "tiny", out=tmp_path / name, device="cpu", progress=False)
    assert record["metrics"][metric] <= most, record["summary"]
    assert (tmp_path / name / picture).is_file()


def test_a_line_that_differs_is_counted_and_shown(capsys):
    from dive.recipes.base import RunContext
    from dive.recipes.preliminaries import Checks

    c = Checks()
    c("one plus one", 1 + 1, 2)
    c("a wrong claim", 3, 4)
    result = c.result(RunContext(out_dir=None))
    assert result.metrics["differences"] == 1 and "DIFFERS a wrong claim: 3 (book: 4)" in capsys.readouterr().out
