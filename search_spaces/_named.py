"""The named spaces: `paper` (every design choice of the course report), `table1`, `smoke`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marsseg_models import (  # plain data, no Keras
    BOTTLENECKS,
    CLASS_WEIGHTINGS,
    COURSE_LOSS,
    DICE_VARIANTS,
    DROPOUT_PLACEMENTS,
    FAMILY_NAMES,
    TABLE1,
    Table1Entry,
)
from search_spaces._dimensions import Categorical, Condition, Dimension, FloatRange, IntRange
from search_spaces._params import FAMILY_PARAM
from search_spaces._space import SearchSpace

# The learning-rate schedules a trial may train with (`harness` builds them; `TrainConfig.schedule`):
# ReduceLROnPlateau on val loss, linear warm-up then cosine decay, and one-cycle (up, then down).
LR_SCHEDULES = ("plateau", "cosine", "onecycle")
# Warm-up, hold, anneal over wall-clock time to a deadline known when training starts (`marsseg train --timeout`,
# a time plan's anchor and continuation): valid in a TrainConfig, never sampled.
TIMED_SCHEDULE = "timed"
SCHEDULES = (*LR_SCHEDULES, TIMED_SCHEDULE)

_HAS_DROPOUT = Condition("model.dropout", "not in", ("none",))
_HAS_FOCAL = Condition("loss.alpha", "<", 1.0)  # focal weight beta = 1 - alpha
_HAS_DICE = Condition("loss.alpha", ">", 0.0)


def _fixed(name: str, value: Any, *when: Condition) -> Categorical:
    """A one-choice dimension: recorded in the trial's params like any other."""
    return Categorical(name, choices=(value,), when=tuple(when))


def _bool(name: str, *when: Condition) -> Categorical:
    return Categorical(name, choices=(False, True), when=tuple(when))


_PAPER: tuple[Dimension, ...] = (
    Categorical(FAMILY_PARAM, choices=FAMILY_NAMES),
    _bool("model.residual"),
    IntRange("model.se_levels", low=0, high=2),
    Categorical("model.bottleneck", choices=BOTTLENECKS),
    _bool("model.attention_gates"),
    Categorical("model.dropout", choices=DROPOUT_PLACEMENTS),
    FloatRange("model.dropout_rate", low=0.1, high=0.5, step=0.1, when=(_HAS_DROPOUT,)),
    _bool("model.deep_supervision"),
    Categorical("model.base_filters", choices=(16, 32, 48, 64)),
    IntRange("model.depth", low=3, high=5),
    # Dice weight; the focal weight is 1 - alpha. Steps of 0.25 hit pure focal, the course's
    # 0.5 and pure Dice exactly.
    FloatRange("loss.alpha", low=0.0, high=1.0, step=0.25),
    Categorical("loss.dice", choices=DICE_VARIANTS, when=(_HAS_DICE,)),
    FloatRange("loss.gamma", low=1.0, high=4.0, step=0.5, when=(_HAS_FOCAL,)),  # around focal's usual 2
    _bool("loss.exclude_background"),
    Categorical("loss.class_weighting", choices=CLASS_WEIGHTINGS),
    _bool("aug.geometric"),
    _bool("aug.photometric"),
    _bool("data.oversample"),
    FloatRange("train.lr", low=1e-4, high=3e-3, log=True),
    FloatRange("train.weight_decay", low=1e-5, high=1e-2, log=True),
    Categorical("train.batch_size", choices=(16, 32, 64)),
    Categorical("train.schedule", choices=LR_SCHEDULES),  # its length: the budget's epochs x steps per epoch
)

# The course report's data and optimiser recipe, shared by every Table 1 row (the
# architectures and the loss come from marsseg_models.TABLE1 and COURSE_LOSS).
_COURSE_TRAINING: dict[str, Any] = {
    "aug.geometric": True, "aug.photometric": False, "data.oversample": True,
    "train.lr": 1e-3, "train.weight_decay": 1e-4, "train.batch_size": 32, "train.schedule": "plateau",
}


def _preset(entry: Table1Entry) -> dict[str, Any]:
    """The params of one Table 1 row: every active dimension of `paper`, valued from its source."""
    sources = {"model": entry.config, "loss": COURSE_LOSS}
    params: dict[str, Any] = {}
    for dim in _PAPER:
        if dim.active(params):
            section, _, field = dim.name.partition(".")
            params[dim.name] = getattr(sources[section], field) if section in sources else _COURSE_TRAINING[dim.name]
    return params


# Table 1 of the course report, in its order, derived from marsseg_models.TABLE1.
TABLE1_PRESETS: tuple[tuple[str, Mapping[str, Any]], ...] = tuple((e.name, _preset(e)) for e in TABLE1)


def table1_presets(names: Sequence[str]) -> tuple[tuple[str, Mapping[str, Any]], ...]:
    """The Table 1 rows called `names` (labelled presets); an unknown name raises ValueError
    listing the rows."""
    rows = dict(TABLE1_PRESETS)
    unknown = [n for n in names if n not in rows]
    if unknown:
        raise ValueError(f"unknown Table 1 rows {unknown}; valid rows: {', '.join(map(repr, rows))}")
    return tuple((n, rows[n]) for n in dict.fromkeys(names))


def _table1_dimensions() -> tuple[Dimension, ...]:
    """Each dimension of `paper` with only the values the presets use (one value: fixed)."""
    rows = [p for _, p in TABLE1_PRESETS]
    return tuple(
        Categorical(d.name, choices=tuple(dict.fromkeys(r[d.name] for r in rows if d.name in r)), when=d.when)
        for d in _PAPER
        if any(d.name in r for r in rows)
    )


_SMOKE: tuple[Dimension, ...] = (
    Categorical(FAMILY_PARAM, choices=("unet", "double_unet")),
    _bool("model.residual"),
    IntRange("model.se_levels", low=0, high=1),
    _fixed("model.bottleneck", "dilated"),
    _fixed("model.attention_gates", False),
    Categorical("model.dropout", choices=("none", "bottleneck")),
    FloatRange("model.dropout_rate", low=0.1, high=0.3, step=0.1, when=(_HAS_DROPOUT,)),
    _bool("model.deep_supervision"),
    _fixed("model.base_filters", 16),
    _fixed("model.depth", 3),
    Categorical("loss.alpha", choices=(0.5, 1.0)),
    Categorical("loss.dice", choices=DICE_VARIANTS, when=(_HAS_DICE,)),
    _fixed("loss.gamma", 2.0, _HAS_FOCAL),
    _fixed("loss.exclude_background", False),
    _fixed("loss.class_weighting", "none"),
    _fixed("aug.geometric", False),
    _fixed("aug.photometric", False),
    _fixed("data.oversample", False),
    FloatRange("train.lr", low=1e-3, high=1e-2, log=True),
    _fixed("train.weight_decay", 1e-4),
    _fixed("train.batch_size", 16),
    _fixed("train.schedule", "plateau"),
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
