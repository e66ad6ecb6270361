"""Region-of-interest pooling (book §14.8.2, Fast R-CNN), from scratch: loops over regions and bins, tensor ops only.

Each region (batch index, x1, y1, x2, y2) in input-image pixels is scaled onto the feature map by
`spatial_scale` (1/16 for a VGG stride-16 map), rounded to whole cells, and cut into an h x w grid of bins of
(nearly) equal size; each bin keeps its maximum. Every region, whatever its size, so becomes an h x w map: that is
what lets one fully connected head classify proposals of any shape. The arithmetic is torchvision's
(`torchvision.ops.roi_pool`, checked by tests): corners rounded half away from zero, a region at least one cell
wide, bin edges floor(i * size / h) and ceil((i + 1) * size / h), and an empty bin 0. `roi_align` (Mask R-CNN)
replaces the rounding by bilinear sampling; torchvision's is shown beside this one in the tests.
"""

from __future__ import annotations

import math

from torch import Tensor


def _round(x: float) -> int:
    """Round half away from zero, as C's round() does (Python's round() rounds half to even)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def roi_pool(X: Tensor, rois: Tensor, output_size: tuple[int, int], spatial_scale: float = 1.0) -> Tensor:
    """X (N, C, H, W), rois Tensor[K, 5] rows (batch index, x1, y1, x2, y2) -> Tensor[K, C, h, w]."""
    h_out, w_out = output_size
    _, C, H, W = X.shape
    out = X.new_zeros(rois.shape[0], C, h_out, w_out)
    for k, (b, x1, y1, x2, y2) in enumerate(rois.tolist()):
        x_start, y_start = _round(x1 * spatial_scale), _round(y1 * spatial_scale)
        x_end, y_end = _round(x2 * spatial_scale), _round(y2 * spatial_scale)
        roi_w, roi_h = max(x_end - x_start + 1, 1), max(y_end - y_start + 1, 1)
        bin_h, bin_w = roi_h / h_out, roi_w / w_out
        for i in range(h_out):
            top = min(max(math.floor(i * bin_h) + y_start, 0), H)
            bottom = min(max(math.ceil((i + 1) * bin_h) + y_start, 0), H)
            for j in range(w_out):
                left = min(max(math.floor(j * bin_w) + x_start, 0), W)
                right = min(max(math.ceil((j + 1) * bin_w) + x_start, 0), W)
                if bottom > top and right > left:  # an empty bin stays 0
                    out[k, :, i, j] = X[int(b), :, top:bottom, left:right].amax(dim=(-2, -1))
    return out
