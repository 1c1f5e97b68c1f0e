"""The named spaces: `paper` (every design choice of the course report), `table1`, `smoke`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marsseg_models import BOTTLENECKS, CLASS_WEIGHTINGS, DROPOUT_PLACEMENTS, FAMILY_NAMES  # plain data, no Keras
from search_spaces._dimensions import Categorical, Condition, Dimension, FloatRange, IntRange
from search_spaces._space import SearchSpace

MULTI_DECODER = ("unet_pp", "double_unet", "double_unet_parallel")  # families with auxiliary outputs

_HAS_DROPOUT = Condition("model.dropout", "not in", ("none",))
_HAS_AUX = Condition("model.family", "in", MULTI_DECODER)
_HAS_FOCAL = Condition("loss.beta", ">", 0.0)


def _fixed(name: str, value: Any, *when: Condition) -> Categorical:
    """A one-choice dimension: recorded in the trial's params like any other."""
    return Categorical(name, choices=(value,), when=tuple(when))


def _bool(name: str, *when: Condition) -> Categorical:
    return Categorical(name, choices=(False, True), when=tuple(when))


_PAPER: tuple[Dimension, ...] = (
    Categorical("model.family", choices=FAMILY_NAMES),
    _bool("model.residual"),
    IntRange("model.se_levels", low=0, high=2),
    Categorical("model.bottleneck", choices=BOTTLENECKS),
    _bool("model.attention_gates"),
    Categorical("model.dropout", choices=DROPOUT_PLACEMENTS),
    FloatRange("model.dropout_rate", low=0.1, high=0.5, step=0.1, when=(_HAS_DROPOUT,)),
    _bool("model.deep_supervision", _HAS_AUX),
    Categorical("model.base_filters", choices=(16, 32, 48, 64)),
    IntRange("model.depth", low=3, high=5),
    FloatRange("loss.alpha", low=0.0, high=1.0, step=0.25),
    FloatRange("loss.beta", low=0.0, high=1.0, step=0.25),
    FloatRange("loss.gamma", low=1.0, high=4.0, step=0.5, when=(_HAS_FOCAL,)),  # around focal's usual 2
    Categorical("loss.class_weighting", choices=CLASS_WEIGHTINGS),
    _bool("aug.geometric"),
    _bool("aug.photometric"),
    _bool("data.oversample"),
    FloatRange("train.lr", low=1e-4, high=3e-3, log=True),
    FloatRange("train.weight_decay", low=1e-5, high=1e-2, log=True),
    Categorical("train.batch_size", choices=(16, 32, 64)),
)

# The course report's training recipe, shared by every Table 1 row.
_REPORT_RECIPE: dict[str, Any] = {
    "model.dropout": "deep", "model.dropout_rate": 0.5, "model.base_filters": 32, "model.depth": 4,
    "loss.alpha": 0.5, "loss.beta": 0.5, "loss.gamma": 2.0, "loss.class_weighting": "none",
    "aug.geometric": True, "aug.photometric": False, "data.oversample": True,
    "train.lr": 1e-3, "train.weight_decay": 1e-4, "train.batch_size": 32,
}


def _row(family: str, residual: bool = False, se: int = 0, bottleneck: str = "plain",
         attention: bool = False) -> dict[str, Any]:
    arch: dict[str, Any] = {"model.family": family, "model.residual": residual, "model.se_levels": se,
                            "model.bottleneck": bottleneck, "model.attention_gates": attention}
    if family in MULTI_DECODER:
        arch["model.deep_supervision"] = False  # no Table 1 row uses deep supervision
    return {**arch, **_REPORT_RECIPE}


# Table 1 of the course report, in its order; labels and architectures match
# marsseg_models.TABLE1 (a test checks it), with the report's training recipe.
TABLE1_PRESETS: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("U-Net", _row("unet")),
    ("U-Net++", _row("unet_pp")),
    ("Double U-Net", _row("double_unet")),
    ("Double parallel U-Net (global + local)", _row("double_unet_parallel")),
    ("U-Net, residual, SE", _row("unet", True, 2, "dilated")),
    ("Double U-Net, residual, SE, ASPP, attention gates", _row("double_unet", True, 2, "aspp", True)),
    ("Double U-Net, residual, SE, ASPP", _row("double_unet", True, 2, "aspp")),
)


def _table1_dimensions() -> tuple[Dimension, ...]:
    rows = [p for _, p in TABLE1_PRESETS]
    varying = ("model.family", "model.residual", "model.se_levels", "model.bottleneck",
               "model.attention_gates")
    dims: list[Dimension] = []
    for name in varying:
        choices = tuple(dict.fromkeys(r[name] for r in rows))
        dims.append(Categorical(name, choices=choices))
    dims.append(_bool("model.deep_supervision", _HAS_AUX))
    dims += [_fixed(k, v, *((_HAS_DROPOUT,) if k == "model.dropout_rate" else ())) for k, v in _REPORT_RECIPE.items()]
    order = [d.name for d in _PAPER]
    return tuple(sorted(dims, key=lambda d: order.index(d.name)))


_SMOKE: tuple[Dimension, ...] = (
    Categorical("model.family", choices=("unet", "double_unet")),
    _bool("model.residual"),
    IntRange("model.se_levels", low=0, high=1),
    _fixed("model.bottleneck", "dilated"),
    _fixed("model.attention_gates", False),
    Categorical("model.dropout", choices=("none", "bottleneck")),
    FloatRange("model.dropout_rate", low=0.1, high=0.3, step=0.1, when=(_HAS_DROPOUT,)),
    _bool("model.deep_supervision", _HAS_AUX),
    _fixed("model.base_filters", 16),
    _fixed("model.depth", 3),
    _fixed("loss.alpha", 0.5),
    Categorical("loss.beta", choices=(0.0, 0.5)),
    _fixed("loss.gamma", 2.0, _HAS_FOCAL),
    _fixed("loss.class_weighting", "none"),
    _fixed("aug.geometric", False),
    _fixed("aug.photometric", False),
    _fixed("data.oversample", False),
    FloatRange("train.lr", low=1e-3, high=1e-2, log=True),
    _fixed("train.weight_decay", 1e-4),
    _fixed("train.batch_size", 16),
)

SPACES: dict[str, SearchSpace] = {
    "paper": SearchSpace("paper", "every design choice of the course report", _PAPER),
    "table1": SearchSpace("table1", "the seven networks of the course report's Table 1 (enqueued presets)",
                          _table1_dimensions(), presets=TABLE1_PRESETS),
    "smoke": SearchSpace("smoke", "a tiny space for tests and the demo", _SMOKE),
}


def get_space(name: str) -> SearchSpace:
    """The named space; an unknown name raises ValueError listing the valid names."""
    try:
        return SPACES[name]
    except KeyError:
        raise ValueError(f"unknown search space {name!r}; valid spaces: {', '.join(SPACES)}") from None
