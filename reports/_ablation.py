"""Ablation effects: val mIoU with versus without each toggle, with a bootstrap CI."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reports._collect import complete_mask
from reports._config import ReportConfig
from reports._trials import TrialTable, param_column


class Toggle(NamedTuple):
    """A design choice: `param` is "without" at False, 0 or one of the strings `baseline` (any case)."""

    label: str
    param: str
    baseline: tuple[str, ...] = ("none", "off", "plain", "simple", "standard", "no", "uniform")


TOGGLES: tuple[Toggle, ...] = (
    Toggle("residual blocks", "model.residual"),
    Toggle("squeeze-and-excite", "model.se_levels"),
    Toggle("bottleneck kind", "model.bottleneck"),
    Toggle("attention gates", "model.attention_gates"),
    Toggle("dropout placement", "model.dropout"),
    Toggle("deep supervision", "model.deep_supervision"),
    Toggle("geometric augmentation", "aug.geometric"),
    Toggle("photometric augmentation", "aug.photometric"),
    Toggle("oversampling", "data.oversample"),
    Toggle("loss class weights", "loss.class_weighting"),
)


class Effect(NamedTuple):
    """Mean difference (with - without) over complete trials; `ci` is None when too few."""

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


def bootstrap_means(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of `n_boot` resamples (with replacement) of `x`, drawn in memory-bounded chunks."""
    chunk = max(1, 4_000_000 // max(len(x), 1))
    return np.concatenate([
        x[rng.integers(0, len(x), (min(chunk, n_boot - s), len(x)), dtype=np.int32)].mean(axis=1)
        for s in range(0, n_boot, chunk)])


def percentile_ci(diffs: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Central `level` percentile interval of bootstrap differences."""
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(diffs, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_diff_ci(a: np.ndarray, b: np.ndarray, n_boot: int, seed: int,
                      level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap CI of mean(a) - mean(b), resampling each group independently."""
    rng = np.random.default_rng(seed)
    return percentile_ci(bootstrap_means(a, n_boot, rng) - bootstrap_means(b, n_boot, rng), level)


def _is_baseline(value: Any, baseline: frozenset[str]) -> bool:
    if isinstance(value, str):
        return value.lower() in baseline
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value == 0
    return False


def collect_effects(table: TrialTable, config: ReportConfig,
                    toggles: tuple[Toggle, ...] = TOGGLES) -> list[Effect]:
    """One effect per toggle level present in the study (e.g. ASPP vs plain, PP vs plain)."""
    done = complete_mask(table)
    values = table.frame["value"].to_numpy(dtype=float)
    effects: list[Effect] = []
    for k, toggle in enumerate(toggles):
        raw = param_column(table, toggle.param).to_numpy(dtype=object)
        present = done & np.array([v is not None and v == v for v in raw], dtype=bool)
        if not present.any():
            continue
        distinct = {str(v) for v in raw[present]}
        if len(distinct) == 1:
            value = distinct.pop()
            effects.append(Effect(toggle.label, toggle.param, value, value, 0, 0, float("nan"), float("nan"),
                                  float("nan"), None, f"not varied in this study (always {value})"))
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


def _effect(toggle: Toggle, with_name: str, without_name: str, a: np.ndarray, b: np.ndarray,
            base_means: np.ndarray | None, config: ReportConfig, rng: np.random.Generator) -> Effect:
    mean_a = float(a.mean()) if len(a) else float("nan")
    mean_b = float(b.mean()) if len(b) else float("nan")
    if len(a) < config.min_group or len(b) < config.min_group:
        note = (f"too few trials to tell (need at least {config.min_group} complete trials on each side, "
                f"have {len(a)} with and {len(b)} without)")
        return Effect(toggle.label, toggle.param, with_name, without_name, len(a), len(b),
                      mean_a, mean_b, mean_a - mean_b, None, note)
    ci = percentile_ci(bootstrap_means(a, config.n_bootstrap, rng) - base_means)
    note = "CI excludes 0" if ci[0] > 0 or ci[1] < 0 else "CI includes 0: no clear effect"
    return Effect(toggle.label, toggle.param, with_name, without_name, len(a), len(b),
                  mean_a, mean_b, mean_a - mean_b, ci, note)
