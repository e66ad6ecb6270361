"""English-French data (book §10.5): preprocessing, arrays with valid lengths, the source-disjoint split."""

import pytest
import torch

from dive.data import (
    build_arrays,
    build_vocab,
    fake_translation_text,
    pad_or_trim,
    parse_pairs,
    preprocess_nmt,
    read_fra_eng,
    split_by_source,
)
from dive.plot import plot_length_histogram


def test_preprocess_as_the_book():
    assert preprocess_nmt("Go.\tVa !") == "go .\tva !"
    assert preprocess_nmt("I lost.\tJ'ai perdu.") == "i lost .\tj'ai perdu ."
    assert preprocess_nmt("Hi!\u202fOk,\xa0yes?") == "hi ! ok , yes ?"


def test_parse_pairs_and_arrays():
    src, tgt = parse_pairs("Go.\tVa !\nI lost.\tJ'ai perdu.\nno tab here\n")
    assert src == [["go", "."], ["i", "lost", "."]] and tgt == [["va", "!"], ["j'ai", "perdu", "."]]
    assert parse_pairs("a.\tb.\nc.\td.\n", max_examples=1)[0] == [["a", "."]]
    assert pad_or_trim(["a", "b", "c"], 2) == ["a", "b"] and pad_or_trim(["a"], 3) == ["a", "<pad>", "<pad>"]
    sv, tv = build_vocab(src, min_freq=1), build_vocab(tgt, min_freq=1)
    assert [sv.to_tokens(i) for i in range(4)] == ["<unk>", "<pad>", "<bos>", "<eos>"]
    arr = build_arrays(src, tgt, 4, sv, tv)
    assert sv.to_tokens(arr.enc_X[1].tolist()) == ["i", "lost", ".", "<eos>"]
    assert arr.enc_valid_len.tolist() == [3, 4]
    assert tv.to_tokens(arr.dec_X[0].tolist()) == ["<bos>", "va", "!", "<eos>"]
    assert tv.to_tokens(arr.Y[0].tolist()) == ["va", "!", "<eos>", "<pad>"]
    assert torch.equal(arr.dec_X[:, 1:], arr.Y[:, :-1])  # teacher forcing: the input is the label shifted right
    with pytest.raises(ValueError):
        build_arrays(src, tgt[:1], 4, sv, tv)


def test_split_never_mixes_a_source_and_is_deterministic():
    src, _ = parse_pairs(fake_translation_text(500, seed=0))
    train, valid, test = split_by_source(src, (0.6, 0.2))
    assert sorted(train + valid + test) == list(range(len(src)))
    key = [" ".join(s) for s in src]
    seen = {}
    for name, part in (("train", train), ("valid", valid), ("test", test)):
        for i in part:
            assert seen.setdefault(key[i], name) == name
    assert split_by_source(src, (0.6, 0.2)) == (train, valid, test) and len(valid) > 0 and len(test) > 0


def test_real_fra_eng_and_length_histogram(data_root, tmp_path):
    src, tgt = parse_pairs(read_fra_eng(data_root))
    assert len(src) == 167130 and src[0] == ["go", "."] and tgt[0] == ["va", "!"]
    assert plot_length_histogram([len(s) for s in src], [len(t) for t in tgt], tmp_path / "h.png").stat().st_size
    train, valid, test = split_by_source(src)
    assert 0.88 < len(train) / len(src) < 0.92 and not {" ".join(src[i]) for i in test} & {
        " ".join(src[i]) for i in train
    }


def test_trimmed_batches_give_the_transformer_the_same_loss():
    """`trim_padding` drops only all-padding columns, which the Transformer masks out: same loss, fewer steps."""
    from dive.data import trim_padding
    from dive.models import Transformer
    from dive.train import sequence_loss

    src, tgt = parse_pairs(fake_translation_text(seed=0), 64)
    sv, tv = build_vocab(src, min_freq=1), build_vocab(tgt, min_freq=1)
    arr = build_arrays(src, tgt, 20, sv, tv)
    pad = tv["<pad>"]
    batch = arr.tensors()
    short = trim_padding(batch, pad)
    assert short[0].shape[1] == int(arr.enc_valid_len.max()) < 20 and short[1].shape == short[3].shape
    assert torch.equal(arr.lengths(pad), torch.maximum(arr.enc_valid_len, (arr.Y != pad).sum(1)))
    torch.manual_seed(0)
    model = Transformer(len(sv), len(tv), num_hiddens=32, ffn_num_hiddens=16, num_heads=4, num_blks=2, dropout=0.0)
    losses = [sequence_loss(model(*b[:3]), b[3], ignore_index=pad) for b in (batch, short)]
    torch.testing.assert_close(losses[0], losses[1], rtol=1e-5, atol=1e-6)
