"""BLEU worked out by hand, its agreement with sacrebleu, and beam search against exhaustive search."""

import math

import pytest
import sacrebleu
import torch

from dive.text import beam_search, bleu, corpus_bleu, exhaustive_search, greedy_search, index_state


def test_bleu_hand_worked_cases():
    assert bleu("a b c d", "a b c d", k=2) == 1.0
    # prediction shorter than the label: all n-grams match, brevity penalty exp(1 - 4/2)
    assert bleu("a b", "a b c d", k=2) == pytest.approx(math.exp(-1))
    # no matching bigram: p2 = 0 makes BLEU 0
    assert bleu("a c", "a b c", k=2) == 0.0
    # clipping: "the" appears once in the label, so 1 of 3 unigrams matches; no brevity penalty (3 >= 2)
    assert bleu("the the the", "the cat", k=1) == pytest.approx((1 / 3) ** 0.5)
    # p1 = 4/4, p2 = 1/3 (only "a b" of "a b", "b d", "d c" matches), equal lengths: 1 * (1/3)^(1/4)
    assert bleu("a b d c", "a b c d", k=2) == pytest.approx((1 / 3) ** 0.25)
    # p1 = 3/4 ("x" is not in the label), p2 = 1/3: (3/4)^(1/2) * (1/3)^(1/4)
    assert bleu("a b x c", "a b c d", k=2) == pytest.approx(0.75**0.5 * (1 / 3) ** 0.25)
    assert bleu(["il", "a", "perdu", "."], "il a perdu .", k=2) == 1.0  # token lists or strings
    assert bleu("", "a b") == 0.0
    with pytest.raises(ValueError):
        bleu("a", "a", k=0)


@pytest.mark.parametrize(
    "pred,label",
    [
        ("the cat sat on the mat today", "the cat sat on the mat"),
        ("a cat sat on the red mat", "the cat sat on the mat by the door"),
        ("je suis à la maison .", "je suis chez moi à la maison ."),
    ],
)
def test_uniform_weights_agree_with_sacrebleu_sentence_bleu(pred, label):
    ours = bleu(pred, label, k=4, weights="uniform")
    ref = sacrebleu.sentence_bleu(pred, [label], smooth_method="none", tokenize="none").score / 100
    assert ours == pytest.approx(ref, abs=1e-9)


def test_book_and_standard_bleu_coincide_when_every_precision_is_one():
    pred, label = "je suis à la", "je suis à la maison ."
    expected = math.exp(1 - 6 / 4)  # only the brevity penalty remains
    assert bleu(pred, label, k=4) == pytest.approx(expected)
    assert sacrebleu.sentence_bleu(pred, [label], tokenize="none").score / 100 == pytest.approx(expected)


def test_corpus_bleu_is_sacrebleus_score():
    preds, labels = ["il a perdu .", "je suis calme ."], ["il a perdu .", "je suis calme ."]
    assert corpus_bleu(preds, labels) == pytest.approx(100.0)
    with pytest.raises(ValueError):
        corpus_bleu(preds, labels[:1])


def test_corpus_bleu_takes_the_books_tokenized_text_without_warnings(capsys, caplog):
    lines = [f"il a perdu {i} ." for i in range(120)]  # sacrebleu warns from 100 lines ending in " ."
    assert corpus_bleu(lines, lines) == pytest.approx(100.0)
    assert "detokenize" not in capsys.readouterr().err + caplog.text


def _markov_step(table):
    """A 'model' whose next-token log-probabilities depend only on the previous token (the state counts steps)."""

    def step(prev, state):
        return table[prev], state + 1

    return step


@pytest.mark.parametrize("seed", range(5))
def test_large_beam_finds_the_exhaustive_optimum(seed):
    g = torch.Generator().manual_seed(seed)
    V, eos, bos = 4, 0, 3
    table = torch.log_softmax(torch.randn(V, V, generator=g) * 2, dim=-1)
    step = _markov_step(table)
    state = torch.zeros(1)
    best = exhaustive_search(step, state, bos, eos, max_len=4, alpha=0.75)
    beam = beam_search(step, state, bos, eos, max_len=4, beam_size=V**4, alpha=0.75)
    assert beam.tokens == best.tokens and beam.log_prob == pytest.approx(best.log_prob)
    greedy = greedy_search(step, state, bos, eos, max_len=4)
    assert greedy.score(0.75) <= best.score(0.75) + 1e-9
    one = beam_search(step, state, bos, eos, max_len=4, beam_size=1, alpha=0.0)
    assert one.tokens == greedy.tokens  # a beam of one is greedy search


def test_beam_search_can_beat_greedy():
    # from bos: 'a' (0.6) then a flat 1/3 each; 'b' (0.4) then eos with 0.9. Greedy takes 'a'; the beam finds b, eos.
    eos, a, b, bos = 0, 1, 2, 3
    probs = torch.full((4, 4), 1e-9)
    probs[bos, a], probs[bos, b] = 0.6, 0.4
    probs[a, :3] = 1 / 3
    probs[b, eos], probs[b, a] = 0.9, 0.1
    probs[:, :][eos] = 1e-9
    probs[eos, eos] = 1.0
    table = torch.log(probs / probs.sum(1, keepdim=True))
    step = _markov_step(table)
    greedy = greedy_search(step, torch.zeros(1), bos, eos, max_len=2)
    beam = beam_search(step, torch.zeros(1), bos, eos, max_len=2, beam_size=2, alpha=0.0)
    assert greedy.tokens[0] == a and beam.tokens == (b, eos) and beam.log_prob > greedy.log_prob


def test_index_state_handles_nested_states():
    state = {"h": torch.arange(3)[:, None], "kv": [(torch.arange(3), torch.arange(3) * 2)]}
    out = index_state(state, torch.tensor([2, 2, 0]))
    assert out["h"].flatten().tolist() == [2, 2, 0] and out["kv"][0][1].tolist() == [4, 4, 0]
    with pytest.raises(ValueError):
        beam_search(_markov_step(torch.zeros(2, 2)), None, 1, 0, 3, beam_size=0)
