"""Data parallelism from scratch (book §13.5 "Training on Multiple GPUs", §13.7 "Parameter Servers").

The book's recipe, one process per device instead of one Python loop over devices:
1. split the minibatch into `world_size` parts (`split_batch`), one per process;
2. every process holds a replica of the parameters and computes the gradient of the mean loss on its part;
3. all-reduce the gradients: every process ends with their mean, i.e. the gradient on the whole minibatch
   (the mean of equal-sized part means is the mean over the batch);
4. every process takes the same SGD step, so the replicas stay identical without ever sending weights.

Step 3 is written two ways: with the `torch.distributed.all_reduce` primitive, and `ring_all_reduce_` from point-to-
point sends alone, the ring algorithm that makes all-reduce cost about 2 (W-1)/W times the data size per process
whatever the number of processes W (a reduce-scatter, then an all-gather, around a ring).

`AllReduceSGD` puts steps 3-4 into an optimizer, so `dive run data-parallel-scratch --nproc 2` trains the book's
§13.5 network (`LeNetDP`) through the one `fit` loop with no DDP at all.

`ParameterServerSGD` is the other design (§13.7): workers push gradients to one server (`reduce` to rank 0), the
server updates the weights, workers pull them back (`broadcast`). Its server link carries W times the data, which
is why all-reduce won for data parallel training; `dive bench exchange` measures both.

The exchange functions run inside an initialised process group (`dive.train.distributed`, or `torchrun`);
`AllReduceSGD` outside one is plain SGD.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

from dive.scratch.optim import SGD


def split_batch(X: Tensor, y: Tensor, world_size: int) -> list[tuple[Tensor, Tensor]]:
    """Split (X (B, ...), y (B, ...)) into `world_size` parts of near-equal size along the batch dimension."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} examples, y has {y.shape[0]}")
    if X.shape[0] < world_size:
        raise ValueError(f"a batch of {X.shape[0]} cannot be split across {world_size} processes")
    return list(zip(X.tensor_split(world_size), y.tensor_split(world_size), strict=True))


def flatten(tensors: Sequence[Tensor]) -> Tensor:
    """One flat buffer holding all `tensors`: one message instead of one per parameter (DDP calls these buckets)."""
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten_(flat: Tensor, tensors: Sequence[Tensor]) -> None:
    """Copy the flat buffer back into `tensors`, in place."""
    offset = 0
    for t in tensors:
        t.copy_(flat[offset : offset + t.numel()].view_as(t))
        offset += t.numel()


def ring_all_reduce_(x: Tensor) -> Tensor:
    """Sum the 1-D tensor `x` over all processes, in place, with sends and receives only (the ring algorithm).

    With W processes in a ring (rank r sends to r+1, receives from r-1) and x cut into W chunks:
    - reduce-scatter, W-1 rounds: in round s rank r sends chunk (r - s) and adds the chunk (r - s - 1) it receives;
      afterwards rank r holds the complete sum of chunk (r + 1);
    - all-gather, W-1 rounds: in round s rank r sends chunk (r + 1 - s) and overwrites chunk (r - s) with what it
      receives; afterwards every rank holds every summed chunk.
    Each process sends 2 (W-1) chunks of size N/W: the traffic per process does not grow with W.
    """
    rank, w = dist.get_rank(), dist.get_world_size()
    if w == 1:
        return x
    chunks = list(x.tensor_split(w))  # views into x
    right, left = (rank + 1) % w, (rank - 1) % w
    for s in range(w - 1):  # reduce-scatter
        incoming = torch.empty_like(chunks[(rank - s - 1) % w])
        _exchange(chunks[(rank - s) % w], right, incoming, left)
        chunks[(rank - s - 1) % w].add_(incoming)
    for s in range(w - 1):  # all-gather
        _exchange(chunks[(rank + 1 - s) % w], right, chunks[(rank - s) % w], left)
    return x


def _exchange(send: Tensor, dst: int, recv: Tensor, src: int) -> None:
    """Send `send` to `dst` while receiving into `recv` from `src` (non-blocking both ways, so a ring never
    deadlocks with every process sending first)."""
    ops = [dist.P2POp(dist.isend, send.contiguous(), dst), dist.P2POp(dist.irecv, recv, src)]
    for req in dist.batch_isend_irecv(ops):
        req.wait()


def all_reduce_mean_(grads: Sequence[Tensor], ring: bool = False) -> None:
    """Replace each gradient by its mean over all processes (one flat message; `ring=True` uses `ring_all_reduce_`)."""
    flat = flatten(grads)
    if ring:
        ring_all_reduce_(flat)
    else:
        dist.all_reduce(flat)
    unflatten_(flat / dist.get_world_size(), grads)


class AllReduceSGD(SGD):
    """Minibatch SGD that averages the gradients over all processes itself before each step (steps 3-4 above), so
    the one `fit` loop trains data-parallel without DDP (`Trainer` sees `syncs_gradients` and does not wrap the
    model). The replicas start equal: rank 0's parameters are broadcast when the optimizer is built."""

    syncs_gradients = True

    def __init__(self, params: Iterable[Tensor], lr: float, ring: bool = False) -> None:
        super().__init__(params, lr)
        self.ring = ring
        if _in_group():
            with torch.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        _broadcast_(p.data)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        if _in_group():
            grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
            all_reduce_mean_(grads, ring=self.ring)
        return super().step(closure)


class LeNetDP(nn.Module):
    """The network of book §13.5 (its parameters as plain tensors, drawn from N(0, 0.01^2) as the book does):
    conv 3x3 -> 20, ReLU, avg-pool 2; conv 5x5 -> 50, ReLU, avg-pool 2; 800 -> 128, ReLU; 128 -> 10.

    X: (B, 1, 28, 28) -> logits (B, 10). Shapes: 28 -> 26 -> 13 -> 9 -> 4, so 50 x 4 x 4 = 800 inputs to the MLP."""

    def __init__(self, scale: float = 0.01) -> None:
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(20, 1, 3, 3) * scale)
        self.b1 = nn.Parameter(torch.zeros(20))
        self.W2 = nn.Parameter(torch.randn(50, 20, 5, 5) * scale)
        self.b2 = nn.Parameter(torch.zeros(50))
        self.W3 = nn.Parameter(torch.randn(800, 128) * scale)  # 50 channels x 4 x 4
        self.b3 = nn.Parameter(torch.zeros(128))
        self.W4 = nn.Parameter(torch.randn(128, 10) * scale)
        self.b4 = nn.Parameter(torch.zeros(10))

    def forward(self, X: Tensor) -> Tensor:
        h = F.avg_pool2d(F.relu(F.conv2d(X, self.W1, self.b1)), 2)  # (B, 20, 13, 13)
        h = F.avg_pool2d(F.relu(F.conv2d(h, self.W2, self.b2)), 2)  # (B, 50, 4, 4)
        h = F.relu(h.flatten(1) @ self.W3 + self.b3)  # (B, 128)
        return h @ self.W4 + self.b4


def _in_group() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _broadcast_(t: Tensor, src: int = 0) -> None:
    """Overwrite t with rank `src`'s value (through this process's GPU when the backend is NCCL, which sends
    only CUDA tensors)."""
    if dist.get_backend() == "nccl" and t.device.type != "cuda":
        on_gpu = t.to("cuda")
        dist.broadcast(on_gpu, src=src)
        t.copy_(on_gpu)
    else:
        dist.broadcast(t, src=src)


class ParameterServerSGD:
    """Synchronous SGD with a parameter server on rank 0 (book §13.7, one server, W workers).

    `step()` after `backward()`: push (sum the gradients onto the server: `reduce`), update on the server only,
    pull (everyone receives the new weights: `broadcast`). The replicas agree after every step, as with all-reduce,
    but all traffic goes through the server."""

    def __init__(self, params: Sequence[Tensor], lr: float, server: int = 0) -> None:
        self.params = list(params)
        self.lr = lr
        self.server = server

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        grads = flatten([p.grad for p in self.params])
        dist.reduce(grads, dst=self.server)  # push: the server receives the sum of all workers' gradients
        weights = flatten(self.params)
        if dist.get_rank() == self.server:
            weights -= self.lr * grads / dist.get_world_size()
        dist.broadcast(weights, src=self.server)  # pull: every worker gets the server's weights
        unflatten_(weights, self.params)
