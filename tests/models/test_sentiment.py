"""The sentiment models (book §16.2-16.3): parity with torch's bidirectional LSTM, padding made irrelevant."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dive.models.sentiment import BiRNN, TextCNN, reverse_within


def batch(seed=0, B=5, T=12, V=30):
    g = torch.Generator().manual_seed(seed)
    lens = torch.tensor([12, 1, 7, 3, 9])[:B]
    X = torch.randint(2, V, (B, T), generator=g)
    X[torch.arange(T) >= lens[:, None]] = 1  # <pad>
    return X, lens


def test_reverse_within_reverses_only_the_real_steps_and_is_its_own_inverse():
    X = torch.arange(10).view(2, 5)
    lens = torch.tensor([3, 5])
    assert reverse_within(X, lens).tolist() == [[2, 1, 0, 3, 4], [9, 8, 7, 6, 5]]
    Y = torch.randn(2, 5, 4)
    assert torch.equal(reverse_within(reverse_within(Y, lens), lens), Y)


def test_birnn_equals_torchs_bidirectional_lstm_book_and_packed(f64):
    torch.manual_seed(0)
    net = BiRNN(30, embed_size=6, num_hiddens=5, num_layers=2).double()
    lstm = nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True).double()
    net.load_bidirectional(lstm)
    X, lens = batch()
    emb = net.embedding(X)
    # the book's way: all T steps read, steps 0 and T - 1 classified
    out, _ = lstm(emb)
    ref = net.decoder(torch.cat([out[:, 0], out[:, -1]], dim=1))
    assert torch.allclose(net(X), ref)
    # with lengths: what pack_padded_sequence gives, first and last real step
    packed, _ = pad_packed_sequence(lstm(pack_padded_sequence(emb, lens, batch_first=True, enforce_sorted=False))[0],
                                    batch_first=True)  # fmt: skip
    ref = net.decoder(torch.cat([packed[:, 0], packed[torch.arange(5), lens - 1]], dim=1))
    mine = net(X, lens)
    assert torch.allclose(mine, ref)
    # gradients flow the same way too
    g = torch.randn_like(mine)
    params = list(net.embedding.parameters())
    assert torch.allclose(torch.autograd.grad(mine, params, g)[0], torch.autograd.grad(ref, params, g)[0])


def test_padding_and_trimming_do_not_change_the_logits(f64):
    torch.manual_seed(0)
    X, lens = batch()
    longer = torch.cat([X, torch.ones(5, 20, dtype=torch.long)], dim=1)  # 20 more <pad> steps
    birnn = BiRNN(30, 6, 5, 2).double()
    for net in (birnn, TextCNN(30, 6, (2, 3), (4, 4)).double().eval()):
        assert torch.allclose(net(X, lens), net(longer, lens))
    assert not torch.allclose(birnn(X), birnn(longer))  # the book's BiRNN reads the padding into its states


def test_textcnn_pools_the_max_over_windows_inside_the_review():
    torch.manual_seed(0)
    net = TextCNN(30, 4, (3,), (2,), dropout=0.0)
    X, lens = batch()
    out = net(X, lens)
    emb = torch.cat([net.embedding(X), net.constant_embedding(X)], 2).transpose(1, 2)
    h = torch.relu(net.convs[0](emb))
    for b, n in enumerate(lens.tolist()):
        pooled = h[b, :, : max(n - 2, 1)].amax(1)
        assert torch.allclose(out[b], net.decoder(pooled), atol=1e-6)
    assert not net.constant_embedding.weight.requires_grad
