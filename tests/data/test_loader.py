import pytest
import torch

from dive.data import ArrayLoader


def test_every_example_once_per_epoch_and_last_batch_partial():
    X = torch.arange(10).float().reshape(10, 1)
    y = torch.arange(10)
    loader = ArrayLoader(X, y, batch_size=4, shuffle=True, seed=0)
    batches = list(loader.epoch(0))
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10))
    assert torch.equal(torch.cat([b[0] for b in batches]).reshape(-1).long(), seen)  # X and y stay paired


def test_order_is_a_function_of_seed_and_epoch():
    loader = ArrayLoader(torch.arange(100), batch_size=10, shuffle=True, seed=1)
    e0, e1 = [torch.cat(list(b[0] for b in loader.epoch(e))) for e in (0, 1)]
    assert not torch.equal(e0, e1)
    torch.manual_seed(123)  # the global RNG does not change the order
    assert torch.equal(e0, torch.cat([b[0] for b in loader.epoch(0)]))


def test_start_skips_batches_exactly():
    loader = ArrayLoader(torch.arange(50), batch_size=8, shuffle=True, seed=2)
    full = [b[0] for b in loader.epoch(3)]
    rest = [b[0] for b in loader.epoch(3, start=4)]
    assert len(rest) == len(full) - 4 and all(torch.equal(a, b) for a, b in zip(full[4:], rest))


def test_transform_applies_to_inputs_only_and_drop_last():
    loader = ArrayLoader(torch.ones(5, 2), torch.arange(5), batch_size=2, drop_last=True, transform=lambda x: x * 3)
    batches = list(loader)
    assert len(batches) == 2 and torch.all(batches[0][0] == 3) and batches[0][1].tolist() == [0, 1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="disagree"):
        ArrayLoader(torch.zeros(3), torch.zeros(4), batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        ArrayLoader(torch.zeros(3), batch_size=0)


def test_bucket_loader_batches_similar_lengths_and_keeps_every_example():
    from dive.data import BucketLoader

    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 21, (1000,), generator=g)
    ids = torch.arange(1000)
    loader = BucketLoader(ids, lengths=lengths, batch_size=32, pool=10, seed=3)
    batches = [b[0] for b in loader.epoch(0)]
    assert len(batches) == len(loader) == 32 and len(batches[-1]) == 1000 - 31 * 32
    assert sorted(torch.cat(batches).tolist()) == list(range(1000))
    spread = torch.tensor([float(lengths[b].max() - lengths[b].min()) for b in batches[:-1]]).mean()
    random_spread = torch.tensor([float(lengths[b].max() - lengths[b].min()) for b in ids[:992].view(31, 32)]).mean()
    assert spread < 0.3 * random_spread  # random batches span almost the whole 1..20 range
    assert torch.equal(loader.order(1), loader.order(1)) and not torch.equal(loader.order(0), loader.order(1))
    assert not torch.equal(batches[0], BucketLoader(ids, lengths=lengths, batch_size=32, pool=10, seed=4).order(0)[:32])
    halves = [torch.cat([b[0] for b in loader.shard(r, 2).epoch(0)]) for r in (0, 1)]
    assert sorted(torch.cat(halves).tolist()) == list(range(1000))
    with pytest.raises(ValueError, match="lengths"):
        BucketLoader(ids, lengths=lengths[:5], batch_size=32)


def test_batch_transform_sees_the_whole_batch():
    X, y = torch.arange(10).float(), torch.arange(10)
    loader = ArrayLoader(X, y, batch_size=4, batch_transform=lambda b: (b[0], b[1] * 0))
    assert all(int(b[1].sum()) == 0 for b in loader)


def test_every_loader_implements_the_one_loader_protocol():
    import torch

    from dive.core import IterableLoader, Loader, as_loader
    from dive.data import ArrayLoader, BucketLoader, RandomSeqLoader, RowShard, SequentialSeqLoader

    corpus = torch.arange(500) % 7
    X = torch.arange(20)
    loaders = [
        ArrayLoader(X, X, batch_size=4),
        BucketLoader(X, X, lengths=X % 5, batch_size=4),
        RandomSeqLoader(corpus, 4, 5),
        SequentialSeqLoader(corpus, 4, 5),
        SequentialSeqLoader(corpus, 4, 5).shard(1, 2),
    ]
    for loader in loaders:
        assert isinstance(loader, Loader) and as_loader(loader) is loader
        assert len(list(loader.epoch(0, 1))) == len(loader) - 1  # start skips batches
    assert isinstance(loaders[-1], RowShard) and loaders[-1].carries_state
    assert not loaders[0].carries_state and loaders[3].carries_state
    wrapped = as_loader([(X[:2], X[:2]), (X[2:4], X[2:4])])  # a plain iterable of batches
    assert isinstance(wrapped, IterableLoader) and len(wrapped) == 2 and len(list(wrapped.epoch(3, 1))) == 1
    data_loader = as_loader(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, X), batch_size=8))
    assert len(data_loader) == 3 and [b[0].tolist() for b in data_loader.epoch(0, 2)] == [[16, 17, 18, 19]]
    with pytest.raises(Exception, match="cannot be split across processes"):
        data_loader.shard(0, 2)
