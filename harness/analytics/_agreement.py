"""Can early epochs be trusted? Rank agreement between the trials' ranking at each epoch and at the end.

For each epoch e, over the trials whose curve reached e: Spearman's rho and Kendall's tau-b
(`scipy.stats.spearmanr`, `scipy.stats.kendalltau`) between the value at e and the final
value (by default the best of the curve: what the study ranks by), each with a percentile
bootstrap interval over trials (resampled pairs, vectorised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from harness.analytics._bootstrap import LEVEL, percentile_ci

MIN_TRIALS = 3  # fewer trials at an epoch: no agreement is computed


class Agreement(NamedTuple):
    """Agreement of the ranking at `epoch` (0-based) with the final ranking, over `n` trials."""

    epoch: int
    n: int
    spearman: float
    spearman_ci: tuple[float, float] | None
    kendall: float
    kendall_ci: tuple[float, float] | None


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of every row pair of (B, n) arrays (average ranks for ties; NaN for a constant row)."""
    from scipy.stats import rankdata

    rx, ry = rankdata(x, axis=-1), rankdata(y, axis=-1)
    rx, ry = rx - rx.mean(axis=-1, keepdims=True), ry - ry.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(-1) / np.sqrt((rx * rx).sum(-1) * (ry * ry).sum(-1))


def kendall_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of every row pair of (B, n) arrays (NaN for a constant row).

    Over the n(n-1)/2 pairs i < j, with the pair signs as int8: B x n^2 / 2 bytes a side."""
    i, j = np.triu_indices(x.shape[-1], 1)
    dx = np.sign(x[..., i] - x[..., j]).astype(np.int8)
    dy = np.sign(y[..., i] - y[..., j]).astype(np.int8)
    concordant = (dx * dy).sum(-1, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return concordant / np.sqrt(np.count_nonzero(dx, axis=-1) * np.count_nonzero(dy, axis=-1).astype(float))


def rank_agreement(curves: Sequence[Sequence[float]], finals: Sequence[float] | None = None, *, n_boot: int = 1000,
                   seed: int = 0, level: float = LEVEL, kendall: bool = True) -> list[Agreement]:
    """One `Agreement` per epoch of the longest curve (module docstring); `finals` None: each curve's best.

    kendall: False leaves Kendall's tau out (NaN, no interval): its bootstrap costs O(n^2) a resample,
    Spearman's O(n log n), which is what a page of many epochs and groups can afford."""
    from scipy import stats

    curves = [np.asarray(c, dtype=float) for c in curves]
    finals_arr = np.array([c.max() for c in curves] if finals is None else finals, dtype=float)
    if len(finals_arr) != len(curves):
        raise ValueError(f"{len(finals_arr)} final values for {len(curves)} curves")
    rng = np.random.default_rng(seed)
    out = []
    for epoch in range(max((len(c) for c in curves), default=0)):
        have = [i for i, c in enumerate(curves) if len(c) > epoch]
        x, y = np.array([curves[i][epoch] for i in have]), finals_arr[have]
        if len(have) < MIN_TRIALS:
            out.append(Agreement(epoch, len(have), math.nan, None, math.nan, None))
            continue
        idx = rng.integers(0, len(have), (n_boot, len(have)))
        rho, rho_ci = float(stats.spearmanr(x, y).statistic), _ci(spearman_rows(x[idx], y[idx]), level)
        tau, tau_ci = ((float(stats.kendalltau(x, y).statistic), _ci(kendall_rows(x[idx], y[idx]), level))
                       if kendall else (math.nan, None))
        out.append(Agreement(epoch, len(have), rho, rho_ci, tau, tau_ci))
    return out


def rank_agreement_by(curves: Sequence[Sequence[float]], labels: Sequence[str | None], *, n_boot: int = 1000,
                      seed: int = 0, level: float = LEVEL, kendall: bool = True) -> dict[str, list[Agreement]]:
    """`rank_agreement` within each label (a network family, say) that at least `MIN_TRIALS` curves
    carry, labels sorted; a None label belongs to no group."""
    if len(labels) != len(curves):
        raise ValueError(f"{len(labels)} labels for {len(curves)} curves")
    groups: dict[str, list[Sequence[float]]] = {}
    for curve, label in zip(curves, labels):
        if label is not None:
            groups.setdefault(str(label), []).append(curve)
    return {label: rank_agreement(group, n_boot=n_boot, seed=seed, level=level, kendall=kendall)
            for label, group in sorted(groups.items()) if len(group) >= MIN_TRIALS}


def _ci(values: np.ndarray, level: float) -> tuple[float, float] | None:
    return None if np.isnan(values).all() else percentile_ci(values, level)


def format_agreement(rows: Sequence[Agreement], epochs: Sequence[int] | None = None) -> str:
    """A text table (epochs 1-based, as the pruners' rungs are read); `epochs`: 0-based epochs to show (None: all)."""
    from harness.analytics._store import format_value_ci

    def cell(v: float, ci: tuple[float, float] | None) -> str:
        return format_value_ci(v, ci, 2, sign=True)

    shown = [r for r in rows if epochs is None or r.epoch in set(epochs)]
    lines = [f"{'epoch':>5s}  {'trials':>6s}  {'Spearman [95% CI]':>22s}  {'Kendall [95% CI]':>22s}"]
    lines += [f"{r.epoch + 1:>5d}  {r.n:>6d}  {cell(r.spearman, r.spearman_ci):>22s}  {cell(r.kendall, r.kendall_ci):>22s}"
              for r in shown]
    return "\n".join(lines)
