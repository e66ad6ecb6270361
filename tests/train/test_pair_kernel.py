"""Word2vec's compiled pair update (`dive.train.pair_kernel`) and the loader's compiled segment gather, against
the torch ops they replace."""

import pytest
import torch

import dive.data.word_windows as ww
import dive.train.embedding as emb
from dive.data.word_windows import PairLoader, flat_pairs, topic_sentences, trim_padding, word2vec_data
from dive.models.word2vec import CBOW, FastTextSkipGram, SkipGram
from dive.train import pair_kernel
from dive.train.embedding import SparseSGD, word2vec_sgd

numba = pytest.importorskip("numba")


def _flat(cbow=False, n=96, seed=1):
    data, vocab, _ = word2vec_data(topic_sentences(n_sentences=200, seed=seed), min_freq=1, threshold=1e-2, cbow=cbow)
    idx = torch.arange(n)
    batch = trim_padding((data.centers[idx], data.contexts_negatives[idx], data.masks[idx], data.labels[idx]))
    return flat_pairs(batch), vocab


def _model(kind, vocab):
    torch.manual_seed(0)
    if kind == "fasttext":
        return FastTextSkipGram(len(vocab), 40, torch.randint(0, 41, (len(vocab), 4)), 8, sparse=True)
    if kind.startswith("cbow"):
        return CBOW(len(vocab), 8, sparse=True, context_grad="whole" if kind == "cbow-whole" else "mean")
    return SkipGram(len(vocab), 8, sparse=True)


def _train(kind, compiled, monkeypatch, steps=4):
    flat, vocab = _flat(cbow=kind.startswith("cbow"))
    model = _model(kind, vocab)
    step, opt = word2vec_sgd(model, 0.5, 96, total_steps=6)
    losses = []
    with monkeypatch.context() as m:
        if not compiled:
            m.setattr(emb, "kernel_available", lambda *t: False)
        for _ in range(steps):
            opt.zero_grad()
            out = step(None, flat)
            if out.loss.requires_grad:
                out.loss.backward()
            opt.step()
            losses += [float(out.loss), float(out.parts["bce"])]
    return [p.detach().clone() for p in model.parameters()], losses


@pytest.mark.parametrize("kind", ["skipgram", "cbow", "cbow-whole", "fasttext"])
def test_the_compiled_update_equals_the_torch_ops(kind, monkeypatch):
    """Skip-gram: both tables in the compiled pass; CBOW and fastText: the predicted-word table there, the input
    side through autograd. Same tables and losses after several steps, repeated words included."""
    want, want_losses = _train(kind, False, monkeypatch)
    got, losses = _train(kind, True, monkeypatch)
    for a, b in zip(got, want):
        assert torch.allclose(a, b, atol=1e-6)
    assert losses == pytest.approx(want_losses, abs=1e-5)


def test_the_compiled_update_does_not_depend_on_the_number_of_threads(monkeypatch):
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            monkeypatch.setattr(torch, "get_num_threads", lambda n=threads: n)
            results.append(_train("skipgram", True, monkeypatch)[0])
    finally:
        numba.set_num_threads(before)
    assert all(torch.equal(a, b) for a, b in zip(*results))


def _kernel_args():
    g = torch.Generator().manual_seed(0)
    h, table = torch.randn(3, 4, generator=g), torch.randn(6, 4, generator=g)
    rows, words = torch.tensor([0, 0, 1, 2, 2]), torch.tensor([5, 1, 1, 0, 5])
    return h, table, rows, words, torch.tensor([1.0, 0, 1, 1, 0])


def test_unsorted_rows_take_the_torch_path_and_bad_ids_raise_with_nothing_written():
    h, table, rows, words, labels = _kernel_args()
    before = table.clone()
    assert pair_kernel.pair_update(h, table, rows.flip(0), words, labels, 0.1, True) is None
    assert torch.equal(table, before)
    with pytest.raises(IndexError, match="out of range"):
        pair_kernel.pair_update(h, table, rows, torch.tensor([5, 1, 6, 0, 5]), labels, 0.1, True)
    with pytest.raises(IndexError, match="out of range"):
        pair_kernel.pair_update(
            h,
            table,
            rows,
            words,
            labels,
            0.1,
            True,
            inputs=(table.clone(), torch.tensor([[0], [9], [1]]), -1, False, False, 0.1),
        )
    assert torch.equal(table, before)


def test_the_kernel_is_used_only_where_it_runs(monkeypatch):
    h, table, *_ = _kernel_args()
    assert pair_kernel.kernel_available(table, h)
    assert not pair_kernel.kernel_available(table.double(), h)  # float32 only
    assert not pair_kernel.kernel_available(table.t(), h)  # contiguous only
    monkeypatch.setattr(pair_kernel, "HAVE_NUMBA", False)  # numba not installed: the torch path
    assert not pair_kernel.kernel_available(table, h)


def test_the_loaders_compiled_gather_equals_its_torch_ops(monkeypatch):
    data, _, _ = word2vec_data(topic_sentences(n_sentences=300, seed=4), min_freq=1, threshold=1e-2)
    compiled = list(PairLoader(data, 50, seed=2).epoch(1))
    monkeypatch.setattr(ww, "HAVE_NUMBA", False)  # numba not installed: the torch ops
    plain = list(PairLoader(data, 50, seed=2).epoch(1))
    assert len(compiled) == len(plain) > 3
    assert all(all(torch.equal(x, y) for x, y in zip(p, q)) for p, q in zip(compiled, plain))


def test_sparse_sgd_reports_the_rate_the_compiled_update_uses():
    p = torch.nn.Parameter(torch.zeros(3, 2))
    opt = SparseSGD([p], lr=2.0, total_steps=4)
    assert opt.current_rate(p) == (2.0, True)
    p.grad = torch.zeros(3, 2)
    opt.step()
    assert opt.current_rate(p) == (1.5, True)


def test_cbow_whole_gives_each_context_the_whole_gradient_of_their_mean(f64):
    torch.manual_seed(0)
    mean, whole = CBOW(9, 4), CBOW(9, 4, context_grad="whole")
    whole.load_state_dict(mean.state_dict())
    contexts = torch.tensor([[1, 2, 3, 0], [4, 4, 0, 0]])  # padding 0; a repeated context word
    assert torch.equal(mean.encode(contexts), whole.encode(contexts))  # the same forward: the mean
    g = torch.randn(2, 4)
    (mean.encode(contexts) * g).sum().backward()
    (whole.encode(contexts) * g).sum().backward()
    assert torch.allclose(whole.embed_v.weight.grad[1], g[0]) and torch.allclose(mean.embed_v.weight.grad[1], g[0] / 3)
    assert torch.allclose(whole.embed_v.weight.grad[4], 2 * g[1]) and whole.embed_v.weight.grad[0].abs().sum() == 0
