"""What a data split keeps together (no heavy imports: studies read these without loading the data layer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.common.attrs import SPLIT_GROUPS as SPLIT_GROUPS_KEY

MASKS, SCENES = "masks", "scenes"
# SCENES for new studies; MASKS for studies and configs stored before the two bands of a
# photograph were paired (they keep their split). See `harness.data._scenes`.
SPLIT_GROUPS: tuple[str, ...] = (MASKS, SCENES)


def check_split_groups(name: str) -> str:
    """`name` if it is one of SPLIT_GROUPS, else ValueError listing them."""
    if name not in SPLIT_GROUPS:
        raise ValueError(f"split groups must be one of {list(SPLIT_GROUPS)}, got {name!r}")
    return name


def stored_split_groups(stored: Mapping[str, Any]) -> str:
    """The split groups of a study (or data config) with these stored attributes: SCENES for a
    new one (nothing stored), else the stored value, else MASKS (stored before scenes were paired)."""
    return stored.get(SPLIT_GROUPS_KEY, MASKS) if stored else SCENES
