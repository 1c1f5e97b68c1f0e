"""Big-rock oversampling as in the course report: paste a big rock, with its contour, into copies."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from harness.data._split import BIG_ROCK, has_big_rock


class RockPatch(NamedTuple):
    """A donor's big rock: the image and mask inside its bounding box plus a contour margin."""

    image: np.ndarray
    mask: np.ndarray


def find_rock_patches(images: np.ndarray, masks: np.ndarray, margin: int = 3, min_pixels: int = 40,
                      max_share: float = 0.25) -> list[RockPatch]:
    """Every connected big rock of `min_pixels` or more (and at most `max_share` of the image)."""
    from scipy import ndimage

    height, width = masks.shape[1:]
    patches = []
    for i in np.flatnonzero(has_big_rock(masks)):
        labels, _ = ndimage.label(masks[i] == BIG_ROCK)
        sizes = np.bincount(labels.ravel())
        for box, size in zip(ndimage.find_objects(labels), sizes[1:]):
            if size < min_pixels or size > max_share * height * width:
                continue
            rows = slice(max(box[0].start - margin, 0), min(box[0].stop + margin, height))
            cols = slice(max(box[1].start - margin, 0), min(box[1].stop + margin, width))
            patches.append(RockPatch(images[i, rows, cols].copy(), masks[i, rows, cols].copy()))
    return patches


def paste_rocks(images: np.ndarray, masks: np.ndarray, strength: float,
                seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Append round(strength * N) copies of random training images, each with one donor rock pasted.

    Returns (images, masks, n_added). With no donor rock in the split, nothing is added.
    """
    if strength < 0:
        raise ValueError(f"oversample strength cannot be negative, got {strength}")
    patches = find_rock_patches(images, masks)
    n_copies = int(round(strength * len(images)))
    if not patches or n_copies == 0:
        return images, masks, 0
    rng = np.random.default_rng(seed)
    targets = rng.choice(len(images), n_copies, replace=n_copies > len(images))
    new_images, new_masks = images[targets].copy(), masks[targets].copy()
    height, width = masks.shape[1:]
    for k, donor in enumerate(rng.integers(0, len(patches), n_copies)):
        patch = patches[donor]
        ph, pw = patch.mask.shape
        top = rng.integers(0, height - ph + 1)
        left = rng.integers(0, width - pw + 1)
        new_images[k, top:top + ph, left:left + pw] = patch.image
        new_masks[k, top:top + ph, left:left + pw] = patch.mask
    return np.concatenate([images, new_images]), np.concatenate([masks, new_masks]), n_copies
