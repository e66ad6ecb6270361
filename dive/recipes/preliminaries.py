"""Book chapter 2, part 1: `ndarray` (§2.1), `data-preprocessing` (§2.2), `linear-algebra` (§2.3).

Each recipe prints what the book's page shows, next to the value the book prints, and counts the places where
they differ (the metric, band 0-0): a reader can run the chapter and see every line hold on their own machine and
torch version. Nothing is trained; each draws one picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from dive.plot import Panel, plot_function_panels, plot_heatmaps
from dive.recipes.base import Profile, RunContext, RunResult, TrainConfig, recipe
from dive.recipes.common import write_records


@dataclass(frozen=True)
class PrelimConfig(TrainConfig):
    """Book §2.1-2.3: the demonstrations' few settings; nothing is trained."""

    pass


class Checks:
    """Lines of (what, got, expected): printed as the book's page, and counted where they differ."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = 0

    def __call__(self, what: str, got, expected) -> None:
        same = torch.equal(got, expected) if isinstance(got, torch.Tensor) else got == expected
        self.failed += not same
        shown = got.tolist() if isinstance(got, torch.Tensor) else got
        self.lines.append(f"{'ok ' if same else 'DIFFERS'} {what}: {shown}" + ("" if same else f" (book: {expected})"))

    def result(self, ctx: RunContext, extra: dict | None = None) -> RunResult:
        for line in self.lines:
            print(line)
        if ctx.out_dir is not None:
            ctx.out_dir.mkdir(parents=True, exist_ok=True)
            write_records(ctx.out_dir / "history.jsonl", [{"kind": "check", "line": line} for line in self.lines])
        m = {"differences": float(self.failed), "checks": float(len(self.lines)), **(extra or {})}
        return RunResult(m, f"{len(self.lines) - self.failed} of {len(self.lines)} lines as the book prints them")


def run_ndarray(cfg: PrelimConfig, ctx: RunContext) -> RunResult:
    c = Checks()
    x = torch.arange(12, dtype=torch.float32)
    c("x = torch.arange(12.) has numel", x.numel(), 12)
    X = x.reshape(3, 4)
    c("X = x.reshape(3, 4): shape", tuple(X.shape), (3, 4))
    c("X[-1]", X[-1], torch.tensor([8.0, 9, 10, 11]))
    c("X[1:3]", X[1:3], torch.tensor([[4.0, 5, 6, 7], [8, 9, 10, 11]]))
    a, b = torch.arange(3).reshape(3, 1), torch.arange(2).reshape(1, 2)
    c("broadcasting: a (3, 1) + b (1, 2)", a + b, torch.tensor([[0, 1], [1, 2], [2, 3]]))
    Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    c("X == Y", (X == Y).int(), torch.tensor([[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]).int())
    c("X.sum()", float(X.sum()), 66.0)
    before = id(Y)
    Y = Y + X
    c("Y = Y + X allocates a new tensor: id(Y) == before", id(Y) == before, False)
    Z = torch.zeros_like(Y)
    before = id(Z)
    Z[:] = X + Y
    c("Z[:] = X + Y writes in place: id(Z) == before", id(Z) == before, True)
    before = id(X)
    X += Y
    c("X += Y writes in place: id(X) == before", id(X) == before, True)
    A = X.numpy()
    B = torch.from_numpy(A)
    c("X.numpy() and torch.from_numpy share memory", B.data_ptr() == X.data_ptr(), True)
    c("type(A).__name__, type(B).__name__", (type(A).__name__, type(B).__name__), ("ndarray", "Tensor"))
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    panels = torch.stack([(a + 0 * b).float(), (b + 0 * a).float(), (a + b).float()])
    plot_heatmaps(panels, ctx.out_dir / "broadcast.png", xlabel="column", ylabel="row",
                  titles=["a (3x1), broadcast", "b (1x2), broadcast", "a + b"])  # fmt: skip
    return c.result(ctx)


HOUSE_TINY = "NumRooms,RoofType,Price\nNA,NA,127500\n2,NA,106000\n4,Slate,178100\nNA,NA,140000\n"


def run_data_preprocessing(cfg: PrelimConfig, ctx: RunContext) -> RunResult:
    """The book writes a tiny house CSV with missing values, reads it with pandas, imputes and one-hot encodes."""
    import pandas as pd

    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.out_dir / "house_tiny.csv"
    path.write_text(HOUSE_TINY)
    data = pd.read_csv(path)
    c = Checks()
    c("missing values per column (NumRooms, RoofType, Price)", [int(v) for v in data.isna().sum()], [2, 3, 0])
    inputs, targets = data.iloc[:, 0:2], data.iloc[:, 2]
    inputs = pd.get_dummies(inputs, dummy_na=True)  # RoofType -> RoofType_Slate, RoofType_nan
    c("columns after get_dummies(dummy_na=True)", list(inputs.columns), ["NumRooms", "RoofType_Slate", "RoofType_nan"])
    inputs = inputs.fillna(inputs.mean())  # NumRooms: NA -> the mean of 2 and 4
    X = torch.tensor(inputs.to_numpy(dtype=float))
    y = torch.tensor(targets.to_numpy(dtype=float))
    c("X", X, torch.tensor([[3.0, 0, 1], [2, 0, 1], [4, 1, 0], [3, 0, 1]], dtype=torch.float64))
    c("y", y, torch.tensor([127500.0, 106000, 178100, 140000], dtype=torch.float64))
    c("missing values left", int(inputs.isna().sum().sum()), 0)
    missing = torch.tensor(data.isna().to_numpy(dtype=float)).float()  # (4 rows, 3 columns)
    scaled = (X / X.amax(0)).float()  # each input column over its largest value
    plot_heatmaps(torch.stack([missing, scaled]), ctx.out_dir / "imputed.png", xlabel="column", ylabel="row",
                  titles=["NA in the CSV", "X (scaled)"])  # fmt: skip
    return c.result(ctx)


def run_linear_algebra(cfg: PrelimConfig, ctx: RunContext) -> RunResult:
    c = Checks()
    A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    c("A.T", A.T, torch.tensor([[0.0, 3], [1, 4], [2, 5]]))
    c("A.sum(axis=0), A.sum(axis=1)", (A.sum(0).tolist(), A.sum(1).tolist()), ([3.0, 5, 7], [3.0, 12]))
    c("A.mean(), A.sum() / A.numel()", (float(A.mean()), float(A.sum() / A.numel())), (2.5, 2.5))
    c("A / A.sum(axis=1, keepdims=True), row 0", (A / A.sum(1, keepdim=True))[0], torch.tensor([0.0, 1, 2]) / 3)
    x, y = torch.arange(3, dtype=torch.float32), torch.ones(3)
    c("torch.dot(x, y)", float(torch.dot(x, y)), 3.0)
    c("torch.mv(A, x)", torch.mv(A, x), torch.tensor([5.0, 14]))
    c("torch.mm(A, torch.ones(3, 4)), row 1", torch.mm(A, torch.ones(3, 4))[1], torch.tensor([12.0] * 4))
    u = torch.tensor([3.0, -4.0])
    c("torch.norm(u) (L2)", float(torch.norm(u)), 5.0)
    c("torch.abs(u).sum() (L1)", float(u.abs().sum()), 7.0)
    c("torch.norm(torch.ones((4, 9))) (Frobenius)", float(torch.norm(torch.ones(4, 9))), 6.0)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    t = torch.linspace(0, 2 * torch.pi, 400)
    circle = torch.stack([t.cos(), t.sin()])
    balls = {f"L{p}": circle / circle.abs().pow(p).sum(0).pow(1 / p) for p in (1, 2)}
    balls["Linf"] = circle / circle.abs().amax(0)
    panel = Panel("unit balls: ||x|| = 1 for three norms",
                  curves={k: (v[0], v[1]) for k, v in balls.items()}, points={"u / ||u||_2": (0.6, -0.8)})  # fmt: skip
    plot_function_panels([panel], ctx.out_dir / "norms.png", cols=1)
    return c.result(ctx)


def _register(name: str, section: str, run) -> None:
    cfg = PrelimConfig()
    recipe(name, section=section, dataset="synthetic", metric="differences", higher_is_better=False, run=run,
           checkpoints=False, book=Profile(cfg, band=(0, 0), minutes=0.1, source="the book's printed values"),
           quick=Profile(cfg, band=(0, 0), minutes=0.1, source="the book's printed values"),
           tiny=Profile(cfg))  # fmt: skip


_register("ndarray", "2.1 Data manipulation (creation, broadcasting, indexing, memory, NumPy)", run_ndarray)
_register(
    "data-preprocessing", "2.2 Data preprocessing (a tiny CSV with missing values, pandas)", run_data_preprocessing
)
_register("linear-algebra", "2.3 Linear algebra (reductions, products, norms)", run_linear_algebra)
