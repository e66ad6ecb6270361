import pytest

from dive.bench import alternate, format_bench, median, run_lenet_bench, train_flops_per_example
from dive.core import ConfigError
from dive.data import fake_image_sets
from dive.models import LeNet


def test_alternate_interleaves_and_median_is_robust():
    calls = []
    out = alternate({"a": lambda: calls.append("a") or 1.0, "b": lambda: calls.append("b") or 2.0}, rounds=3)
    assert calls == ["a", "b"] * 3 and out == {"a": [1.0] * 3, "b": [2.0] * 3}
    assert median([1.0, 100.0, 2.0]) == 2.0


def test_lenet_flops_match_a_hand_count():
    # forward MACs: conv1 28*28*6*25 + conv2 10*10*16*6*25 + 400*120 + 120*84 + 84*10 = 117600 + 240000 + 58920 + ...
    macs = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10
    flops = train_flops_per_example(LeNet(), (1, 28, 28))
    # backward costs about twice the forward; the first conv needs no input gradient
    assert 2 * macs * 2 < flops < 2 * macs * 3


def test_bench_runs_both_pipelines_on_stand_in_data():
    train, test = fake_image_sets(seed=0)
    lines = []
    r = run_lenet_bench(train, test, rounds=1, batch_size=64, variants=("dive",), workers=0, log=lines.append)
    assert set(r.rounds) == {"book", "dive"} and all(v[0] > 0 for v in r.rounds.values())
    table = format_bench(r)
    assert "vs book" in table and "of peak" in table and r.ratios()["book"] == 1.0
    with pytest.raises(ConfigError, match="variant"):
        run_lenet_bench(train, test, rounds=1, variants=("fast",), workers=0)
