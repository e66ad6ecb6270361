"""Word2vec (book §15.1, 15.2, 15.4): skip-gram and CBOW with negative sampling, as two embedding tables, and
skip-gram with hierarchical softmax.

Each word has two vectors: `embed_v` as a centre word (skip-gram) or as a context word being averaged (CBOW), and
`embed_u` as the word being predicted. A pair's score is the dot product u_o . v_c, read as a logit: sigmoid of it
is the probability that o really occurred near c (a context) rather than being drawn from the noise distribution.
After training the `embed_v` rows are the word vectors, as in the book.

Each negative-sampling model also scores a batch as flat (row, word) pairs, `pair_logits`: the book's padded
(B, L) layout carries ~56% padding on PTB, and word2vec's own trainer (the fast path, `dive.train.embedding`)
updates only the real pairs. With `sparse=True` the tables' gradients are the looked-up rows only.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dive.text.subwords import SubwordTable


class PairDot(torch.autograd.Function):
    """pair_dot(h (B, E), table (V, E), rows (P,), words (P,)) -> (P,): h[rows] . table[words], row by row.

    Written out because autograd's version spends more on bookkeeping than on arithmetic here: its backward
    builds the table's gradient from the P looked-up rows only, a sparse (V, E) tensor, whatever the table's
    `sparse` flag (the looked-up rows repeat; whoever applies it sums them, as `index_add_` does)."""

    @staticmethod
    def forward(ctx, h: Tensor, table: Tensor, rows: Tensor, words: Tensor) -> Tensor:
        u, hr = table.index_select(0, words), h.index_select(0, rows)
        ctx.save_for_backward(u, hr, rows, words)
        ctx.shape = (h.shape[0], table.shape)
        return torch.linalg.vecdot(u, hr)

    @staticmethod
    def backward(ctx, grad: Tensor):
        u, hr, rows, words = ctx.saved_tensors
        n_rows, table_shape = ctx.shape
        g = grad[:, None]
        grad_h = torch.zeros(n_rows, u.shape[1], dtype=u.dtype, device=u.device).index_add_(0, rows, g * u)
        grad_table = torch.sparse_coo_tensor(words[None], g * hr, table_shape, check_invariants=False)
        return grad_h, grad_table, None, None


class PairScores:
    """`pair_logits(x, rows (P,), words (P,)) -> (P,)`: for each real entry, the score u_word . h_row, where
    h = `encode(x)` (B, E) is each row's input vector. The same logits as `forward`, without the padding."""

    def pair_logits(self, x: Tensor, rows: Tensor, words: Tensor) -> Tensor:
        return PairDot.apply(self.encode(x), self.embed_u.weight, rows, words)

    def input_lookup(self, x: Tensor) -> tuple[Tensor, Tensor, int, bool, bool] | None:
        """(table (V, E), ids (B, G), pad, mean, share) when `encode(x)[b]` is the sum (the mean if `mean`) of
        table's rows ids[b] other than `pad` (skip-gram: one row, G = 1; fastText: the word's n-grams; CBOW: the
        contexts' mean), so a trainer may compute it and update those rows directly; `share`: each row's gradient
        is 1/n of h's (the true gradient of a mean), else all of it. None for any other encoder."""
        return None


class SkipGram(PairScores, nn.Module):
    """forward(center (B,), contexts_negatives (B, L)) -> logits (B, L): the centre's vector against each word's
    predicted-word vector (the book's `skip_gram`, which returns (B, 1, L))."""

    def __init__(self, vocab_size: int, embed_size: int = 100, sparse: bool = False) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size, sparse=sparse)
        self.embed_u = nn.Embedding(vocab_size, embed_size, sparse=sparse)
        for emb in (self.embed_v, self.embed_u):
            nn.init.xavier_uniform_(emb.weight)  # the book's init_weights

    def encode(self, center: Tensor) -> Tensor:
        return self.embed_v(center)  # (B, E)

    def input_lookup(self, center: Tensor) -> tuple[Tensor, Tensor, int, bool, bool]:
        return self.embed_v.weight, center[:, None], -1, False, False

    def forward(self, center: Tensor, contexts_negatives: Tensor) -> Tensor:
        u = self.embed_u(contexts_negatives)  # (B, L, E)
        return torch.bmm(u, self.encode(center)[:, :, None])[:, :, 0]  # (B, L)

    @property
    def vectors(self) -> Tensor:
        """The word vectors (V, E): the centre-word table."""
        return self.embed_v.weight.detach()


class CBOW(PairScores, nn.Module):
    """Continuous bag of words (book §15.1.4): the mean of the context words' vectors predicts the centre.
    forward(contexts (B, C) with 0 = padding, targets (B, T): the centre then noise words) -> logits (B, T).

    `context_grad`: what each context vector learns from the gradient g of their mean. "mean": g / n, the true
    gradient (the book's). "whole": all of g, as word2vec.c and gensim (cbow_mean=1) do: each context word is
    pushed as if it alone had made the prediction, which trains faster with word2vec's SGD (its forward is the
    same mean)."""

    def __init__(
        self, vocab_size: int, embed_size: int = 100, sparse: bool = False, context_grad: str = "mean"
    ) -> None:
        super().__init__()
        if context_grad not in ("mean", "whole"):
            raise ValueError(f"context_grad is mean or whole, got {context_grad!r}")
        self.context_grad = context_grad
        self.embed_v = nn.Embedding(vocab_size, embed_size, sparse=sparse)
        self.embed_u = nn.Embedding(vocab_size, embed_size, sparse=sparse)
        for emb in (self.embed_v, self.embed_u):
            nn.init.xavier_uniform_(emb.weight)

    def encode(self, contexts: Tensor) -> Tensor:
        mask = (contexts != 0).to(self.embed_v.weight.dtype)[:, :, None]  # (B, C, 1)
        total = (self.embed_v(contexts) * mask).sum(1)  # (B, E)
        mean = total / mask.sum(1).clamp_min(1)  # the contexts' mean
        if self.context_grad == "whole":  # the mean forward, the sum's gradient (each row gets all of g)
            return mean.detach() + (total - total.detach())
        return mean

    def input_lookup(self, contexts: Tensor) -> tuple[Tensor, Tensor, int, bool, bool]:
        return self.embed_v.weight, contexts, 0, True, self.context_grad == "mean"

    def forward(self, contexts: Tensor, targets: Tensor) -> Tensor:
        return torch.bmm(self.embed_u(targets), self.encode(contexts)[:, :, None])[:, :, 0]  # (B, T)

    @property
    def vectors(self) -> Tensor:
        """The word vectors (V, E): the context-word table, the one CBOW averages."""
        return self.embed_v.weight.detach()


class HierarchicalSkipGram(nn.Module):
    """Skip-gram with hierarchical softmax (book §15.2.2): one vector per inner node of a Huffman tree over the
    vocabulary instead of one output vector per word. forward(center (B,), words (B, L)) -> log P(word | center)
    (B, L), a sum over each word's path of log sigmoid(+-u_node . v_center)."""

    def __init__(self, vocab_size: int, embed_size: int, points: Tensor, codes: Tensor, lengths: Tensor) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size)
        self.inner = nn.Embedding(vocab_size - 1, embed_size)  # the V - 1 inner nodes
        nn.init.xavier_uniform_(self.embed_v.weight)
        nn.init.zeros_(self.inner.weight)  # word2vec's choice: every node starts at P(left) = 1/2
        depth = torch.arange(points.shape[1])
        self.register_buffer("points", points, persistent=False)
        self.register_buffer("signs", 1.0 - 2.0 * codes.float(), persistent=False)  # code 0: +1, code 1: -1
        self.register_buffer("on_path", (depth < lengths[:, None]).float(), persistent=False)

    def forward(self, center: Tensor, words: Tensor) -> Tensor:
        v = self.embed_v(center)  # (B, E)
        u = self.inner(self.points[words])  # (B, L, D, E)
        score = torch.einsum("blde,be->bld", u, v) * self.signs[words]  # (B, L, D)
        return (F.logsigmoid(score) * self.on_path[words]).sum(-1)  # (B, L)

    @property
    def vectors(self) -> Tensor:
        return self.embed_v.weight.detach()


class GloVe(nn.Module):
    """GloVe (book §15.5): forward(i (B,), j (B,)) -> u_j . v_i + b_i + c_j (B,), fitted to log x_ij. The word
    vectors are v + u: the model is symmetric in its two tables, and their sum is what GloVe's authors release."""

    def __init__(self, vocab_size: int, embed_size: int = 100) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size)
        self.embed_u = nn.Embedding(vocab_size, embed_size)
        self.bias_v = nn.Embedding(vocab_size, 1)
        self.bias_u = nn.Embedding(vocab_size, 1)
        for emb in (self.embed_v, self.embed_u):
            nn.init.uniform_(emb.weight, -0.5 / embed_size, 0.5 / embed_size)  # the reference implementation's
        for b in (self.bias_v, self.bias_u):
            nn.init.zeros_(b.weight)

    def forward(self, i: Tensor, j: Tensor) -> Tensor:
        return (self.embed_v(i) * self.embed_u(j)).sum(-1) + self.bias_v(i)[:, 0] + self.bias_u(j)[:, 0]

    @property
    def vectors(self) -> Tensor:
        return (self.embed_v.weight + self.embed_u.weight).detach()


def vocab_ngrams(table: SubwordTable, words: Sequence[str]) -> Tensor:
    """(V, G) n-gram ids of a vocabulary whose word 0 is `<unk>`, which has no subwords (a row of padding)."""
    ngrams = table.matrix(["", *words[1:]]) if len(words) > 1 else table.matrix([""])
    ngrams[0] = table.pad
    return ngrams


class FastTextSkipGram(PairScores, nn.Module):
    """fastText (book §15.6.1): skip-gram with negative sampling whose centre vector is the sum of the centre
    word's subword vectors. `word_ngrams`: (V, G) subword ids per word, padded with `num_ngrams`.
    forward(center (B,), contexts_negatives (B, L)) -> logits (B, L), as `SkipGram`."""

    def __init__(self, vocab_size: int, num_ngrams: int, word_ngrams: Tensor, embed_size: int = 100,
                 sparse: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.subwords = nn.EmbeddingBag(num_ngrams + 1, embed_size, mode="sum", padding_idx=num_ngrams, sparse=sparse)
        self.embed_u = nn.Embedding(vocab_size, embed_size, sparse=sparse)
        nn.init.xavier_uniform_(self.subwords.weight)
        nn.init.xavier_uniform_(self.embed_u.weight)
        with torch.no_grad():
            self.subwords.weight[num_ngrams] = 0
        self.register_buffer("word_ngrams", word_ngrams, persistent=False)

    def encode(self, center: Tensor) -> Tensor:
        return self.subwords(self.word_ngrams[center])  # (B, E): the sum of the centre's subword vectors

    def forward(self, center: Tensor, contexts_negatives: Tensor) -> Tensor:
        return torch.bmm(self.embed_u(contexts_negatives), self.encode(center)[:, :, None])[:, :, 0]

    def input_lookup(self, center: Tensor) -> tuple[Tensor, Tensor, int, bool, bool]:
        return self.subwords.weight, self.word_ngrams[center], self.subwords.padding_idx, False, False

    def embed(self, ngram_ids: Tensor) -> Tensor:
        """(N, G) padded subword ids -> (N, E) word vectors, for any words, seen in training or not."""
        return self.subwords(ngram_ids).detach()

    @property
    def vectors(self) -> Tensor:
        return self.embed(self.word_ngrams)
