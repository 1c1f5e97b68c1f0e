"""The course report's Table 1 (published mIoU on the course data) and the rule matching it.

Rows come from `marsseg_models.TABLE1`, the one source of the seven architectures and their
published figures (plain data: importing it starts no TensorFlow). A variant matches a row
when family, residual, SE levels, bottleneck and attention gates are equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from marsseg_models import TABLE1, ModelConfig

ARCH_PARAMS = ("model.family", "model.residual", "model.se_levels", "model.bottleneck", "model.attention_gates")
PUBLISHED_MIOU = {entry.name: entry.published_miou for entry in TABLE1}
FAMILY_LABELS = {
    "unet": "U-Net",
    "unet_pp": "U-Net++",
    "double_unet": "Double U-Net",
    "double_unet_parallel": "Double parallel U-Net",
}
_DEFAULTS = {name: getattr(ModelConfig(), name.removeprefix("model.")) for name in ARCH_PARAMS[1:]}
"""What the builder uses when a toggle is absent (the family has no default: it is always set)."""


class PublishedRow(NamedTuple):
    """One row of Table 1: label as printed, architecture key, published mIoU."""

    label: str
    key: tuple[Any, ...]
    miou: float


def arch_key(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """(family, residual, se_levels, bottleneck, attention gates), absent ones at their defaults."""
    out = []
    for name in ARCH_PARAMS:
        value = params.get(name)
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


@cache
def table1_rows() -> tuple[PublishedRow, ...]:
    """The seven rows of Table 1 with their architecture keys."""
    return tuple(
        PublishedRow(entry.name, arch_key({p: getattr(entry.config, p.removeprefix("model.")) for p in ARCH_PARAMS}),
                     entry.published_miou)
        for entry in TABLE1)


def match_table1(params: Mapping[str, Any]) -> PublishedRow | None:
    """The Table 1 row whose architecture equals this variant's, if any."""
    key = arch_key(params)
    return next((row for row in table1_rows() if row.key == key), None)
