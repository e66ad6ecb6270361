"""Sentiment classifiers (book §16.2-16.3): a bidirectional LSTM and textCNN over word embeddings.

Both read reviews padded to a common length, so both take the real lengths and make padding irrelevant:
- `BiRNN` lets each direction read only the review's own words (as `pack_padded_sequence` would), and its
  "first and last time steps" are the review's own first and last words. The book reads all 500 padded
  steps and takes step 0 and step 499, so for a 200-word review the forward state it classifies has just read
  300 `<pad>`s. Without `valid_lens` the model does exactly that (the book's behaviour, kept for comparison).
- `TextCNN` pools max-over-time over the windows that lie inside the review (windows of padding are masked). The
  book's text says max-over-time; its PyTorch code pools with `nn.AdaptiveAvgPool1d`, an average that padding
  dilutes. Here it is the max, as the text and Kim (2014) say.
So a batch cut to its longest review gives exactly the logits of the same batch padded to 500 (tested), which is
what lets the recipes bucket reviews by length and skip most of the padding.

Shapes: X int64 (B, T); valid_lens int64 (B,) in 1..T -> logits (B, 2).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def xavier_init(module: nn.Module) -> None:
    """The book's `init_weights`: Xavier-uniform for linear, convolution and LSTM weight matrices."""
    if isinstance(module, (nn.Linear, nn.Conv1d)):
        nn.init.xavier_uniform_(module.weight)
    if isinstance(module, nn.LSTM):
        for name, p in module.named_parameters():
            if "weight" in name:
                nn.init.xavier_uniform_(p)


def reverse_within(X: Tensor, valid_lens: Tensor) -> Tensor:
    """Reverse each row's first `valid_lens[b]` steps and leave its padding in place: (B, T, ...) -> the same.
    Its own inverse. A backward LSTM run on the result reads each review from its last word, never padding."""
    T = X.shape[1]
    t = torch.arange(T, device=X.device)
    idx = torch.where(t < valid_lens[:, None], valid_lens[:, None] - 1 - t, t)  # (B, T)
    return torch.gather(X, 1, idx.view(*idx.shape, *([1] * (X.dim() - 2))).expand_as(X))


class BiRNN(nn.Module):
    """Embedding (V, E) -> `num_layers` bidirectional LSTM layers of `num_hiddens` -> [state at the first step,
    state at the last step] (B, 4H) -> linear -> 2 logits (book §16.2).

    Each layer is two `nn.LSTM`s, forward and backward; the backward one reads `reverse_within(X)`, so with
    `valid_lens` each direction reads only the review (what `pack_padded_sequence` gives, without its cost: a
    packed LSTM runs 2-3x slower than a padded one on a CPU, measured). Weights are laid out as in
    `nn.LSTM(bidirectional=True)`, direction by direction (`load_bidirectional` copies one in; tested equal)."""

    def __init__(self, vocab_size: int, embed_size: int = 100, num_hiddens: int = 100, num_layers: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        sizes = [embed_size] + [2 * num_hiddens] * (num_layers - 1)
        self.fwd = nn.ModuleList(nn.LSTM(n, num_hiddens, batch_first=True) for n in sizes)
        self.bwd = nn.ModuleList(nn.LSTM(n, num_hiddens, batch_first=True) for n in sizes)
        self.decoder = nn.Linear(4 * num_hiddens, 2)  # 2 directions x (first step, last step)
        self.apply(xavier_init)

    def forward(self, X: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        B, T = X.shape
        if valid_lens is None:  # the book: every padded step is read, and steps 0 and T - 1 are classified
            valid_lens = torch.full((B,), T, device=X.device)
        H = self.embedding(X)  # (B, T, E)
        for fwd, bwd in zip(self.fwd, self.bwd):
            back = reverse_within(bwd(reverse_within(H, valid_lens))[0], valid_lens)
            H = torch.cat([fwd(H)[0], back], dim=2)  # (B, T, 2H), aligned with the words
        last = H[torch.arange(B, device=X.device), valid_lens - 1]  # each review's last word
        return self.decoder(torch.cat([H[:, 0], last], dim=1))

    @torch.no_grad()
    def load_bidirectional(self, lstm: nn.LSTM) -> None:
        """Copy the weights of an `nn.LSTM(bidirectional=True)` of the same sizes (for parity tests)."""
        for layer, (fwd, bwd) in enumerate(zip(self.fwd, self.bwd)):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(fwd, f"{name}_l0").copy_(getattr(lstm, f"{name}_l{layer}"))
                getattr(bwd, f"{name}_l0").copy_(getattr(lstm, f"{name}_l{layer}_reverse"))


class TextCNN(nn.Module):
    """Two embeddings (one trained, one kept constant; (B, T, 2E) joined) -> 1-D convolutions of the given widths
    -> ReLU -> max over time -> dropout -> linear -> 2 logits (book §16.3)."""

    def __init__(self, vocab_size: int, embed_size: int = 100, kernel_sizes: tuple[int, ...] = (3, 4, 5),
                 num_channels: tuple[int, ...] = (100, 100, 100), dropout: float = 0.5) -> None:  # fmt: skip
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.constant_embedding = nn.Embedding(vocab_size, embed_size)
        self.constant_embedding.weight.requires_grad_(False)
        self.convs = nn.ModuleList(nn.Conv1d(2 * embed_size, c, k) for c, k in zip(num_channels, kernel_sizes))
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(sum(num_channels), 2)
        self.apply(xavier_init)

    def forward(self, X: Tensor, valid_lens: Tensor | None = None) -> Tensor:
        emb = torch.cat([self.embedding(X), self.constant_embedding(X)], dim=2).transpose(1, 2)  # (B, 2E, T)
        widest = max(conv.kernel_size[0] for conv in self.convs)
        if emb.shape[2] < widest:  # a batch of reviews shorter than the widest kernel: zeros make one window
            emb = nn.functional.pad(emb, (0, widest - emb.shape[2]))
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(emb))  # (B, C, T - k + 1)
            if valid_lens is not None:  # windows that end beyond the review are padding: out of the max
                windows = (valid_lens - conv.kernel_size[0] + 1).clamp(min=1)  # a short review keeps its first
                outside = torch.arange(h.shape[2], device=h.device) >= windows[:, None]  # (B, T - k + 1)
                h = h.masked_fill(outside[:, None, :], float("-inf"))
            pooled.append(h.amax(dim=2))  # (B, C)
        return self.decoder(self.dropout(torch.cat(pooled, dim=1)))
