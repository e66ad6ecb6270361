"""dive: a runnable *Dive into Deep Learning* on PyTorch.

    import dive
    r = dive.run("lenet", profile="quick")   # as `dive run lenet --profile quick`
    r.metrics, r.history, r.model
    model = dive.load("runs/lenet")          # no dataset needed
    dive.predict("runs/lenet", ["shoe.png"]).value

Layers (a package imports only from rows below it, see docs/architecture.md):

    cli
    recipes | bench
    models | scratch | data | train | plot
    nn | vision | text
    core
"""

__version__ = "0.1.0"

__all__ = ["run", "load", "predict", "sweep", "Run", "__version__"]


def __getattr__(name: str):
    """`dive.run`, `dive.load`, `dive.predict`, `dive.sweep`, `dive.Run` (the Python API, `dive/cli/api.py`),
    imported on first use so that `import dive` stays light."""
    if name in ("run", "load", "predict", "sweep", "Run"):
        from dive.cli import api

        return getattr(api, name)
    raise AttributeError(f"module 'dive' has no attribute {name!r}")
