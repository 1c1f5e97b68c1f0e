"""Marginal effects: val mIoU with versus without each toggle at one rung, with a bootstrap CI.

The toggles, their labels and the values that mean "without" come from `harness.TOGGLE_REGISTRY`,
the registry `marsseg ablate` flips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from harness.analytics import bootstrap_means, percentile_ci

from reports._collect import complete_mask
from reports._config import ReportConfig
from reports._rungs import Rung
from reports._trials import TrialTable, param_column


class Effect(NamedTuple):
    """Mean difference (with - without) over the trials of a rung; `ci` is None when too few."""

    toggle: str
    param: str
    with_value: str
    without_value: str
    n_with: int
    n_without: int
    mean_with: float
    mean_without: float
    diff: float
    ci: tuple[float, float] | None
    note: str


def _is_baseline(value: Any, baseline: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value.lower() in baseline
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value == 0
    return False


class RungEffects(NamedTuple):
    """The marginal effects at one rung."""

    rung: Rung
    effects: list[Effect]


def collect_rung_effects(table: TrialTable, rungs: Sequence[Rung], config: ReportConfig) -> list[RungEffects]:
    """The marginal effects at each rung."""
    return [RungEffects(r, collect_effects(table, config, r)) for r in rungs]


def collect_effects(table: TrialTable, config: ReportConfig, rung: Rung | None = None,
                    toggles: Sequence[Any] | None = None) -> list[Effect]:
    """One effect per toggle level present at `rung` (e.g. ASPP vs plain, PP vs plain); `rung` None:
    the complete trials' final values. `toggles`: `harness.Toggle`s (None: the registry's)."""
    from harness import TOGGLE_REGISTRY

    rows, values = (_complete(table) if rung is None else (rung.rows, rung.values))
    effects: list[Effect] = []
    for k, toggle in enumerate(TOGGLE_REGISTRY if toggles is None else toggles):
        if toggle.param is None:
            continue
        raw = param_column(table, toggle.param).to_numpy(dtype=object)[rows]
        present = np.array([v is not None and v == v for v in raw], dtype=bool)
        if not present.any():
            continue
        distinct = {str(v) for v in raw[present]}
        if len(distinct) == 1:
            value = distinct.pop()
            effects.append(Effect(toggle.label, toggle.param, value, value, 0, 0, float("nan"), float("nan"),
                                  float("nan"), None, f"not varied in these trials (always {value})"))
            continue
        baseline = frozenset(b.lower() for b in toggle.baseline)
        base = present & np.array([_is_baseline(v, baseline) for v in raw], dtype=bool)
        base_name = _name(raw[base]) if base.any() else "baseline"
        base_name = "off" if base_name == "False" else base_name
        b = values[base]
        rng = np.random.default_rng(config.seed + 101 * k)
        base_means = bootstrap_means(b, config.n_bootstrap, rng) if len(b) >= config.min_group else None
        for level_name, level_mask in _levels(raw, present & ~base):
            effects.append(_effect(toggle, level_name, base_name, values[level_mask], b, base_means, config, rng))
    return effects


def _complete(table: TrialTable) -> tuple[np.ndarray, np.ndarray]:
    """Rows and final values of the complete trials."""
    rows = np.flatnonzero(complete_mask(table))
    return rows, table.frame["value"].to_numpy(dtype=float)[rows]


def _levels(raw: np.ndarray, on: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Either one "with" group (bools / numbers > 0) or one group per categorical level."""
    kinds = {type(v) for v in raw[on]}
    if not on.any() or kinds <= {bool, np.bool_, int, np.int64, float, np.float64}:
        return [("on" if kinds <= {bool, np.bool_} else "> 0", on)]
    names = sorted({str(v) for v in raw[on]})
    return [(n, on & np.array([str(v) == n for v in raw], dtype=bool)) for n in names]


def _name(values: np.ndarray) -> str:
    names = sorted({str(v) for v in values})
    return "/".join(names)


def _effect(toggle: Any, with_name: str, without_name: str, a: np.ndarray, b: np.ndarray,
            base_means: np.ndarray | None, config: ReportConfig, rng: np.random.Generator) -> Effect:
    mean_a = float(a.mean()) if len(a) else float("nan")
    mean_b = float(b.mean()) if len(b) else float("nan")
    if len(a) < config.min_group or len(b) < config.min_group:
        note = (f"too few trials to tell (need at least {config.min_group} trials on each side, "
                f"have {len(a)} with and {len(b)} without)")
        return Effect(toggle.label, toggle.param, with_name, without_name, len(a), len(b),
                      mean_a, mean_b, mean_a - mean_b, None, note)
    ci = percentile_ci(bootstrap_means(a, config.n_bootstrap, rng) - base_means)
    note = "CI excludes 0" if ci[0] > 0 or ci[1] < 0 else "CI includes 0: no clear effect"
    return Effect(toggle.label, toggle.param, with_name, without_name, len(a), len(b),
                  mean_a, mean_b, mean_a - mean_b, ci, note)
