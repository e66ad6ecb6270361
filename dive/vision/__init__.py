"""vision: pure functions on images and boxes (book ch. 14): formats, IoU, NMS, anchors, batch augmentation."""

from dive.vision.anchors import (
    anchors_per_pixel,
    assign_anchor_to_bbox,
    multibox_detection,
    multibox_prior,
    multibox_target,
    offset_boxes,
    offset_inverse,
)
from dive.vision.ap import COCO_THRESHOLDS, Detections, GroundTruth, average_precision, mean_average_precision
from dive.vision.augment import flip_batch, hflip_mask, hflip_where
from dive.vision.boxes import (
    box_area,
    box_center_to_corner,
    box_corner_to_center,
    box_iou,
    nms,
    to_pixels,
    to_relative,
)
from dive.vision.detection_augment import DetectionAugment
from dive.vision.masks import mask_confusion, segmentation_scores

__all__ = [
    "COCO_THRESHOLDS",
    "DetectionAugment",
    "Detections",
    "GroundTruth",
    "average_precision",
    "mean_average_precision",
    "anchors_per_pixel",
    "assign_anchor_to_bbox",
    "box_area",
    "box_center_to_corner",
    "box_corner_to_center",
    "box_iou",
    "flip_batch",
    "hflip_mask",
    "hflip_where",
    "multibox_detection",
    "multibox_prior",
    "multibox_target",
    "mask_confusion",
    "nms",
    "segmentation_scores",
    "offset_boxes",
    "offset_inverse",
    "to_pixels",
    "to_relative",
]
