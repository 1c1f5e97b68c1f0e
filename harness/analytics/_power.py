"""Ablation power: paired intervals, the smallest detectable effect, seeds needed, Holm across toggles.

For n paired differences with standard deviation sd, a two-sided paired t-test at level alpha
detects a true effect d with probability `power` when (t approximation of the noncentral t)

    d >= MDE = (t_{1-alpha/2, n-1} + t_{power, n-1}) * sd / sqrt(n).

`seeds_needed` is the smallest n >= 2 whose MDE at the observed sd is <= the effect. Across
the toggles of one ablation, p-values are Holm-adjusted, and each toggle's interval is taken
at its Holm step level 1 - alpha / (m - rank + 1) (rank by p, 1 = smallest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

ALPHA = 0.05
POWER = 0.8
DETECT = 0.02  # the held-out mIoU effect whose seed count `marsseg ablate` and the report give
MAX_SEEDS = 10_000


def t_interval(diffs: np.ndarray, level: float = 1 - ALPHA) -> tuple[float, float] | None:
    """Student-t interval of the mean of `diffs` (None for fewer than 2 values)."""
    from scipy import stats

    diffs = np.asarray(diffs, dtype=float)
    if len(diffs) < 2:
        return None
    half = stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * diffs.std(ddof=1) / math.sqrt(len(diffs))
    return float(diffs.mean() - half), float(diffs.mean() + half)


def min_detectable_effect(sd: float, n: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest paired mean difference a two-sided t-test on n pairs detects at `power` (module docstring)."""
    from scipy import stats

    if n < 2:
        return math.inf
    return float((stats.t.ppf(1 - alpha / 2, n - 1) + stats.t.ppf(power, n - 1)) * sd / math.sqrt(n))


def seeds_needed(sd: float, effect: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Smallest n >= 2 with `min_detectable_effect(sd, n) <= effect` (MAX_SEEDS if none below it)."""
    if effect <= 0:
        raise ValueError(f"effect must be > 0, got {effect}")
    if sd == 0:
        return 2
    n = 2
    while n < MAX_SEEDS and min_detectable_effect(sd, n, alpha, power) > effect:
        n += 1
    return n


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm-adjusted p-values (step-down, monotone, capped at 1); NaN stays NaN and does not count."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m, running = len(order), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


class PowerRow(NamedTuple):
    """One toggle: n pairs, mean and sd of the paired differences, the Holm-level interval and p, MDE, seeds."""

    name: str
    n: int
    mean: float
    sd: float
    ci: tuple[float, float] | None  # at level 1 - alpha / (m - rank + 1)
    level: float
    p: float  # paired t-test, two-sided
    p_holm: float
    mde: float  # at 80% power, alpha two-sided, this n
    seeds_needed: int | None  # to detect `effect` at the observed sd (None: sd undefined)


def ablation_power(diffs: Mapping[str, Sequence[float]], effect: float = DETECT, alpha: float = ALPHA,
                   power: float = POWER) -> list[PowerRow]:
    """PowerRow per toggle, in the mapping's order; Holm runs over the toggles with n >= 2."""
    from scipy import stats

    arrays = {k: np.asarray(v, dtype=float) for k, v in diffs.items()}
    sds = {k: float(a.std(ddof=1)) if len(a) >= 2 else math.nan for k, a in arrays.items()}
    p = {}
    for k, a in arrays.items():
        p[k] = math.nan if len(a) < 2 else (float(stats.ttest_1samp(a, 0.0).pvalue) if sds[k] > 0 else
                                            (1.0 if a.mean() == 0 else 0.0))
    names = list(arrays)
    adjusted = dict(zip(names, holm([p[k] for k in names])))
    ranked = sorted((k for k in names if not math.isnan(p[k])), key=lambda k: p[k])
    m = len(ranked)
    rows = []
    for k in names:
        a, sd = arrays[k], sds[k]
        level = 1 - alpha / (m - ranked.index(k)) if k in ranked else 1 - alpha
        rows.append(PowerRow(k, len(a), float(a.mean()) if len(a) else math.nan, sd, t_interval(a, level), level,
                             p[k], float(adjusted[k]), min_detectable_effect(sd, len(a), alpha, power),
                             None if math.isnan(sd) else seeds_needed(sd, effect, alpha, power)))
    return rows
