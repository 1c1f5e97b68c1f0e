"""The course report's Table 1 (published mIoU on the course data) and the rule matching it.

Rows come from `marsseg_models.TABLE1`, the one source of the seven architectures and their
published figures (plain data: importing it starts no TensorFlow). A variant matches a row
when family, residual, SE levels, bottleneck and attention gates are equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from marsseg_models import TABLE1

ARCH_PARAMS = ("model.family", "model.residual", "model.se_levels", "model.bottleneck", "model.attention_gates")
PUBLISHED_MIOU = {entry.name: entry.published_miou for entry in TABLE1}
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
    """The seven rows of Table 1 with their architecture keys."""
    rows = []
    for entry in TABLE1:
        c = entry.config
        key = (c.family, bool(c.residual), int(c.se_levels), c.bottleneck, bool(c.attention_gates))
        rows.append(PublishedRow(entry.name, key, entry.published_miou))
    return tuple(rows)


def match_table1(params: Mapping[str, Any], rows: tuple[PublishedRow, ...] | None = None) -> PublishedRow | None:
    """The Table 1 row whose architecture equals this variant's, if any."""
    key = arch_key(params)
    for row in table1_rows() if rows is None else rows:
        if row.key == key:
            return row
    return None
