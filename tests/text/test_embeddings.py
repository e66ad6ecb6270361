"""Word vectors (book §15.7): nearest words, analogies, the text formats, dive's own files, the benchmarks."""

import pytest
import torch

from dive.core import DiveError
from dive.text import Vocab
from dive.text.embeddings import WordVectors, analogy_accuracy, wordsim_spearman


def toy() -> WordVectors:
    # man/woman and king/queen differ by the same "gender" direction; son/daughter too
    words = ["man", "woman", "king", "queen", "son", "daughter", "apple"]
    vecs = torch.tensor([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [2, 0, 0.2], [2, 1, 0.2], [-1, -1, -1]])
    vocab = Vocab(words)
    rows = torch.zeros(len(vocab), 3)
    for w, v in zip(words, vecs):
        rows[vocab[w]] = v
    return WordVectors(rows, vocab)


def test_analogy_and_similarity_exclude_the_query_words():
    wv = toy()
    assert wv.analogy("man", "woman", "king")[0][0] == "queen"
    assert wv.analogy("man", "woman", "son")[0][0] == "daughter"
    near = wv.similar("man", 2)
    assert "man" not in [w for w, _ in near] and near[0][1] >= near[1][1]
    with pytest.raises(DiveError, match="'kinng' is not in the vocabulary.*nearest known spellings: king"):
        wv.similar("kinng")


def test_glove_fasttext_and_word2vec_text_formats_and_a_ragged_line(tmp_path):
    (tmp_path / "glove.txt").write_text("the 0.1 0.2\ncat 1 2\n")
    (tmp_path / "ft.vec").write_text("2 2\nthe 0.1 0.2\ncat 1 2\n")
    for name in ("glove.txt", "ft.vec"):
        wv = WordVectors.from_text(tmp_path / name)
        assert wv.vocab.idx_to_token == ["<unk>", "the", "cat"] and wv.vectors[2].tolist() == [1.0, 2.0]
    (tmp_path / "bad.txt").write_text("the 0.1 0.2\ncat 1 2 3\n")
    with pytest.raises(DiveError, match=r"bad.txt:2: 3 numbers where the file's vectors have 2"):
        WordVectors.from_text(tmp_path / "bad.txt")
    with pytest.raises(DiveError, match="no word-vector file"):
        WordVectors.from_text(tmp_path / "none.txt")


def test_dive_vectors_round_trip_through_safetensors_and_json(tmp_path):
    wv = toy()
    wv.save(tmp_path)
    back = WordVectors.load(tmp_path)
    assert torch.equal(back.vectors, wv.vectors) and back.vocab.idx_to_token == wv.vocab.idx_to_token
    with pytest.raises(DiveError, match="no word vectors in"):
        WordVectors.load(tmp_path / "elsewhere")


def test_benchmarks_count_only_covered_questions_and_pairs(tmp_path):
    (tmp_path / "q.txt").write_text(": family\nman woman king queen\nman woman son daughter\nman woman boy girl\n")
    a = analogy_accuracy(toy(), tmp_path / "q.txt")
    assert a == {"accuracy": 1.0, "answered": 2, "total": 3}
    (tmp_path / "ws.tsv").write_text("# header\nking\tqueen\t7.0\nman\tapple\t1.0\nson\tdaughter\t8.0\nboy\tgirl\t8\n")
    s = wordsim_spearman(toy(), tmp_path / "ws.tsv")
    assert s["pairs"] == 3 and s["total"] == 4 and s["spearman"] == pytest.approx(1.0)
