"""The Huffman tree of hierarchical softmax (book §15.2.2): codes worked by hand, probabilities that sum to 1."""

import pytest
import torch

from dive.text.huffman import huffman_paths


def test_the_textbook_example_gives_the_textbook_code_lengths():
    # CLRS's example: frequencies a:45 b:13 c:12 d:16 e:9 f:5 -> code lengths 1, 3, 3, 3, 4, 4
    points, codes, lengths = huffman_paths([45, 13, 12, 16, 9, 5])
    assert lengths.tolist() == [1, 3, 3, 3, 4, 4]
    words = [tuple(c[:n].tolist()) for c, n in zip(codes, lengths)]
    assert len(set(words)) == 6 and all(not b[: len(a)] == a for a in words for b in words if a != b)  # prefix-free
    assert (points[:, 0] == 4).all()  # every path starts at the root, inner node V - 2
    assert sum(45 * 0 + f * n for f, n in zip([45, 13, 12, 16, 9, 5], lengths.tolist())) == 224  # CLRS: 224 bits


def test_leaf_probabilities_sum_to_one_for_any_centre_vector(f64):
    from dive.models.word2vec import HierarchicalSkipGram

    counts = torch.randint(1, 1000, (37,), generator=torch.Generator().manual_seed(0))
    model = HierarchicalSkipGram(37, 8, *huffman_paths(counts))
    torch.nn.init.normal_(model.inner.weight)  # away from the all-1/2 start
    all_words = torch.arange(37)[None].expand(3, 37)
    logp = model(torch.tensor([0, 5, 36]), all_words)
    assert torch.allclose(logp.exp().sum(1), torch.ones(3, dtype=torch.float64))


def test_a_tree_needs_two_words():
    with pytest.raises(ValueError, match="at least 2 words"):
        huffman_paths([3])
