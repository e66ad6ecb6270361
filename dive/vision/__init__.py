"""vision: pure functions on images and boxes (book ch. 14): batch augmentation so far."""

from dive.vision.augment import flip_batch, hflip_mask, hflip_where

__all__ = ["flip_batch", "hflip_mask", "hflip_where"]
