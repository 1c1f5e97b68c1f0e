"""Images that show one scene, so that a split keeps them on one side.

AI4Mars images were resized to 128x128 and cut into a top and a bottom 64x128 band
(`../shared/data/README.md`); the file holds both bands of a photograph in shuffled rows. A
model that trained on one band and is scored on the other is scored on a scene it has seen.
The seam gives the pairs away: the top band's last row continues into the bottom band's first
row. `band_pairs` pairs rows that are each other's nearest neighbour across the seam (and
whose labels, where both seam rows hold one, mostly agree); `scene_ids` joins those pairs with
the groups of identical masks (outliers, blank masks) that the split already kept together.

Pairing too much only coarsens the split's units; pairing too little leaks a scene.
"""

from __future__ import annotations

import numpy as np

from harness.common._splits import MASKS, SCENES, SPLIT_GROUPS  # noqa: F401  (re-exported by harness.data)
from harness.data._outliers import mask_group_ids

MIN_LABEL_AGREEMENT = 0.5  # share of seam pixels labelled in both bands whose labels agree
MIN_SHARED_LABELS = 8  # fewer co-labelled seam pixels than this: the labels cannot judge


def band_pairs(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(k, 2) int array of (top, bottom) rows whose seam matches; see the module docstring.

    A pair: row i's last image row and row j's first are mutual nearest neighbours (squared
    Euclidean distance over all rows of the file), and the seam's labels agree on at least
    MIN_LABEL_AGREEMENT of the pixels labelled in both (or too few are labelled to judge).
    """
    n = len(images)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    last = images[:, -1, :].astype(np.float32)
    first = images[:, 0, :].astype(np.float32)
    dist = (last * last).sum(1)[:, None] + (first * first).sum(1)[None, :] - 2.0 * last @ first.T
    np.fill_diagonal(dist, np.inf)
    below, above = dist.argmin(axis=1), dist.argmin(axis=0)
    tops = np.flatnonzero(above[below] == np.arange(n))
    bottoms = below[tops]
    seam_top, seam_bottom = masks[tops, -1, :], masks[bottoms, 0, :]
    shared = (seam_top > 0) & (seam_bottom > 0)
    n_shared = shared.sum(axis=1)
    agree = ((seam_top == seam_bottom) & shared).sum(axis=1)
    keep = (n_shared < MIN_SHARED_LABELS) | (agree >= MIN_LABEL_AGREEMENT * n_shared)
    return np.stack([tops[keep], bottoms[keep]], axis=1).astype(np.int64)


def scene_ids(images: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Dense int ids per row: equal ids for identical masks and for the two bands of a photograph."""
    ids = mask_group_ids(masks)
    parent = np.arange(ids.max() + 1 if len(ids) else 0)

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for top, bottom in band_pairs(images, masks):
        a, b = root(ids[top]), root(ids[bottom])
        parent[max(a, b)] = min(a, b)
    roots = np.array([root(g) for g in ids], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].ravel()
