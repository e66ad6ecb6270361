"""The Vision Transformer (book §11.8): an image as a sequence of patches, read by pre-norm Transformer blocks.

    X (B, C, H, W) -> patches (B, N, d) by a stride-p convolution, N = (H / p)^2 -> [class token] ++ patches
    -> + learned position embeddings -> blocks [LN -> multi-head self-attention, LN -> MLP] -> LN(class token)
    -> Linear -> logits (B, num_classes)
Pre-norm (LayerNorm inside the residual branch) trains stably without warm-up, unlike the post-norm of §11.7.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from dive.models.registry import register_model
from dive.nn import MultiHeadAttention


class PatchEmbedding(nn.Module):
    """(B, C, img, img) -> (B, (img / patch)^2, num_hiddens): one linear map per non-overlapping patch."""

    def __init__(self, img_size: int = 96, patch_size: int = 16, num_hiddens: int = 512, in_channels: int = 1):
        super().__init__()
        if img_size % patch_size:
            raise ValueError(f"image size {img_size} is not a multiple of the patch size {patch_size}")
        self.num_patches = (img_size // patch_size) ** 2
        self.conv = nn.Conv2d(in_channels, num_hiddens, kernel_size=patch_size, stride=patch_size)

    def forward(self, X: Tensor) -> Tensor:
        return self.conv(X).flatten(2).transpose(1, 2)


class ViTMLP(nn.Module):
    def __init__(self, num_hiddens: int, mlp_num_hiddens: int, dropout: float = 0.5) -> None:
        super().__init__()
        self.dense1 = nn.Linear(num_hiddens, mlp_num_hiddens)
        self.gelu = nn.GELU()
        self.dropout1 = nn.Dropout(dropout)
        self.dense2 = nn.Linear(mlp_num_hiddens, num_hiddens)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, X: Tensor) -> Tensor:
        return self.dropout2(self.dense2(self.dropout1(self.gelu(self.dense1(X)))))


class ViTBlock(nn.Module):
    def __init__(self, num_hiddens: int, mlp_num_hiddens: int, num_heads: int, dropout: float, bias: bool = False):
        super().__init__()
        self.ln1 = nn.LayerNorm(num_hiddens)
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, bias)
        self.ln2 = nn.LayerNorm(num_hiddens)
        self.mlp = ViTMLP(num_hiddens, mlp_num_hiddens, dropout)

    def forward(self, X: Tensor) -> Tensor:
        Y = self.ln1(X)
        X = X + self.attention(Y, Y, Y)
        return X + self.mlp(self.ln2(X))


class ViT(nn.Module):
    """Book §11.8.4's sizes by default: 96x96 input, 16x16 patches, 512 hidden, MLP 2048, 8 heads, 2 blocks."""

    def __init__(self, img_size: int = 96, patch_size: int = 16, num_hiddens: int = 512, mlp_num_hiddens: int = 2048,
                 num_heads: int = 8, num_blks: int = 2, emb_dropout: float = 0.1, blk_dropout: float = 0.1,
                 num_classes: int = 10, in_channels: int = 1) -> None:  # fmt: skip
        super().__init__()
        self.patch_embedding = PatchEmbedding(img_size, patch_size, num_hiddens, in_channels)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # the class token is one more position
        self.pos_embedding = nn.Parameter(torch.randn(1, num_steps, num_hiddens))
        self.dropout = nn.Dropout(emb_dropout)
        self.blks = nn.Sequential(
            *(ViTBlock(num_hiddens, mlp_num_hiddens, num_heads, blk_dropout) for _ in range(num_blks))
        )
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens, num_classes))

    def forward(self, X: Tensor) -> Tensor:
        X = self.patch_embedding(X)  # (B, N, d)
        X = torch.cat((self.cls_token.expand(X.shape[0], -1, -1), X), dim=1)  # (B, N + 1, d)
        X = self.blks(self.dropout(X + self.pos_embedding))
        return self.head(X[:, 0])  # the class token's final state summarises the image


@register_model("vit", input_shape=(1, 96, 96))
def vit(**kwargs: Any) -> ViT:
    return ViT(**kwargs)


@register_model("vit-small", input_shape=(1, 28, 28))
def vit_small(**kwargs: Any) -> ViT:
    """For 28x28 on a CPU: 4x4 patches (49 of them), 96 hidden, MLP 192, 4 heads, 2 blocks."""
    return ViT(**{"img_size": 28, "patch_size": 4, "num_hiddens": 96, "mlp_num_hiddens": 192, "num_heads": 4, **kwargs})
