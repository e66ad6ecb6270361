"""Word vectors for the sentiment models (book §16.2.2): where their embedding starts.

- `--vectors PATH`: GloVe / fastText / word2vec text (`.txt`, `.vec`) or a dive word-vector run folder: each
  vocabulary word takes its vector, a word the file lacks gets zeros (the book's `TokenEmbedding` does the same).
- `--vectors imdb`: skip-gram with negative sampling (book §15.4's model and settings, 2 epochs) trained by dive
  on the *training* reviews in use, never the test ones; cached under ~/.cache/dive/pretrained by a digest of
  those reviews and the settings.
- nothing: random (`nn.Embedding`'s N(0, 1)) and trained.
The book freezes GloVe in the BiRNN (`--freeze`); textCNN keeps one copy fixed and trains the other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from dive.core import ConfigError
from dive.data import ArrayLoader
from dive.data.word_windows import ptb_vocab, trim_padding, word2vec_data
from dive.models.word2vec import SkipGram
from dive.recipes.pretrained import cached
from dive.text import Vocab
from dive.text.embeddings import WordVectors
from dive.train import Trainer
from dive.train.embedding import NegativeSamplingStep, embedding_adam


def read_vectors(source: str) -> WordVectors:
    path = Path(source).expanduser()
    if path.is_file() and path.suffix in (".txt", ".vec"):
        return WordVectors.from_text(path)
    if path.is_dir() or path.is_file():
        return WordVectors.load(path.parent if path.is_file() else path)
    raise ConfigError(f"--vectors {source}: no such file or run folder (a GloVe/fastText .txt/.vec, a dive "
                      "word-vector run, or 'imdb')")  # fmt: skip


def table_for(vocab: Vocab, wv: WordVectors) -> tuple[Tensor, int]:
    """(V, E) rows in `vocab`'s order from `wv`, zeros where it lacks the word; and how many it had."""
    table = torch.zeros(len(vocab), wv.vectors.shape[1])
    found = 0
    for i, word in enumerate(vocab.idx_to_token):
        if word in wv.vocab and wv.vocab[word] != wv.vocab.unk:
            table[i] = wv.vectors[wv.vocab[word]].float()
            found += 1
    return table, found


def vector_table(source: str | WordVectors, vocab: Vocab, embed_size: int) -> tuple[Tensor, int]:
    """`table_for` vectors read from `source` (a path, or vectors already built), which must be `embed_size` wide."""
    wv = read_vectors(source) if isinstance(source, str) else source
    if wv.vectors.shape[1] != embed_size:
        raise ConfigError(f"--vectors has {wv.vectors.shape[1]}-dimensional vectors; set --embed_size="
                          f"{wv.vectors.shape[1]}")  # fmt: skip
    return table_for(vocab, wv)


def imdb_vectors(vocab: Vocab, train: tuple[Tensor, ...], embed_size: int, seed: int, epochs: int = 2) -> WordVectors:
    """Skip-gram vectors trained on the given training reviews (tokens, lengths, labels), cached."""
    X, lengths = train[0], train[1]
    digest = hashlib.sha256(X.numpy().tobytes() + lengths.numpy().tobytes()).hexdigest()
    key = {"v": 1, "reviews": digest, "vocab": len(vocab), "embed_size": embed_size, "epochs": epochs, "seed": seed}
    sentences = [vocab.to_tokens(x[:n].tolist()) for x, n in zip(X, lengths.tolist())]
    w2v_vocab = ptb_vocab(sentences, min_freq=5)  # the vocabulary word2vec_data builds; a cache hit needs only it
    torch.manual_seed(seed)
    model = SkipGram(len(w2v_vocab), embed_size)

    def train_it(m: nn.Module) -> None:
        data, _, _ = word2vec_data(sentences, min_freq=5, seed=seed)  # its own generator: the global RNG is untouched
        print(f"word vectors: skip-gram on {len(sentences):,} training reviews ({len(data):,} centres), "
              f"{epochs} epochs")  # fmt: skip
        loader = ArrayLoader(data.centers, data.contexts_negatives, data.masks, data.labels, batch_size=512,
                             shuffle=True, seed=seed, batch_transform=trim_padding)  # fmt: skip
        Trainer(m, None, embedding_adam(m.parameters(), 0.002), step=NegativeSamplingStep(), max_epochs=epochs).fit(
            loader
        )

    cached("skipgram-imdb", key, model, train_it)
    return WordVectors(model.vectors.detach(), w2v_vocab)


def init_embeddings(model: nn.Module, cfg: Any, vocab: Vocab, train: tuple[Tensor, ...], ctx: Any) -> str:
    """Fill the model's embedding(s) as `cfg.vectors` says; returns a note for the summary."""
    if not cfg.vectors:
        return "random, trained" + ("; textCNN's constant copy random and fixed" if cfg.arch == "textcnn" else "")
    if cfg.vectors == "imdb":
        table, found = vector_table(imdb_vectors(vocab, train, cfg.embed_size, cfg.seed), vocab, cfg.embed_size)
        source = "skip-gram trained on the training reviews"
    else:
        table, found = vector_table(cfg.vectors, vocab, cfg.embed_size)
        source = cfg.vectors
    with torch.no_grad():
        model.embedding.weight.copy_(table)
        if hasattr(model, "constant_embedding"):
            model.constant_embedding.weight.copy_(table)
    frozen = cfg.freeze and cfg.arch == "birnn"
    model.embedding.weight.requires_grad_(not frozen)
    state = "fixed" if frozen else "trained" + ("; constant copy fixed" if cfg.arch == "textcnn" else "")
    return f"{source}, {found:,} of {len(vocab):,} words found, {state}"
