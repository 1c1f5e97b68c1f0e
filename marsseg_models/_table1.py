"""`TABLE1`: the seven networks of the course report's Table 1, with the test mIoU it published.

This is the one source of Table 1: the search space's presets (`search_spaces.TABLE1_PRESETS`)
and the report's matching rule (`reports`) are derived from it. `COURSE_LOSS` is the loss
every row was trained with (section 3: alpha = beta = 0.5, the report's Dice formula, gamma 2;
the report scores classes 1-4 but does not leave background out of the loss).
`TABLE1_ARCH_FIELDS` are the ModelConfig fields that tell the rows apart.

The report names the components of each network but not its width or depth; depth 4 and
32 base filters are our reading. Dropout follows the report (deepest encoder blocks and
bottleneck at 0.5); the plain U-Net row uses the dilated bottleneck the report settled on
only for the residual SE U-Net. The published figures are reference data to compare with,
not something this code reproduces.
"""

from __future__ import annotations

from dataclasses import fields
from typing import NamedTuple

from marsseg_models._config import ModelConfig
from marsseg_models._loss_config import LossConfig


class Table1Entry(NamedTuple):
    """One row of Table 1: name as printed, our config, published test mIoU."""

    name: str
    config: ModelConfig
    published_miou: float


_BASE = {"depth": 4, "base_filters": 32, "dropout": "deep", "dropout_rate": 0.5}
_RES_SE = {"residual": True, "se_levels": 2}

TABLE1: tuple[Table1Entry, ...] = (
    Table1Entry("U-Net", ModelConfig(family="unet", **_BASE), 0.61892),
    Table1Entry("U-Net++", ModelConfig(family="unet_pp", **_BASE), 0.62356),
    Table1Entry("Double U-Net", ModelConfig(family="double_unet", **_BASE), 0.62784),
    Table1Entry("Double parallel U-Net (global + local)", ModelConfig(family="double_unet_parallel", **_BASE), 0.63169),
    Table1Entry("U-Net, residual, SE", ModelConfig(family="unet", bottleneck="dilated", **_RES_SE, **_BASE), 0.67663),
    Table1Entry(
        "Double U-Net, residual, SE, ASPP, attention gates",
        ModelConfig(family="double_unet", bottleneck="aspp", attention_gates=True, **_RES_SE, **_BASE),
        0.70139,
    ),
    Table1Entry("Double U-Net, residual, SE, ASPP", ModelConfig(family="double_unet", bottleneck="aspp", **_RES_SE, **_BASE), 0.70329),
)

COURSE_LOSS = LossConfig(alpha=0.5, gamma=2.0, dice="course", exclude_background=False, class_weighting="none")

TABLE1_ARCH_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ModelConfig) if len({getattr(e.config, f.name) for e in TABLE1}) > 1
)
