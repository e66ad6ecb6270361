"""fastText's subwords (book §15.6.1): the book's example, the table, vectors for unseen words."""

import pytest
import torch

from dive.text.subwords import SubwordTable, char_ngrams


def test_the_books_where_example():
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]
    assert len(char_ngrams("where")) == 5 + 4 + 3 + 2 + 1  # n = 3..6, plus the word
    with pytest.raises(ValueError):
        char_ngrams("a", 4, 3)


def test_the_table_pads_and_an_unseen_word_keeps_its_shared_ngrams():
    t = SubwordTable(["help", "helps"], 3, 3)
    m = t.matrix(["help", "helped"])
    assert m.shape[0] == 2 and (m[1] == t.pad).sum() > 0
    assert [t.grams[i] for i in t.ids("helped")] == ["<he", "hel", "elp"]  # "lpe", "ped", "ed>" were never seen


def test_fasttext_centre_vectors_are_sums_of_subword_vectors():
    from dive.models.word2vec import FastTextSkipGram

    t = SubwordTable(["ab", "abc"], 2, 3)
    words = t.matrix(["", "ab", "abc"])
    words[0] = t.pad
    model = FastTextSkipGram(3, t.pad, words, 4)
    want = model.subwords.weight[t.ids("abc")].sum(0)
    assert torch.allclose(model.vectors[2], want) and (model.vectors[0] == 0).all()
    assert model(torch.tensor([2]), torch.tensor([[1, 2]])).shape == (1, 2)
