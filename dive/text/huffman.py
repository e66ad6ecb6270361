"""The Huffman tree of hierarchical softmax (book §15.2.2): a binary tree with one leaf per word.

Frequent words get short paths, so the expected path length is the entropy of the word distribution, about
log2(V) at most. P(w | c) is the product, along w's path from the root, of sigmoid(+-u_n . v_c) at each inner node
n: + for a step to the left child (code 0), - for the right (code 1). As sigmoid(x) + sigmoid(-x) = 1 at every
node, the leaf probabilities sum to 1 with no normalisation over the vocabulary.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import torch
from torch import Tensor


def huffman_paths(counts: Sequence[int] | Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Word counts (V,) -> (points (V, D) int64: the inner nodes on each word's path, root first, 0-padded;
    codes (V, D) int64: 0 = left, 1 = right; lengths (V,) int64). Inner nodes are numbered 0..V-2, the root V-2.
    Ties are broken by node id, so the same counts always give the same tree."""
    counts = [int(c) for c in counts]
    v = len(counts)
    if v < 2:
        raise ValueError(f"a Huffman tree needs at least 2 words, got {v}")
    heap = [(c, i) for i, c in enumerate(counts)]  # leaves 0..V-1, inner nodes V..2V-2
    heapq.heapify(heap)
    parent, code = [0] * (2 * v - 1), [0] * (2 * v - 1)
    for inner in range(v, 2 * v - 1):
        (c1, a), (c2, b) = heapq.heappop(heap), heapq.heappop(heap)
        parent[a], code[a], parent[b], code[b] = inner, 0, inner, 1
        heapq.heappush(heap, (c1 + c2, inner))
    root = 2 * v - 2
    paths, codes = [], []
    for w in range(v):
        p, c, node = [], [], w
        while node != root:
            p.append(parent[node] - v)
            c.append(code[node])
            node = parent[node]
        paths.append(p[::-1])
        codes.append(c[::-1])
    depth = max(len(p) for p in paths)
    points = torch.tensor([p + [0] * (depth - len(p)) for p in paths])
    code_t = torch.tensor([c + [0] * (depth - len(c)) for c in codes])
    return points, code_t, torch.tensor([len(p) for p in paths])
