"""Controlled-ablation toggles: a registry of name -> function(configs) -> flipped variants.

Each function takes a trial's frozen `TrialConfigs` and returns one `Variant` per
alternative (a bool is flipped; "each bottleneck kind" gives one variant per other kind),
each a new validated `TrialConfigs` that differs from the input in that one choice. A
toggle that does not apply to this build returns no variant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from marsseg_models import BOTTLENECKS, DICE_VARIANTS

from harness._configs import TrialConfigs

BASELINE = "baseline"


class Variant(NamedTuple):
    """One cell of an ablation: `label` is `<toggle>:<value>` (or `baseline`)."""

    toggle: str
    label: str
    configs: TrialConfigs


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _flip(section: str, field: str) -> Callable[[TrialConfigs], list[tuple[str, TrialConfigs]]]:
    def flip(c: TrialConfigs) -> list[tuple[str, TrialConfigs]]:
        part = getattr(c, section)
        if not hasattr(part, field):
            return []
        new = not getattr(part, field)
        return [(_on_off(new), replace(c, **{section: replace(part, **{field: new})}))]

    return flip


def _each_other(section: str, field: str, choices: Sequence[Any]) -> Callable[[TrialConfigs], list]:
    def others(c: TrialConfigs) -> list[tuple[str, TrialConfigs]]:
        part = getattr(c, section)
        if not hasattr(part, field):
            return []
        return [(str(v), replace(c, **{section: replace(part, **{field: v})}))
                for v in choices if v != getattr(part, field)]

    return others


def _se_levels(c: TrialConfigs) -> list[tuple[str, TrialConfigs]]:
    levels = 0 if c.model.se_levels else min(2, c.model.depth)
    return [(str(levels), replace(c, model=replace(c.model, se_levels=levels)))]


def _dropout(c: TrialConfigs) -> list[tuple[str, TrialConfigs]]:
    placement = "deep" if c.model.dropout == "none" else "none"  # the course report's placement, or none
    return [(placement, replace(c, model=replace(c.model, dropout=placement)))]


_MIXES = {"dice only": (1.0, 0.0), "focal only": (0.0, 1.0), "equal mix": (0.5, 0.5)}


def _loss_mix(c: TrialConfigs) -> list[tuple[str, TrialConfigs]]:
    here = (c.loss.alpha, c.loss.beta)
    return [(name, replace(c, loss=replace(c.loss, alpha=a, beta=b))) for name, (a, b) in _MIXES.items()
            if (a, b) != here]


TOGGLES: dict[str, Callable[[TrialConfigs], list[tuple[str, TrialConfigs]]]] = {
    "residual": _flip("model", "residual"),
    "se": _se_levels,
    "bottleneck": _each_other("model", "bottleneck", BOTTLENECKS),
    "attention_gates": _flip("model", "attention_gates"),
    "dropout": _dropout,
    "deep_supervision": _flip("model", "deep_supervision"),
    "geometric": _flip("data", "geometric"),
    "photometric": _flip("data", "photometric"),
    "oversample": _flip("data", "oversample"),
    "exclude_background": _flip("loss", "exclude_background"),
    "dice": _each_other("loss", "dice", DICE_VARIANTS),
    "loss_mix": _loss_mix,
}


def ablation_variants(baseline: TrialConfigs, toggles: Sequence[str]) -> list[Variant]:
    """The baseline and every variant of `toggles` (registry order kept as given).

    An unknown toggle raises ValueError listing the valid names; a variant the configs
    reject (e.g. SE levels beyond the depth) is left out.
    """
    unknown = [t for t in toggles if t not in TOGGLES]
    if unknown:
        raise ValueError(f"unknown toggles {unknown}; valid toggles: {', '.join(TOGGLES)}")
    out = [Variant(BASELINE, BASELINE, baseline)]
    for name in dict.fromkeys(toggles):
        try:
            flipped = TOGGLES[name](baseline)
        except ValueError:
            continue
        out += [Variant(name, f"{name}:{value}", configs) for value, configs in flipped]
    return out
