"""The held-out split: labelled images that no training, early stopping, pruning or selection sees.

It is carved first, before anything else touches the data: outliers (the `auto` rule) stay
out of it, the rest is split like train/validation (groups of identical masks and the two
bands of one photograph kept together, stratified by big-rock presence) with the study's seed. Workers then hand the
objective only `HeldoutSplit.search`, so no pipeline can reach a held-out image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.data._data_io import MarsData
from harness.data._outliers import select_outliers
from harness.common._splits import SCENES, check_split_groups
from harness.data._split import split_indices

HELDOUT_SEED_OFFSET = 7919  # a seed apart from the train/val split's, which uses the study seed itself


@dataclass(frozen=True, eq=False)
class HeldoutSplit:
    """`search`: what the search may use; `heldout`: the held-out images; `indices`: their rows in the file."""

    search: MarsData
    heldout: MarsData
    indices: np.ndarray


def heldout_indices(masks: np.ndarray, fraction: float, seed: int, images: np.ndarray | None = None) -> np.ndarray:
    """Sorted indices of the held-out images (empty when `fraction` is 0); `images`: keep scenes together."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"heldout fraction must lie in [0, 1), got {fraction}")
    if fraction == 0.0:
        return np.zeros(0, dtype=np.int64)
    kept = np.setdiff1d(np.arange(len(masks)), select_outliers(masks, "auto"))
    return split_indices(masks, kept, fraction, seed + HELDOUT_SEED_OFFSET, images=images)[1]


def split_heldout(data: MarsData, fraction: float, seed: int, split_groups: str = SCENES) -> HeldoutSplit:
    """Carve the held-out images out of `data` (see the module docstring); `split_groups`: SPLIT_GROUPS."""
    scenes = data.images if check_split_groups(split_groups) == SCENES else None
    held = heldout_indices(data.masks, fraction, seed, images=scenes)
    rest = np.setdiff1d(np.arange(data.n_train), held)
    if len(rest) < 2:
        raise ValueError(f"only {len(rest)} images left for the search after holding out {len(held)}")

    def subset(rows: np.ndarray, tag: str) -> MarsData:
        return MarsData(data.images[rows], data.masks[rows], data.test_images, source=f"{data.source} ({tag})",
                        source_dtypes=data.source_dtypes)

    return HeldoutSplit(search=subset(rest, "search split"), heldout=subset(held, "held-out split"), indices=held)
