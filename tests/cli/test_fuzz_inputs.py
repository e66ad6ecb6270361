"""Hostile inputs to the inference commands (issue 28): any text, any box and anchor numbers give an answer or
one line (`DiveError`), never a traceback, and stay within bounded memory."""

import resource

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dive.cli.main import main
from dive.cli.run import run_recipe
from dive.core import DiveError
from dive.recipes import load_trained, predict

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every CI run
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(["", " ", "\x1b[2J", "a" * 5000])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name in ("sentiment-textcnn", "transformer", "rnn", "nli-attention", "word2vec", "linreg"):
        run_recipe(name, "tiny", out=root / name, device="cpu", progress=False)
    return {name: load_trained(root / name) for name in ("sentiment-textcnn", "transformer", "rnn", "nli-attention",
                                                          "word2vec", "linreg")}  # fmt: skip


def answers_or_one_line(trained, inputs, **options):
    try:
        result = predict(trained, inputs, **options)
    except DiveError as e:
        assert "\n" not in str(e) and len(str(e)) < 2000
        return
    for line in result.lines:  # what reaches the terminal: no raw control characters from the input
        assert "\x1b" not in line and "\x00" not in line


@SETTINGS
@given(text=TEXT)
def test_text_predictors_answer_or_refuse_in_one_line(runs, text):
    for name in ("sentiment-textcnn", "transformer", "rnn"):
        answers_or_one_line(runs[name], [text], **({"length": 5} if name == "rnn" else {}))
    answers_or_one_line(runs["nli-attention"], [text, text[::-1]])
    answers_or_one_line(runs["word2vec"], [text])


@SETTINGS
@given(row=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5) | TEXT)
def test_regression_rows_answer_or_refuse_in_one_line(runs, row):
    answers_or_one_line(runs["linreg"], [row if isinstance(row, str) else ",".join(map(str, row))])


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    from PIL import Image

    path = tmp_path_factory.mktemp("img") / "p.png"
    Image.new("RGB", (40, 30), (120, 60, 30)).save(path)
    return path


NUMBERS = (
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=0, max_size=40).map(
        lambda xs: ",".join(str(x) for x in xs)
    )
    | TEXT
)


@SETTINGS
@given(sizes=NUMBERS, ratios=NUMBERS, at=NUMBERS)
def test_anchor_boxes_answer_or_refuse_in_one_line(photo, tmp_path_factory, sizes, ratios, at, capsys):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = tmp_path_factory.mktemp("anchors")
    capsys.readouterr()  # this example's output only
    code = main(["anchors", str(photo), f"--sizes={sizes or '0.5'}", f"--ratios={ratios or '1'}", f"--at={at or '1,1'}",
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code in (0, 2), err  # 1 would be an unexpected exception
    assert err.count("\n") <= 1
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 500  # a 40x30 photo's anchors: far below


def test_detect_threshold_and_a_tensor_photo(tmp_path):
    run_recipe("ssd-raccoon", "tiny", out=tmp_path / "ssd", device="cpu", progress=False)
    trained = load_trained(tmp_path / "ssd")
    for threshold in (-1.0, 1.5, float("nan")):
        with pytest.raises(DiveError):
            predict(trained, [torch.zeros(3, 8, 8, dtype=torch.uint8)], threshold=threshold)
    assert isinstance(predict(trained, [torch.zeros(3, 8, 8, dtype=torch.uint8)], threshold=0.0).value, list)
