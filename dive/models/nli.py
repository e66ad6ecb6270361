"""Decomposable attention for natural language inference (book §16.5; Parikh et al., 2016).

Three steps, no recurrence and no convolution:
- attend: e_ij = f(a_i) . f(b_j); each premise word a_i gathers the hypothesis words softly aligned with it,
  beta_i = sum_j softmax_j(e_ij) b_j, and each hypothesis word b_j the premise's, alpha_j = sum_i softmax_i(e_ij) a_i;
- compare: v_A,i = g([a_i, beta_i]) and v_B,j = g([b_j, alpha_j]);
- aggregate: v_A = sum_i v_A,i, v_B = sum_j v_B,j, then h([v_A, v_B]) -> 3 logits.
The book's code attends over padding and sums the padded positions' comparisons too, so the prediction for a
pair depends on how far it was padded. Here both are masked (`masked_softmax`, and the sums over real words
only): a pair gives the same logits at any padding (tested).

Shapes: premises (B, Tp), hypotheses (B, Th) int64; lengths (B,) -> logits (B, 3).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from dive.nn import masked_softmax


def mlp(num_inputs: int, num_hiddens: int, dropout: float = 0.2) -> nn.Sequential:
    """The book's two-layer perceptron with dropout before each linear layer."""
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(num_inputs, num_hiddens), nn.ReLU(),
                         nn.Dropout(dropout), nn.Linear(num_hiddens, num_hiddens), nn.ReLU())  # fmt: skip


def _mask(lengths: Tensor, T: int) -> Tensor:
    return (torch.arange(T, device=lengths.device) < lengths[:, None]).unsqueeze(-1)  # (B, T, 1)


class DecomposableAttention(nn.Module):
    def __init__(self, vocab_size: int, embed_size: int = 100, num_hiddens: int = 200, num_outputs: int = 3,
                 dropout: float = 0.2) -> None:  # fmt: skip
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.f = mlp(embed_size, num_hiddens, dropout)  # attend
        self.g = mlp(2 * embed_size, num_hiddens, dropout)  # compare
        self.h = mlp(2 * num_hiddens, num_hiddens, dropout)  # aggregate
        self.linear = nn.Linear(num_hiddens, num_outputs)

    def forward(self, premises: Tensor, premise_lens: Tensor, hypotheses: Tensor, hypothesis_lens: Tensor) -> Tensor:
        A, B = self.embedding(premises), self.embedding(hypotheses)  # (B, Tp, E), (B, Th, E)
        e = self.f(A) @ self.f(B).transpose(1, 2)  # (B, Tp, Th)
        beta = masked_softmax(e, hypothesis_lens) @ B  # (B, Tp, E): the hypothesis aligned to each premise word
        alpha = masked_softmax(e.transpose(1, 2), premise_lens) @ A  # (B, Th, E)
        V_A = self.g(torch.cat([A, beta], dim=2)) * _mask(premise_lens, A.shape[1])  # (B, Tp, H), padding zeroed
        V_B = self.g(torch.cat([B, alpha], dim=2)) * _mask(hypothesis_lens, B.shape[1])
        return self.linear(self.h(torch.cat([V_A.sum(1), V_B.sum(1)], dim=1)))  # (B, 3)
