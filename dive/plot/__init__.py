"""plot: figures from recorded history or tensors, written to files; never needs a display."""

from dive.plot.boxes import BoxPanel, plot_boxes
from dive.plot.contour import plot_traces_2d
from dive.plot.curves import plot_history, plot_series, plot_zipf
from dive.plot.functions import Panel, plot_function_panels
from dive.plot.gp import plot_gp_panels
from dive.plot.gridworld import plot_value_progress
from dive.plot.heatmap import plot_confusion, plot_heatmaps
from dive.plot.histogram import plot_length_histogram
from dive.plot.images import plot_image_grid
from dive.plot.lr_find import plot_lr_find
from dive.plot.sweep import plot_incumbents, plot_rungs, plot_trials

__all__ = [
    "BoxPanel",
    "plot_boxes",
    "Panel",
    "plot_function_panels",
    "plot_gp_panels",
    "plot_traces_2d",
    "plot_value_progress",
    "plot_confusion",
    "plot_heatmaps",
    "plot_history",
    "plot_image_grid",
    "plot_lr_find",
    "plot_incumbents",
    "plot_rungs",
    "plot_trials",
    "plot_length_histogram",
    "plot_series",
    "plot_zipf",
]
