"""nn: blocks shared by several models (initialisation now; attention and friends as the chapters arrive)."""

from dive.nn.init import init_normal, init_xavier

__all__ = ["init_normal", "init_xavier"]
