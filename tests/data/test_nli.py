"""NLI data (book §16.4): SNLI's txt and jsonl layouts on written fixtures, SICK's splits, the book's text."""

import gzip
import json

import pytest

from dive.core import DiveError
from dive.data.nli import (
    encode_sentences,
    extract_text,
    nli_arrays,
    nli_vocab,
    read_sick,
    read_snli,
    read_snli_file,
    split_words,
)

ROWS = [  # (gold, parse 1, parse 2)
    ("neutral", "( ( A person ) ( ( is ( on ( a horse ) ) ) . ) )", "( ( A person ) ( is ( training horse ) ) )"),
    ("-", "( A dog )", "( A cat )"),  # no majority: dropped, as the book does
    ("contradiction", "( ( Two women ) ( are hugging ) )", "( ( The women ) ( are sleeping ) )"),
    ("entailment", "( ( Kids ) ( smile . ) )", "( Kids ( are happy ) )"),
]


def write_snli(folder, split, kind):
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "txt":
        lines = ["gold_label\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse"]
        lines += [f"{g}\t{a}\t{b}\t(ROOT)\t(ROOT)" for g, a, b in ROWS]
        path = folder / f"snli_1.0_{split}.txt"
        path.write_text("\n".join(lines) + "\n")
        return path
    text = "".join(json.dumps({"gold_label": g, "sentence1_binary_parse": a, "sentence2_binary_parse": b,
                               "sentence1": "x", "sentence2": "y"}) + "\n" for g, a, b in ROWS)  # fmt: skip
    path = folder / f"snli_1.0_{split}.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(text)
    return path


def test_extract_text_is_the_books():
    assert extract_text("( ( A person ) ( ( is ( on ( a horse ) ) ) . ) )") == ["A", "person", "is", "on", "a",
                                                                               "horse", "."]  # fmt: skip
    assert split_words("A man's dog, running.") == ["A", "man's", "dog", ",", "running", "."]


@pytest.mark.parametrize("kind", ["txt", "jsonl"])
def test_the_books_train_file_layouts_read_the_same(tmp_path, kind):
    pairs = read_snli_file(write_snli(tmp_path, "train", kind))
    assert pairs.labels == [2, 1, 0] and pairs.premises[0] == ["A", "person", "is", "on", "a", "horse", "."]
    lowered = read_snli_file(write_snli(tmp_path / "l", "train", kind), lower=True)
    assert lowered.premises[1] == ["two", "women", "are", "hugging"]


def test_bad_files_and_labels_are_one_clear_error(tmp_path):
    (tmp_path / "snli_1.0_train.txt").write_text("no\theader\there\nrow\tx\ty\n")
    with pytest.raises(DiveError, match="is not an SNLI file"):
        read_snli_file(tmp_path / "snli_1.0_train.txt")
    bad = tmp_path / "b" / "snli_1.0_train.txt"
    bad.parent.mkdir()
    bad.write_text("gold_label\tsentence1_binary_parse\tsentence2_binary_parse\nmaybe\t( a )\t( b )\n")
    with pytest.raises(DiveError, match="label 'maybe' is not one of entailment, contradiction, neutral"):
        read_snli_file(bad)


def test_vocab_and_arrays_pad_and_cut(tmp_path):
    pairs = read_snli_file(write_snli(tmp_path, "train", "txt"), lower=True)
    vocab = nli_vocab(pairs, min_freq=2)
    assert vocab.idx_to_token[:2] == ["<unk>", "<pad>"] and "women" in vocab and "horse" in vocab
    ids, lengths = encode_sentences([["women", "are"], ["a"] * 9], vocab, 4)
    assert ids.shape == (2, 4) and lengths.tolist() == [2, 4] and ids[0, 2:].tolist() == [1, 1]
    P, lp, H, lh, y = nli_arrays(pairs, vocab, 5)
    assert P.shape == H.shape == (3, 5) and y.tolist() == [2, 1, 0]


@pytest.mark.slow
def test_the_real_snli_and_sick_counts(data_root):
    assert len(read_snli(data_root, "dev")) == 9842 and len(read_snli(data_root, "test")) == 9824
    sizes = {s: len(read_sick(data_root, s)) for s in ("TRAIN", "TRIAL", "TEST")}
    assert sizes == {"TRAIN": 4439, "TRIAL": 495, "TEST": 4906}
    with pytest.raises(DiveError, match="no SNLI train split"):
        read_snli(data_root, "train")


def test_bert_pairs_are_the_books_format_and_cut_the_longer_sentence():
    from dive.data.nli import Pairs, bert_pair_arrays
    from dive.text import Vocab

    vocab = Vocab([["a", "b", "c", "d"]], reserved_tokens=["<pad>", "<mask>", "<cls>", "<sep>"])
    pairs = Pairs([["a", "b", "c", "d"], ["a"]], [["c"], ["b", "c"]], [0, 2])
    tokens, segments, lens, y = bert_pair_arrays(pairs, vocab, max_len=7)
    assert vocab.to_tokens(tokens[0].tolist()) == ["<cls>", "a", "b", "c", "<sep>", "c", "<sep>"]  # premise cut
    assert segments[0].tolist() == [0, 0, 0, 0, 0, 1, 1] and lens.tolist() == [7, 6] and y.tolist() == [0, 2]
    assert vocab.to_tokens(tokens[1].tolist()) == ["<cls>", "a", "<sep>", "b", "c", "<sep>", "<pad>"]
    assert segments[1].tolist() == [0, 0, 0, 1, 1, 1, 0]
