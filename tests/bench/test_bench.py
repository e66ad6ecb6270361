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


@pytest.mark.isa
def test_lstm_bench_runs_all_loops_on_a_small_corpus():
    import torch

    from dive.bench import format_lstm_bench, run_lstm_bench

    corpus = torch.arange(3000) % 10  # learnable: each token determines the next
    r = run_lstm_bench(corpus, 10, rounds=1, batch_size=4, num_steps=8, num_hiddens=16, log=lambda s: None)
    assert set(r.rounds) == {"book", "dive", "dive+bf16", "dive-scratch"} and r.ratios()["book"] == 1.0
    assert all(1 < p < 10 for p in r.train_ppl.values()), r.train_ppl  # all learn (uniform guessing: 10)
    assert r.train_ppl["dive"] < 5  # torch's default init starts faster than the book's N(0, 0.01)
    # same N(0, 0.01) initial draws, data and updates: the book's loop and dive's scratch LSTM agree
    assert r.train_ppl["dive-scratch"] == pytest.approx(r.train_ppl["book"], rel=1e-4)
    # forward + backward of an LSTM step is ~3 x 2 x 4H(D + H) FLOPs per token plus the output layer
    expected = 3 * 2 * (4 * 16 * (10 + 16) + 16 * 10)
    assert 0.8 * expected < r.flops_per_token < 1.3 * expected
    assert "tokens/s" in format_lstm_bench(r)
    with pytest.raises(ConfigError):
        run_lstm_bench(corpus, 10, variants=["dive+cuda"])
    from dive.core.precision import precision_plan

    assert r.ran_as["dive+bf16"] == precision_plan("bf16").effective
    if r.ran_as["dive+bf16"] == "bf16":
        assert r.train_ppl["dive+bf16"] != r.train_ppl["dive"]  # bf16 autocast really ran: rounding differs
    else:  # no bf16 kernels on this CPU (AVX2): the same fp32 run, and the table says so
        assert r.train_ppl["dive+bf16"] == r.train_ppl["dive"] and "dive+bf16=fp32" in format_lstm_bench(r)


def test_bench_says_what_bf16_is_on_this_cpu():
    from dive.bench.harness import precision_line
    from dive.core.precision import cpu_support

    line = precision_line("bf16")
    assert line.startswith("bf16 on this CPU: ") and "x fp32's time" in line
    expected = {"native": "native (", "emulated": "emulated", "unavailable": "train in fp32"}
    assert expected[cpu_support("bf16").kind] in line


@pytest.mark.isa
def test_transformer_bench_trains_both_loops_and_times_decoding():
    from dive.bench.transformer import book_masked_ce, run_decode_bench, run_training_bench

    medians = run_training_bench(n=256, vocab=50, rounds=1, log=lambda s: None)
    assert set(medians) == {"book", "dive", "dive+bf16"} and all(v > 0 for v in medians.values())
    decode = run_decode_bench(lengths=(4,), batch=2, log=lambda s: None)
    assert decode[4]["kv"] > 0 and decode[4]["recompute"] > 0
    from dive.bench.transformer import training_flops_per_token

    small, big = training_flops_per_token(vocab=50, batch=4), training_flops_per_token(vocab=4000, batch=4)
    assert 0 < small < big  # the output layer's matmul grows with the vocabulary
    import torch

    pred = torch.zeros(1, 3, 5)
    pred[0, :, 2] = 10.0
    loss = book_masked_ce(pred, torch.tensor([[2, 0, 0]]), torch.tensor([1]))  # only step 0 counts, and it is right
    assert loss.item() < 1e-3


def test_threads_and_compile_benches_report_their_tables():
    from dive.bench.perf import format_compile, format_threads, threads_bench

    rows = threads_bench("softmax-regression", batch=8, steps=2, threads=(1, 2))
    assert [r["threads"] for r in rows] == [1, 2] and all(r["step_ms"] > 0 for r in rows)
    assert "threads" in format_threads(rows)
    fake = [{"model": "m", "eager_ms": 2.0, "compiled_ms": 1.0, "first_compiled_s": 1.0, "break_even_steps": 999.0}]
    assert "2.00x" in format_compile(fake) and "999 steps" in format_compile(fake)


@pytest.mark.slow
def test_compile_bench_compiles_a_small_model():
    from dive.bench.perf import compile_bench

    (row,) = compile_bench(models=("softmax-regression",), batch=8, steps=2)
    assert row["first_compiled_s"] > row["compiled_ms"] / 1e3  # the first call pays for compilation
