"""The recommender models of book chapter 21, in PyTorch (the book has them in MXNet only).

Every embedding starts from N(0, 0.01^2), the book's `init.Normal(0.01)`. Ids are 0-based int64 tensors.
- `MatrixFactorization` (§21.3): r(u, i) = p_u . q_i + b_u + b_i.
- `AutoRec` (§21.4): item-based: an item's column of ratings (num_users,) -> encoder (sigmoid) -> decoder; the
  loss reads only observed ratings (the recipe masks), the prediction fills in the rest.
- `NeuMF` (§21.6): generalized MF (p_u * q_i) beside an MLP on [u_u, v_i], joined by one output unit. The book's
  output unit has a sigmoid; it is kept for training (BPR reads differences of the squashed scores), and items are
  ranked by the logit under it, since trained scores saturate to 1.0 in float32 and tie.
- `Caser` (§21.7): a user's last L items as an L x k "image": d horizontal filters of each height 1..L (max-pooled
  over time) and d' vertical ones, then a dense layer, joined with the user's embedding, scored against the item.
- `FM` (§21.9), `DeepFM` (§21.10): over one id per categorical field (offsets already added: dive.data.ctr).
  They return the **logit**: the book applies a sigmoid in `forward` and then trains with a loss that applies a
  sigmoid again (upstream d2l issue 1360); here the loss (`binary_cross_entropy_with_logits`) applies it once.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def _normal(*modules: nn.Module, std: float = 0.01) -> None:
    for m in modules:
        for p in m.parameters():
            nn.init.normal_(p, std=std)


class MatrixFactorization(nn.Module):
    """mu + p_u . q_i + b_u + b_i: (users (B,), items (B,)) -> predicted ratings (B,). The book's model has no
    mu (`mean` 0); a fixed training mean lets the biases start near the answer (Koren et al.'s model)."""

    def __init__(self, num_factors: int, num_users: int, num_items: int, mean: float = 0.0):
        super().__init__()
        self.P, self.Q = nn.Embedding(num_users, num_factors), nn.Embedding(num_items, num_factors)
        self.user_bias, self.item_bias = nn.Embedding(num_users, 1), nn.Embedding(num_items, 1)
        _normal(self)
        self.register_buffer("mean", torch.tensor(float(mean)))

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        # rows by index_select: its backward is one index_add per table, 1.2x the step of nn.Embedding's sorted
        # dense backward on a CPU at the book's batch of 512 (the same rows, the same gradients)
        P, Q = self.P.weight.index_select(0, users), self.Q.weight.index_select(0, items)
        b_u = self.user_bias.weight.index_select(0, users).squeeze(1)
        return self.mean + (P * Q).sum(1) + b_u + self.item_bias.weight.index_select(0, items).squeeze(1)

    def score_all(self, users: Tensor) -> Tensor:
        """(B,) users -> (B, num_items): every item's predicted rating, in one matrix product."""
        return self.mean + self.P(users) @ self.Q.weight.T + self.user_bias(users) + self.item_bias.weight.T


class AutoRec(nn.Module):
    """(B, num_users) item rating columns (0 = unrated) -> (B, num_users) reconstructions."""

    def __init__(self, num_hidden: int, num_users: int, dropout: float = 0.05):
        super().__init__()
        self.encoder, self.decoder = nn.Linear(num_users, num_hidden), nn.Linear(num_hidden, num_users)
        self.dropout = nn.Dropout(dropout)

    def forward(self, columns: Tensor) -> Tensor:
        return self.decoder(self.dropout(torch.sigmoid(self.encoder(columns))))


class NeuMF(nn.Module):
    """(users (B,), items (B,)) -> scores (B,) in (0, 1)."""

    def __init__(self, num_factors: int, num_users: int, num_items: int, hiddens: Sequence[int] = (10, 10, 10)):
        super().__init__()
        self.P, self.Q = nn.Embedding(num_users, num_factors), nn.Embedding(num_items, num_factors)
        self.U, self.V = nn.Embedding(num_users, num_factors), nn.Embedding(num_items, num_factors)
        layers, width = [], 2 * num_factors
        for h in hiddens:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.mlp = nn.Sequential(*layers)
        self.prediction = nn.Linear(num_factors + width, 1, bias=False)
        _normal(self)

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        return torch.sigmoid(self.logits(users, items))

    def logits(self, users: Tensor, items: Tensor) -> Tensor:
        """The output unit before its sigmoid: the same order, without float32's saturation at 1.0 (ties)."""
        gmf = self.P(users) * self.Q(items)
        mlp = self.mlp(torch.cat([self.U(users), self.V(items)], dim=1))
        return self.prediction(torch.cat([gmf, mlp], dim=1)).squeeze(1)

    def score_all(self, users: Tensor) -> Tensor:
        """(B,) users -> (B, num_items): every item's logit for each user (ranks as the sigmoid scores do)."""
        items = torch.arange(self.Q.num_embeddings, device=users.device)
        B, n = users.shape[0], items.shape[0]
        return self.logits(users.repeat_interleave(n), items.repeat(B)).view(B, n)


class Caser(nn.Module):
    """(users (B,), sequences (B, L) of item ids, items (B,)) -> scores (B,)."""

    def __init__(self, num_factors: int, num_users: int, num_items: int, L: int = 5, d: int = 16, d_prime: int = 4,
                 dropout: float = 0.05):  # fmt: skip
        super().__init__()
        self.L = L
        self.P, self.Q = nn.Embedding(num_users, num_factors), nn.Embedding(num_items, num_factors)
        self.conv_v = nn.Conv2d(1, d_prime, (L, 1))
        self.conv_h = nn.ModuleList([nn.Conv2d(1, d, (h, num_factors)) for h in range(1, L + 1)])
        self.fc = nn.Linear(d_prime * num_factors + d * L, num_factors)
        self.Q_prime, self.b = nn.Embedding(num_items, 2 * num_factors), nn.Embedding(num_items, 1)
        self.dropout = nn.Dropout(dropout)
        _normal(self.P, self.Q, self.Q_prime, self.b)

    def forward(self, users: Tensor, seqs: Tensor, items: Tensor) -> Tensor:
        z = self.features(users, seqs)
        return (z * self.Q_prime(items)).sum(1) + self.b(items).squeeze(1)

    def features(self, users: Tensor, seqs: Tensor) -> Tensor:
        """(B, 2k): the sequence's convolutional summary joined with the user's embedding."""
        E = self.Q(seqs).unsqueeze(1)  # (B, 1, L, k)
        out_v = self.conv_v(E).flatten(1)  # (B, d' k)
        out_h = [torch.relu(conv(E)).squeeze(3).amax(dim=2) for conv in self.conv_h]  # each (B, d)
        z = torch.relu(self.fc(self.dropout(torch.cat([out_v, *out_h], dim=1))))
        return torch.cat([z, self.P(users)], dim=1)

    def score_all(self, users: Tensor, seqs: Tensor) -> Tensor:
        """(B, num_items): every item's score for each (user, sequence)."""
        return self.features(users, seqs) @ self.Q_prime.weight.T + self.b.weight.T


class FM(nn.Module):
    """(B, fields) global ids -> logits (B,): w0 + sum_f w_{x_f} + sum_{f<g} <v_{x_f}, v_{x_g}> (book eq. 21.9.1,
    the pairwise sum computed as (sum^2 - sum of squares) / 2)."""

    def __init__(self, field_dims: Sequence[int], num_factors: int):
        super().__init__()
        n = int(sum(field_dims))
        self.embedding, self.fc = nn.Embedding(n, num_factors), nn.Embedding(n, 1)
        self.bias = nn.Parameter(torch.zeros(1))
        nn.init.xavier_uniform_(self.embedding.weight)  # the book's init.Xavier()
        nn.init.xavier_uniform_(self.fc.weight)

    def forward(self, x: Tensor) -> Tensor:
        return self.bias + self.fc(x).sum((1, 2)) + pairwise(self.embedding(x))


def pairwise(v: Tensor) -> Tensor:
    """(B, F, k) field embeddings -> (B,) sum over field pairs f < g of <v_f, v_g>."""
    return 0.5 * (v.sum(1) ** 2 - (v**2).sum(1)).sum(1)


class DeepFM(nn.Module):
    """FM's logit plus an MLP's on the concatenated field embeddings (shared with the FM part)."""

    def __init__(self, field_dims: Sequence[int], num_factors: int, mlp_dims: Sequence[int] = (30, 20, 10),
                 dropout: float = 0.1):  # fmt: skip
        super().__init__()
        self.fm = FM(field_dims, num_factors)
        layers, width = [], len(field_dims) * num_factors
        for h in mlp_dims:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.mlp = nn.Sequential(*layers, nn.Linear(width, 1))

    def forward(self, x: Tensor) -> Tensor:
        v = self.fm.embedding(x)
        return self.fm.bias + self.fm.fc(x).sum((1, 2)) + pairwise(v) + self.mlp(v.flatten(1)).squeeze(1)
