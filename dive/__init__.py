"""dive: a runnable *Dive into Deep Learning* on PyTorch.

Layers (a package imports only from rows below it, see docs/architecture.md):

    cli
    recipes | bench
    models | scratch | data | train | plot
    nn | vision | text
    core
"""

__version__ = "0.1.0"
