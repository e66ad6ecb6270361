"""nn: blocks shared by several models (initialisation, layer-size arithmetic; attention as the chapters arrive)."""

from dive.nn.init import init_normal, init_xavier
from dive.nn.shapes import conv_out_size

__all__ = ["conv_out_size", "init_normal", "init_xavier"]
