"""The trainer with sequence models: state carried (detached) across batches under sequential partitioning,
never under random sampling; parity with the book's hand-written truncated-BPTT loop; perplexity."""

import math

import torch
from torch import nn

from dive.data import RandomSeqLoader, SequentialSeqLoader
from dive.models import RNNLM
from dive.train import Callback, SequenceStep, Trainer, perplexity, sequence_loss

CORPUS = torch.randint(0, 8, (400,), generator=torch.Generator().manual_seed(0))


class Spy(nn.Module):
    """Wraps a language model and records the state each call receives."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seen = inner, []

    def forward(self, X, state=None):
        self.seen.append(state)
        return self.inner(X, state)


def _fit(loader, model, epochs=1):
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    trainer = Trainer(model, None, opt, step=SequenceStep(sequence_loss), max_epochs=epochs, clip_grad_norm=1.0)
    return trainer, trainer.fit(loader)


def test_sequential_partitioning_carries_the_state_detached():
    torch.manual_seed(0)
    spy = Spy(RNNLM(8, 16, "lstm"))
    loader = SequentialSeqLoader(CORPUS, batch_size=4, num_steps=10)
    _fit(loader, spy, epochs=2)
    per_epoch = len(loader)
    assert len(spy.seen) == 2 * per_epoch
    for epoch in range(2):
        calls = spy.seen[epoch * per_epoch : (epoch + 1) * per_epoch]
        assert calls[0] is None  # each epoch starts from a zero state
        for h, c in calls[1:]:
            assert h.shape == (1, 4, 16) and not h.requires_grad and not c.requires_grad


def test_random_sampling_never_carries_a_state():
    spy = Spy(RNNLM(8, 16, "gru"))
    _fit(RandomSeqLoader(CORPUS, batch_size=4, num_steps=10), spy)
    assert spy.seen and all(s is None for s in spy.seen)


def test_trainer_equals_the_books_truncated_bptt_loop():
    torch.manual_seed(0)
    a = RNNLM(8, 16, "rnn")
    b = RNNLM(8, 16, "rnn")
    b.load_state_dict(a.state_dict())
    loader = SequentialSeqLoader(CORPUS, batch_size=4, num_steps=10, seed=3)
    _fit(loader, a)
    opt, state = torch.optim.SGD(b.parameters(), lr=0.5), None  # the book's train_epoch_ch8, sequential case
    for X, Y in loader.epoch(0):
        if state is not None:
            state = state.detach()
        y_hat, state = b(X, state)
        loss = nn.functional.cross_entropy(y_hat.reshape(-1, 8), Y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(b.parameters(), 1.0)
        opt.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_perplexity_is_exp_of_the_mean_token_loss_and_counts_tokens():
    model = RNNLM(8, 16, "gru")
    loader = SequentialSeqLoader(CORPUS, batch_size=4, num_steps=10, random_offset=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, None, opt, step=SequenceStep(sequence_loss), max_epochs=1, metrics=[perplexity])
    out = trainer.evaluate(loader)
    assert math.isclose(out["ppl"], math.exp(out["loss"]), rel_tol=1e-6)

    class Count(Callback):
        def on_epoch_end(self, trainer, state):
            self.tokens = state.total_examples

    counter = Count()
    trainer.callbacks.append(counter)
    trainer.fit(loader)
    assert counter.tokens == len(loader) * 4 * 10  # counts are tokens, so examples/sec is tokens/sec
