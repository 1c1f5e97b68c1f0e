"""Controlled ablations (`marsseg ablate`): paired differences from the baseline on held-out mIoU.

The ablation study `<study>/ablation` holds one trial per (cell, seed); a cell is the
baseline or one toggle variant, and every cell trains with the same seeds. For each variant
the difference to the baseline is taken seed by seed (pairs where both have a held-out
score), then averaged: mean, a 95% t interval over the pairs, and n. `collect_controlled`
is pure data; `controlled_html` draws it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs

BASELINE = "baseline"
OBSERVATIONAL_HEADING = ("<h3>Marginal effects over the search's trials "
                         "(observational: confounded by the sampler)</h3>")


class PairedEffect(NamedTuple):
    """Variant minus baseline on held-out mIoU, over seeds both have; `ci` None when n < 2."""

    toggle: str
    variant: str
    n: int
    mean_variant: float
    mean_baseline: float
    diff: float
    ci: tuple[float, float] | None
    note: str


class ControlledAblation(NamedTuple):
    """What the section shows: the ablation study, its baseline trial and the effects."""

    study_name: str
    baseline_trial: int | None
    seeds: list[int]
    n_trials: int
    effects: list[PairedEffect]
    budget: str | None = None  # the budget the cells trained at (the ablation study's)


def t_interval(diffs: np.ndarray, level: float = 0.95) -> tuple[float, float] | None:
    """Student-t interval of the mean of `diffs` (None for fewer than 2 values)."""
    from scipy import stats

    if len(diffs) < 2:
        return None
    half = stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * diffs.std(ddof=1) / math.sqrt(len(diffs))
    return float(diffs.mean() - half), float(diffs.mean() + half)


def _cells(study: Any) -> dict[str, dict[int, float]]:
    """{cell label: {seed: held-out mIoU}} over complete trials with a held-out score."""
    scores = attrs.heldout_scores(study.user_attrs)
    out: dict[str, dict[int, float]] = {}
    for t in study.get_trials(deepcopy=False):
        label, seed = t.user_attrs.get(attrs.ABLATION_TOGGLE), t.user_attrs.get(attrs.ABLATION_SEED)
        if t.state.name != "COMPLETE" or label is None or t.number not in scores:
            continue
        out.setdefault(str(label), {})[int(seed)] = float(scores[t.number]["miou"])
    return out


def _labels(study: Any) -> list[str]:
    """Every variant label planned in the study, in enqueue order."""
    seen: dict[str, None] = {}
    for t in study.get_trials(deepcopy=False):
        label = t.user_attrs.get(attrs.ABLATION_TOGGLE)
        if label is not None and label != BASELINE:
            seen.setdefault(str(label))
    return list(seen)


def collect_controlled(study: Any) -> ControlledAblation:
    """The paired effects of an ablation study (see the module docstring)."""
    cells = _cells(study)
    base = cells.get(BASELINE, {})
    effects = []
    for label in _labels(study):
        runs = cells.get(label, {})
        seeds = sorted(set(runs) & set(base))
        variant = np.array([runs[s] for s in seeds])
        baseline = np.array([base[s] for s in seeds])
        diffs = variant - baseline
        if not seeds:
            effects.append(PairedEffect(label.split(":", 1)[0], label, 0, math.nan, math.nan, math.nan, None,
                                        "no seed with held-out scores for both this variant and the baseline"))
            continue
        ci = t_interval(diffs)
        verdict = ("need at least 2 seeds for an interval" if ci is None else
                   "CI excludes 0" if ci[0] > 0 or ci[1] < 0 else "CI includes 0: no clear effect")
        effects.append(PairedEffect(label.split(":", 1)[0], label, len(seeds), float(variant.mean()),
                                    float(baseline.mean()), float(diffs.mean()), ci, verdict))
    return ControlledAblation(study.study_name, study.user_attrs.get(attrs.ABLATION_BASELINE_TRIAL),
                              list(study.user_attrs.get(attrs.ABLATION_SEEDS, [])),
                              len(study.get_trials(deepcopy=False)), effects, study.user_attrs.get("budget"))


def find_ablation(study_name: str, storage: Any) -> Any | None:
    """The ablation study of `study_name` in `storage` (an Optuna storage), or None."""
    import optuna

    try:
        return optuna.load_study(study_name=attrs.ablation_study_name(study_name), storage=storage)
    except KeyError:
        return None


def controlled_html(c: ControlledAblation | None, study_name: str) -> str:
    """The controlled-ablation table (or how to get one), headed for the ablation section."""
    from reports._html import empty, note, table

    head = "<h3>Controlled ablations (paired, held-out mIoU)</h3>"
    if c is None:
        return head + empty(f"No ablation study yet: run `marsseg ablate --study {study_name}`.")
    if not c.effects:
        return head + empty(f"Ablation study {c.study_name!r} has no variant with held-out scores yet.")
    rows = [(e.toggle, e.variant, e.n, _fmt(e.mean_baseline), _fmt(e.mean_variant), _fmt(e.diff, sign=True),
             f"[{e.ci[0]:+.4f}, {e.ci[1]:+.4f}]" if e.ci else "-", e.note) for e in c.effects]
    return (head + table(("toggle", "variant", "n (seed pairs)", "baseline", "variant", "difference", "95% CI",
                          "verdict"), rows)
            + note(f"Study {c.study_name!r}: the best trial ({c.baseline_trial}) of the search retrained as the "
                   f"baseline and with each toggle flipped, every cell with the same seeds {c.seeds}, at the "
                   f"{c.budget!r} budget without pruning; difference = variant - baseline per seed on the held-out split, "
                   "averaged, with a Student-t 95% interval over the seed pairs."))


def _fmt(x: float, sign: bool = False) -> str:
    return "" if x != x else (f"{x:+.4f}" if sign else f"{x:.4f}")
