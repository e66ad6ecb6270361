"""Synthetic data: the book's generated regression problems, and small stand-ins for tests.

- `linear_data`: y = Xw + b + noise (book §3.3; w = [2, -3.4], b = 4.2, noise 0.01).
- `polynomial_data`: y = 5 + 1.2x - 3.4x^2/2! + 5.6x^3/3! + noise (book §3.6, under- and over-fitting).
- `weight_decay_data`: 200-dimensional, 20 training examples (book §3.7).
- `fake_image_sets`: Fashion-MNIST-shaped uint8 images whose class is learnable, for fast tests.
- `sine_data`: the sequence-model toy x_t = sin(0.01 t) + N(0, 0.2^2) (book §9.1).
- `fake_text`: a Time-Machine-like stand-in (lower-case words and spaces) for fast language-model tests.
- `fake_detection_sets`: one bright square per photo, with its box, for fast detector tests.
All take a `seed` and draw from their own generator, never the global one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from dive.data.images import ImageSet


def _gen(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def linear_data(
    w: Sequence[float] = (2.0, -3.4),
    b: float = 4.2,
    num_examples: int = 1000,
    noise: float = 0.01,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """X (n, d) ~ N(0, 1) and y (n, 1) = X w + b + N(0, noise^2)."""
    g = _gen(seed)
    w_ = torch.tensor(w, dtype=torch.float32)
    X = torch.randn(num_examples, len(w_), generator=g)
    y = X @ w_ + b + noise * torch.randn(num_examples, generator=g)
    return X, y.reshape(-1, 1)


def polynomial_data(
    true_w: Sequence[float] = (5.0, 1.2, -3.4, 5.6),
    max_degree: int = 20,
    n_train: int = 100,
    n_test: int = 100,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """Features (n_train + n_test, max_degree) = x^i / i! for i < max_degree, and labels (n, 1).

    Dividing by i! keeps the high powers from blowing up the gradients (the book's rescaling).
    """
    g = _gen(seed)
    n = n_train + n_test
    x = torch.randn(n, 1, generator=g)
    powers = torch.arange(max_degree, dtype=torch.float32)
    factorials = torch.tensor([math.factorial(i) for i in range(max_degree)], dtype=torch.float32)
    features = x.pow(powers) / factorials  # (n, max_degree)
    w = torch.zeros(max_degree)
    w[: len(true_w)] = torch.tensor(true_w)
    labels = features @ w + noise * torch.randn(n, generator=g)
    return features, labels.reshape(-1, 1)


def weight_decay_data(
    num_train: int = 20, num_test: int = 100, num_inputs: int = 200, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """X (n, num_inputs), y (n, 1) = 0.05 + sum_i 0.01 x_i + N(0, 0.01^2): few examples, many features."""
    return linear_data([0.01] * num_inputs, 0.05, num_train + num_test, 0.01, seed)


def fake_image_sets(
    n_train: int = 512, n_test: int = 256, num_classes: int = 10, size: int = 28, seed: int = 0, channels: int = 0
) -> tuple[ImageSet, ImageSet]:
    """Fashion-MNIST-shaped stand-ins: each class lights a fixed random ~20% of the pixels on a dark background
    (like a garment's silhouette), plus noise, so a small model learns it in a few epochs. Images (N, size, size);
    with `channels` = C, (N, C, size, size), the grey image in every channel (a colour-image stand-in)."""
    g = _gen(seed)
    templates = (torch.rand(num_classes, size, size, generator=g) < 0.2).float()

    def make(n: int) -> ImageSet:
        labels = torch.randint(0, num_classes, (n,), generator=g)
        x = 0.8 * templates[labels] + 0.2 * torch.rand(n, size, size, generator=g)
        images = (x * 255).to(torch.uint8)
        return ImageSet(images[:, None].expand(-1, channels, -1, -1).contiguous() if channels else images, labels)

    return make(n_train), make(n_test)


def sine_data(T: int = 1000, noise: float = 0.2, seed: int = 0) -> tuple[Tensor, Tensor]:
    """(time (T,), x (T,)) with x_t = sin(0.01 t) + N(0, noise^2), t = 1..T (book §9.1)."""
    g = _gen(seed)
    time = torch.arange(1, T + 1, dtype=torch.float32)
    return time, torch.sin(0.01 * time) + noise * torch.randn(T, generator=g)


_WORDS = ("the", "time", "traveller", "machine", "was", "a", "and", "of", "i", "it", "to", "in", "that", "said")


def fake_text(num_words: int = 3000, seed: int = 0) -> str:
    """Words drawn from a small fixed list with a learnable bigram structure, joined by spaces (lower-case)."""
    g = _gen(seed)
    n = len(_WORDS)
    nxt = torch.randint(0, n, (n, 2), generator=g)  # each word is followed by one of two words
    w, out = 0, []
    for choice in torch.randint(0, 2, (num_words,), generator=g).tolist():
        out.append(_WORDS[w])
        w = int(nxt[w, choice])
    return " ".join(out)


_EN = ("i", "you", "he", "she", "am", "is", "are", "calm", "home", "lost", "tired", "here", "happy", "cold")
_FR = ("je", "tu", "il", "elle", "suis", "est", "es", "calme", "maison", "perdu", "fatigué", "ici", "heureux", "froid")


def fake_translation_text(num_pairs: int = 400, seed: int = 0) -> str:
    """fra.txt-shaped stand-in: 'I am calm.\\tJe suis calme.' lines from a word-for-word toy dictionary."""
    g = _gen(seed)
    lines = []
    for _ in range(num_pairs):
        n = int(torch.randint(2, 5, (1,), generator=g))
        idx = torch.randint(0, len(_EN), (n,), generator=g).tolist()
        en = " ".join(_EN[i] for i in idx)
        fr = " ".join(_FR[i] for i in idx)
        lines.append(f"{en.capitalize()}.\t{fr.capitalize()}.")
    return "\n".join(lines) + "\n"


def fake_detection_sets(
    n_train: int = 48, n_valid: int = 16, size: int = 64, seed: int = 0
) -> tuple[ImageSet, ImageSet]:
    """Detection stand-ins: dim noise photos (3, size, size), each with one bright square of random size and place,
    labelled (class 0, x1, y1, x2, y2) relative, as `dive.data.detection` lays boxes out: labels (N, 1, 5)."""
    g = _gen(seed)
    n = n_train + n_valid
    images = (torch.rand(n, 3, size, size, generator=g) * 60).to(torch.uint8)
    labels = torch.zeros(n, 1, 5)
    for i in range(n):
        w = int(torch.randint(size // 4, size * 5 // 8, (1,), generator=g))
        x, y = (int(v) for v in torch.randint(0, size - w, (2,), generator=g))
        images[i, :, y : y + w, x : x + w] = 230
        labels[i, 0] = torch.tensor([0.0, x / size, y / size, (x + w) / size, (y + w) / size])
    return ImageSet(images[:n_train], labels[:n_train]), ImageSet(images[n_train:], labels[n_train:])


def fake_photos(n: int, shape: tuple[int, int, int], seed: int = 0) -> list[Tensor]:
    """`n` uint8 noise images of `shape` (C, H, W): stand-ins for the book's example photos in tests."""
    g = _gen(seed)
    return [torch.randint(0, 256, shape, generator=g, dtype=torch.uint8) for _ in range(n)]
