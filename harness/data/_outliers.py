"""Groups of identical masks, and the rule that flags an anomalously large one (the "alien" images)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from harness.common import MarssegError

OUTLIER_MODES = ("auto", "none")


class MaskGroup(NamedTuple):
    """Training images whose masks are byte-identical; `labelled` is False when all pixels are 0."""

    size: int
    labelled: bool
    indices: tuple[int, ...]


@dataclass(frozen=True)
class OutlierRule:
    """A labelled group is anomalous when it stands above the first big gap in the sorted group sizes.

    Sorting labelled groups by size (singletons count as size 1), the groups above the first
    place where one size is at least `gap_ratio` times the next are flagged, provided that
    group holds at least `min_size` images and `min_share` of all images. Unlabelled groups
    (no labelled pixel) carry no labels and are never flagged.
    """

    gap_ratio: float = 4.0
    min_size: int = 10
    min_share: float = 0.01

    def __post_init__(self) -> None:
        if self.gap_ratio <= 1.0:
            raise ValueError(f"gap_ratio must exceed 1, got {self.gap_ratio}")
        if self.min_size < 2:
            raise ValueError(f"min_size must be at least 2, got {self.min_size}")
        if not 0.0 <= self.min_share < 1.0:
            raise ValueError(f"min_share must lie in [0, 1), got {self.min_share}")


def mask_group_ids(masks: np.ndarray) -> np.ndarray:
    """An integer id per mask; equal ids mean byte-identical masks."""
    flat = np.ascontiguousarray(masks.reshape(len(masks), -1))
    rows = flat.view(np.dtype((np.void, flat.shape[1]))).ravel()
    _, ids = np.unique(rows, return_inverse=True)
    return ids.ravel()


def find_mask_groups(masks: np.ndarray) -> list[MaskGroup]:
    """Groups of two or more identical masks, largest first (ties: lowest first index first)."""
    ids = mask_group_ids(masks)
    counts = np.bincount(ids)
    groups = []
    for gid in np.flatnonzero(counts >= 2):
        members = np.flatnonzero(ids == gid)
        groups.append(MaskGroup(len(members), bool(masks[members[0]].any()), tuple(int(i) for i in members)))
    groups.sort(key=lambda g: (-g.size, g.indices[0]))
    return groups


def anomalous_groups(groups: list[MaskGroup], n_images: int, rule: OutlierRule = OutlierRule()) -> list[int]:
    """Indices into `groups` of the anomalously large labelled groups (see OutlierRule)."""
    labelled = [i for i, g in enumerate(groups) if g.labelled]
    sizes = [groups[i].size for i in labelled] + [1]
    for k in range(len(labelled)):
        big = sizes[k]
        if big < rule.min_size or big < rule.min_share * n_images:
            return []
        if big >= rule.gap_ratio * sizes[k + 1]:
            return labelled[: k + 1]
    return []


def select_outliers(masks: np.ndarray, mode: str | int = "auto", rule: OutlierRule = OutlierRule()) -> np.ndarray:
    """Sorted training indices to drop: `auto` (the rule), `none`, or a group index of find_mask_groups."""
    groups = find_mask_groups(masks)
    if mode == "none":
        chosen: list[int] = []
    elif mode == "auto":
        chosen = anomalous_groups(groups, len(masks), rule)
    elif isinstance(mode, int) and not isinstance(mode, bool):
        if not 0 <= mode < len(groups):
            raise MarssegError(f"outlier group index {mode} is out of range: the data has {len(groups)} "
                               f"groups of identical masks (valid: 0..{len(groups) - 1})")
        chosen = [mode]
    else:
        raise MarssegError(f"outliers must be one of {OUTLIER_MODES} or a group index, got {mode!r}")
    return np.array(sorted(i for g in chosen for i in groups[g].indices), dtype=np.int64)
