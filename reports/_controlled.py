"""Controlled ablations (`marsseg ablate`): paired differences from the baseline on held-out mIoU.

The ablation study `<study>/ablation` holds one trial per (cell, seed); a cell is the
baseline or one toggle variant, and every cell trains with the same seeds. For each variant
the difference to the baseline is taken seed by seed (pairs where both have a held-out
score: `harness.analytics.ablation_pairs`), then averaged: mean, n, the paired standard
deviation, a Student-t interval and p-value Holm-adjusted across the toggles of the ablation,
and the smallest effect this n detects at 80% power (`harness.analytics.ablation_power`).
`collect_controlled` is pure data; `controlled_html` draws it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from harness.analytics import ALPHA, DETECT
from harness.common import attrs

OBSERVATIONAL_HEADING = ("<h3>Marginal effects over the search's trials "
                         "(observational: confounded by the sampler)</h3>")


class PairedEffect(NamedTuple):
    """Variant minus baseline on held-out mIoU, over seeds both have; `ci` None when n < 2.

    `ci` is at the Holm step level `level` (0.95 when the ablation has one toggle); `p_holm` the
    Holm-adjusted paired t-test p; `mde` the smallest effect n pairs detect at 80% power;
    `seeds_needed` the seeds to detect DETECT at the observed sd."""

    toggle: str
    variant: str
    n: int
    mean_variant: float
    mean_baseline: float
    diff: float
    ci: tuple[float, float] | None
    note: str
    sd: float = math.nan
    level: float = 0.95
    p: float = math.nan
    p_holm: float = math.nan
    mde: float = math.nan
    seeds_needed: int | None = None


class ControlledAblation(NamedTuple):
    """What the section shows: the ablation study, its baseline trial and the effects."""

    study_name: str
    baseline_trial: int | None
    seeds: list[int]
    n_trials: int
    effects: list[PairedEffect]
    budget: str | None = None  # the budget the cells trained at (the ablation study's)


def paired_effects(study: Any, effect: float = DETECT) -> list[PairedEffect]:
    """The paired effects of an ablation study's variants (see the module docstring)."""
    from harness.analytics import ablation_pairs, ablation_power

    pairs = ablation_pairs(study)
    power = {r.name: r for r in ablation_power({p.variant: p.diffs for p in pairs}, effect)}
    effects = []
    for p in pairs:
        toggle = p.variant.split(":", 1)[0]
        if not p.seeds:
            effects.append(PairedEffect(toggle, p.variant, 0, math.nan, math.nan, math.nan, None,
                                        "no seed with held-out scores for both this variant and the baseline"))
            continue
        r = power[p.variant]
        verdict = ("need at least 2 seeds for an interval" if r.ci is None else
                   f"Holm-adjusted p = {r.p_holm:.3f}: " + ("an effect" if r.p_holm < ALPHA else "no clear effect"))
        effects.append(PairedEffect(toggle, p.variant, r.n, float(p.scores.mean()), float(p.baseline.mean()), r.mean,
                                    r.ci, verdict, r.sd, r.level, r.p, r.p_holm, r.mde, r.seeds_needed))
    return effects


def collect_controlled(study: Any) -> ControlledAblation:
    """The paired effects of an ablation study (see the module docstring)."""
    return ControlledAblation(study.study_name, study.user_attrs.get(attrs.ABLATION_BASELINE_TRIAL),
                              list(study.user_attrs.get(attrs.ABLATION_SEEDS, [])),
                              len(study.get_trials(deepcopy=False)), paired_effects(study), study.user_attrs.get("budget"))


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
             _fmt(e.sd), f"[{e.ci[0]:+.4f}, {e.ci[1]:+.4f}] ({100 * e.level:.1f}%)" if e.ci else "-",
             _fmt(e.mde), "-" if e.seeds_needed is None else e.seeds_needed, e.note) for e in c.effects]
    return (head + table(("toggle", "variant", "n (seed pairs)", "baseline", "variant", "difference", "paired sd",
                          "interval (Holm level)", "detectable at 80% power", f"seeds for {DETECT}", "verdict"), rows)
            + note(f"Study {c.study_name!r}: the best trial ({c.baseline_trial}) of the search retrained as the "
                   f"baseline and with each toggle flipped, every cell with the same seeds {c.seeds}, at the "
                   f"{c.budget!r} budget without pruning; difference = variant - baseline per seed on the held-out split, "
                   "averaged, with a Student-t interval over the seed pairs. Multiple comparisons: across the "
                   "toggles of this ablation the p-values are Holm-adjusted and each interval is at its Holm step level "
                   "1 - 0.05 / (m - rank + 1) (rank by p; 95% when there is one toggle). Detectable at 80% power: "
                   "(t(0.975, n-1) + t(0.8, n-1)) x sd / sqrt(n), the smallest true difference a two-sided paired "
                   f"t-test at 0.05 finds 4 times in 5 (t approximation); seeds for {DETECT}: the smallest n where that "
                   f"falls to {DETECT} at the observed sd."))


def _fmt(x: float, sign: bool = False) -> str:
    return "" if not math.isfinite(x) else (f"{x:+.4f}" if sign else f"{x:.4f}")
