"""Toggles: the one registry of design choices, what `marsseg ablate` flips and the report names.

`TOGGLE_REGISTRY` holds each toggle's name, label and trial param (the report's observational
effects compare the param's levels) and, for the toggles `marsseg ablate` flips, a function
from a trial's frozen `TrialConfigs` to one variant per alternative (a bool is flipped; "each
bottleneck kind" gives one variant per other kind), each a new validated `TrialConfigs` that
differs from the input in that one choice. A toggle that does not apply to this build returns
no variant. `TOGGLES` is the name -> function view of the flippable ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from marsseg_models import BOTTLENECKS, DICE_VARIANTS

from harness.analytics import BASELINE

from harness._configs import TrialConfigs



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


Flips = Callable[[TrialConfigs], list[tuple[str, TrialConfigs]]]


class Toggle(NamedTuple):
    """One design choice. `name`: what `marsseg ablate --toggles` takes; `label`: how the report
    and the ablation name it; `param`: the trial param whose levels the report's observational
    effects compare (None: not one param); `variants`: the flips of `marsseg ablate` (None:
    observed only); `baseline`: the string values of `param` that mean "without" (any case;
    False and 0 always do)."""

    name: str
    label: str
    param: str | None
    variants: Flips | None = None
    baseline: tuple[str, ...] = ("none", "off", "plain", "simple", "standard", "no", "uniform")


TOGGLE_REGISTRY: tuple[Toggle, ...] = (
    Toggle("residual", "residual", "model.residual", _flip("model", "residual")),
    Toggle("se", "SE", "model.se_levels", _se_levels),
    Toggle("bottleneck", "bottleneck", "model.bottleneck", _each_other("model", "bottleneck", BOTTLENECKS)),
    Toggle("attention_gates", "attention gates", "model.attention_gates", _flip("model", "attention_gates")),
    Toggle("dropout", "dropout", "model.dropout", _dropout),
    Toggle("deep_supervision", "deep supervision", "model.deep_supervision", _flip("model", "deep_supervision")),
    Toggle("geometric", "geometric augmentation", "aug.geometric", _flip("data", "geometric")),
    Toggle("photometric", "photometric augmentation", "aug.photometric", _flip("data", "photometric")),
    Toggle("oversample", "oversampling", "data.oversample", _flip("data", "oversample")),
    Toggle("class_weighting", "loss class weights", "loss.class_weighting"),
    Toggle("exclude_background", "loss without background", "loss.exclude_background",
           _flip("loss", "exclude_background")),
    Toggle("dice", "Dice variant", "loss.dice", _each_other("loss", "dice", DICE_VARIANTS), ("course",)),
    Toggle("loss_mix", "Dice/focal mix", None, _loss_mix),
)

TOGGLES: dict[str, Flips] = {t.name: t.variants for t in TOGGLE_REGISTRY if t.variants is not None}


def toggle_label(name: str) -> str:
    """The label of toggle `name` (the name itself when it is not in the registry)."""
    return next((t.label for t in TOGGLE_REGISTRY if t.name == name), name)


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
