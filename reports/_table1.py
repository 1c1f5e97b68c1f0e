"""The course report's Table 1 (published mIoU on the course data) and the rule matching it.

Architectures come from `search_spaces.TABLE1_PRESETS`, which mirrors
`marsseg_models.TABLE1` without importing TensorFlow (importing `marsseg_models` would);
the published figures are the course report's, keyed by the same row labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

ARCH_PARAMS = ("model.family", "model.residual", "model.se_levels", "model.bottleneck", "model.attention_gates")
PUBLISHED_MIOU = {
    "U-Net": 0.61892,
    "U-Net++": 0.62356,
    "Double U-Net": 0.62784,
    "Double parallel U-Net (global + local)": 0.63169,
    "U-Net, residual, SE": 0.67663,
    "Double U-Net, residual, SE, ASPP, attention gates": 0.70139,
    "Double U-Net, residual, SE, ASPP": 0.70329,
}
FAMILY_LABELS = {
    "unet": "U-Net",
    "unet_pp": "U-Net++",
    "double_unet": "Double U-Net",
    "double_unet_parallel": "Double parallel U-Net",
}
_DEFAULTS = {"model.residual": False, "model.se_levels": 0, "model.bottleneck": "plain",
             "model.attention_gates": False}


class PublishedRow(NamedTuple):
    """One row of Table 1: label as printed, architecture key, published mIoU."""

    label: str
    key: tuple[Any, ...]
    miou: float


def arch_key(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """(family, residual, se_levels, bottleneck, attention gates), absent ones at their defaults."""
    out = []
    for name in ARCH_PARAMS:
        value = params.get(name, _DEFAULTS.get(name))
        if value is None or (isinstance(value, float) and value != value):
            value = _DEFAULTS.get(name)
        if name in ("model.residual", "model.attention_gates"):
            value = bool(value)
        elif name == "model.se_levels":
            value = int(value)
        else:
            value = str(value)
        out.append(value)
    return tuple(out)


def table1_rows() -> tuple[PublishedRow, ...]:
    """Table 1 rows whose architecture is defined by the search spaces' presets."""
    from search_spaces import TABLE1_PRESETS

    return tuple(PublishedRow(label, arch_key(params), PUBLISHED_MIOU[label])
                 for label, params in TABLE1_PRESETS if label in PUBLISHED_MIOU)


def match_table1(params: Mapping[str, Any], rows: tuple[PublishedRow, ...] | None = None) -> PublishedRow | None:
    """The Table 1 row whose architecture equals this variant's, if any."""
    key = arch_key(params)
    for row in table1_rows() if rows is None else rows:
        if row.key == key:
            return row
    return None
