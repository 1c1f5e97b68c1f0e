"""On-the-fly augmentation for tf.data: geometric (image and mask together) and photometric (image only).

All randomness is stateless and comes from a per-element seed, so a pipeline is repeatable.
TensorFlow is imported inside the functions, never at module import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    """Switches and ranges: shifts up to `max_shift` (rows, cols) pixels, brightness +-`brightness`,
    contrast factor in [1 - contrast, 1 + contrast]."""

    geometric: bool = True
    photometric: bool = False
    max_shift: tuple[int, int] = (4, 8)
    brightness: float = 0.1
    contrast: float = 0.2

    def __post_init__(self) -> None:
        if len(self.max_shift) != 2 or min(self.max_shift) < 0:
            raise ValueError(f"max_shift must be two non-negative ints (rows, cols), got {self.max_shift}")
        if not 0.0 <= self.brightness < 1.0:
            raise ValueError(f"brightness must lie in [0, 1), got {self.brightness}")
        if not 0.0 <= self.contrast < 1.0:
            raise ValueError(f"contrast must lie in [0, 1), got {self.contrast}")


PIXEL_SCALE = 255.0  # uint8 pixels / PIXEL_SCALE: the [0, 1] inputs every model trains and predicts on


def to_model_inputs(image: Any, mask: Any) -> tuple[Any, Any]:
    """uint8 (H,W) image and mask -> (float32 (H,W,1) in [0,1], int32 (H,W)) inside tf.data."""
    import tensorflow as tf

    return tf.cast(image, tf.float32)[..., None] / PIXEL_SCALE, tf.cast(mask, tf.int32)


def scale_images(images: Any) -> np.ndarray:
    """uint8 (..., H, W) images -> float32 (..., H, W, 1) in [0, 1], as `to_model_inputs` (NumPy)."""
    return np.asarray(images, np.float32)[..., None] / np.float32(PIXEL_SCALE)


def _geometric(stack: Any, seeds: Any, max_shift: tuple[int, int]) -> Any:
    """Flip, 180-degree rotation and shift of an (H,W,2) image+mask stack, all at once."""
    import tensorflow as tf

    stack = tf.image.stateless_random_flip_left_right(stack, seeds[0])
    rotate = tf.random.stateless_uniform([], seeds[1]) < 0.5
    stack = tf.where(rotate, tf.reverse(stack, axis=[0, 1]), stack)
    dy, dx = max_shift
    if dy or dx:
        shape = tf.shape(stack)
        padded = tf.pad(stack, [[dy, dy], [dx, dx], [0, 0]], mode="REFLECT")
        stack = tf.image.stateless_random_crop(padded, shape, seeds[2])
    return stack


def _photometric(image: Any, seeds: Any, config: AugmentConfig) -> Any:
    import tensorflow as tf

    image = tf.image.stateless_random_brightness(image, config.brightness, seeds[3])
    image = tf.image.stateless_random_contrast(image, 1.0 - config.contrast, 1.0 + config.contrast, seeds[4])
    return tf.clip_by_value(image, 0.0, 1.0)


def build_augment(config: AugmentConfig) -> Callable[[Any, Any, Any], tuple[Any, Any]]:
    """A tf.data map function (image uint8, mask uint8, seed int64[2]) -> model inputs, augmented."""
    import tensorflow as tf

    def augment(image: Any, mask: Any, seed: Any) -> tuple[Any, Any]:
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=5)
        if config.geometric:
            stack = _geometric(tf.stack([image, mask], axis=-1), seeds, config.max_shift)
            image, mask = stack[..., 0], stack[..., 1]
        image, mask = to_model_inputs(image, mask)
        if config.photometric:
            image = _photometric(image, seeds, config)
        return image, mask

    return augment
