"""The course report's Table 1 (published mIoU on the course data) and the rule matching it.

Rows come from `marsseg_models.TABLE1`, the one source of the seven architectures and their
published figures (plain data: importing it starts no TensorFlow). A variant matches a row
when the architecture fields that tell the rows apart (`marsseg_models.TABLE1_ARCH_FIELDS`:
family, residual, SE levels, bottleneck, attention gates) are equal. Family labels are the
model zoo's `FAMILY_LABELS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from marsseg_models import FAMILY_LABELS, TABLE1, TABLE1_ARCH_FIELDS, ModelConfig

ARCH_PARAMS = tuple(f"model.{name}" for name in TABLE1_ARCH_FIELDS)
PUBLISHED_MIOU = {entry.name: entry.published_miou for entry in TABLE1}
_REFERENCE = ModelConfig()
_TYPES = {f"model.{name}": type(getattr(_REFERENCE, name)) for name in TABLE1_ARCH_FIELDS}
_DEFAULTS = {f"model.{name}": getattr(_REFERENCE, name) for name in TABLE1_ARCH_FIELDS if name != "family"}
"""What the builder uses when a toggle is absent (the family has no default: it is always set)."""

__all__ = ["ARCH_PARAMS", "FAMILY_LABELS", "PUBLISHED_MIOU", "PublishedRow", "arch_key", "match_table1", "table1_rows"]


class PublishedRow(NamedTuple):
    """One row of Table 1: label as printed, architecture key, published mIoU."""

    label: str
    key: tuple[Any, ...]
    miou: float


def arch_key(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """The ARCH_PARAMS values (family, residual, se_levels, ...), absent ones at their defaults."""
    out = []
    for name in ARCH_PARAMS:
        value = params.get(name)
        if value is None or (isinstance(value, float) and value != value):
            value = _DEFAULTS.get(name)
        out.append(_TYPES[name](value))  # bool, int or str, as in ModelConfig
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
