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
    """Kendall's tau-b of every row pair of (B, n) arrays (NaN for a constant row)."""
    dx = np.sign(x[..., :, None] - x[..., None, :])
    dy = np.sign(y[..., :, None] - y[..., None, :])
    with np.errstate(invalid="ignore", divide="ignore"):  # each pair counted twice in all three sums
        return (dx * dy).sum((-2, -1)) / np.sqrt((dx * dx).sum((-2, -1)) * (dy * dy).sum((-2, -1)))


def rank_agreement(curves: Sequence[Sequence[float]], finals: Sequence[float] | None = None, *, n_boot: int = 1000,
                   seed: int = 0, level: float = LEVEL) -> list[Agreement]:
    """One `Agreement` per epoch of the longest curve (module docstring); `finals` None: each curve's best."""
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
        rho = float(stats.spearmanr(x, y).statistic)
        tau = float(stats.kendalltau(x, y).statistic)
        idx = rng.integers(0, len(have), (n_boot, len(have)))
        rho_b, tau_b = spearman_rows(x[idx], y[idx]), kendall_rows(x[idx], y[idx])
        out.append(Agreement(epoch, len(have), rho, _ci(rho_b, level), tau, _ci(tau_b, level)))
    return out


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
