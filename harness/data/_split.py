"""Seeded train/validation split, stratified by big-rock presence, keeping scenes together."""

from __future__ import annotations

import numpy as np

from harness.data._outliers import mask_group_ids
from harness.data._scenes import scene_ids

BIG_ROCK = 4


def has_big_rock(masks: np.ndarray) -> np.ndarray:
    """Boolean per mask: does it hold any big-rock pixel?"""
    return (masks == BIG_ROCK).reshape(len(masks), -1).any(axis=1)


def _assign_units(unit_sizes: np.ndarray, target: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean per unit: in validation. Shuffled first-fit up to `target` images."""
    in_val = np.zeros(len(unit_sizes), bool)
    filled = 0
    for u in rng.permutation(len(unit_sizes)):
        if filled + unit_sizes[u] <= target + 0.5:
            in_val[u] = True
            filled += unit_sizes[u]
    return in_val


def split_indices(masks: np.ndarray, candidates: np.ndarray, val_fraction: float,
                  seed: int, images: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Split `candidates` (indices into `masks`) into sorted (train, val) index arrays.

    Units are groups of identical masks and, when `images` is given, the two bands of one
    photograph (`scene_ids`); a single image is a unit of one. No unit straddles the split;
    within each stratum (units with / without big rock) about `val_fraction` of the images go
    to validation.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    candidates = np.asarray(candidates, dtype=np.int64)
    rng = np.random.default_rng(seed)
    chosen = masks[candidates]
    # dense ids 0..n_units-1
    unit_of = mask_group_ids(chosen) if images is None else scene_ids(images[candidates], chosen)
    unit_sizes = np.bincount(unit_of)
    unit_rock = np.zeros(len(unit_sizes), bool)
    np.logical_or.at(unit_rock, unit_of, has_big_rock(chosen))
    unit_in_val = np.zeros(len(unit_sizes), bool)
    for stratum in (True, False):
        units = np.flatnonzero(unit_rock == stratum)
        target = val_fraction * unit_sizes[units].sum()
        unit_in_val[units] = _assign_units(unit_sizes[units], target, rng)
    in_val = unit_in_val[unit_of]
    return np.sort(candidates[~in_val]), np.sort(candidates[in_val])


def stratified_subset(masks: np.ndarray, indices: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """A seeded subset of `indices` of at most `size` images, keeping the big-rock share; sorted."""
    indices = np.asarray(indices, dtype=np.int64)
    if size is None or size >= len(indices):
        return indices
    rng = np.random.default_rng(seed)
    rock = has_big_rock(masks[indices])
    n_rock = int(round(size * rock.mean()))
    n_rock = min(max(n_rock, 1 if rock.any() and size > 1 else 0), int(rock.sum()))
    n_rock = max(n_rock, size - int((~rock).sum()))
    picked = np.concatenate([rng.choice(indices[rock], n_rock, replace=False),
                             rng.choice(indices[~rock], size - n_rock, replace=False)])
    return np.sort(picked)
