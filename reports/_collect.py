"""Pure data collection for each report section (no drawing): NamedTuples and frames."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs

from reports._config import ReportConfig
from reports._table1 import ARCH_PARAMS, FAMILY_LABELS, match_table1
from reports._trials import HELDOUT_MIOU, SCORED_NAMES, TrialTable, param_column

_BOTTLENECK_LABELS = {"aspp": "ASPP", "pp": "PP", "dilated": "dilated bottleneck"}
STUDY_ATTRS = ("space", "sampler", "pruner", "budget", "max_epochs", "data", "seed")


# ---------------------------------------------------------------- summary
class Summary(NamedTuple):
    """Section 1: what was searched and what it cost."""

    study_name: str
    storage: str
    attrs: dict[str, Any]
    counts: dict[str, int]
    train_seconds: float
    epochs_run: int
    epochs_saved_by_pruning: int | None
    epochs_saved_by_early_stopping: int | None
    best_value: float | None
    best_number: int | None
    best_params: dict[str, Any]
    fail_reasons: dict[str, int]


def collect_summary(table: TrialTable, storage: str) -> Summary:
    """Counts per state, compute used and the epochs pruning saved."""
    f = table.frame
    counts = {s: int((f["state"] == s).sum()) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")}
    finished = f[f["state"].isin(["COMPLETE", "PRUNED"])]
    epochs = finished["epochs_run"].astype(float)
    max_epochs = table.user_attrs.get("max_epochs")
    saved_pruning = saved_early = None
    if isinstance(max_epochs, (int, float)) and max_epochs > 0:
        pruned = epochs[finished["state"] == "PRUNED"].dropna()
        complete = epochs[finished["state"] == "COMPLETE"].dropna()
        saved_pruning = int(np.clip(max_epochs - pruned, 0, None).sum())
        saved_early = int(np.clip(max_epochs - complete, 0, None).sum())
    best_value = best_number = None
    best_params: dict[str, Any] = {}
    idx = best_index(table)
    if idx is not None:
        best_value = float(f["value"].iloc[idx])
        best_number = int(f["number"].iloc[idx])
        best_params = dict(table.trials[idx].params)
    reasons: dict[str, int] = {}
    for t in table.trials:
        if t.state.name == "FAIL":
            reason = str(t.user_attrs.get(attrs.FAIL_REASON, "no fail_reason recorded"))
            reasons[reason] = reasons.get(reason, 0) + 1
    return Summary(
        study_name=table.study_name,
        storage=storage,
        attrs={k: table.user_attrs[k] for k in STUDY_ATTRS if k in table.user_attrs},
        counts=counts,
        train_seconds=float(np.nansum(f["train_seconds"].astype(float))),
        epochs_run=int(np.nansum(epochs)),
        epochs_saved_by_pruning=saved_pruning,
        epochs_saved_by_early_stopping=saved_early,
        best_value=best_value,
        best_number=best_number,
        best_params=best_params,
        fail_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    )


def complete_mask(table: TrialTable) -> np.ndarray:
    """Rows that are COMPLETE with a finite value."""
    f = table.frame
    return ((f["state"] == "COMPLETE") & np.isfinite(f["value"].astype(float))).to_numpy()


def best_index(table: TrialTable, mask: np.ndarray | None = None) -> int | None:
    """Row index of the best complete trial (within `mask`), or None."""
    ok = complete_mask(table) if mask is None else complete_mask(table) & mask
    if not ok.any():
        return None
    values = table.frame["value"].to_numpy(dtype=float).copy()
    values[~ok] = -np.inf if table.direction == "maximize" else np.inf
    return int(np.argmax(values) if table.direction == "maximize" else np.argmin(values))


# ---------------------------------------------------------------- comparison table
class VariantRow(NamedTuple):
    """Section 2: one architecture variant (family + toggles)."""

    variant: str
    params: dict[str, Any]
    n: int
    n_pruned: int
    best: float
    mean: float
    std: float
    per_class: dict[str, float]
    n_params: int | None
    epochs: int | None
    best_number: int
    reported: float | None
    reported_label: str | None
    heldout: float | None = None  # held-out mIoU of the best trial (what to believe)


def variant_label(params: dict[str, Any]) -> str:
    """Course-report style name: `Double U-Net, residual, SE (2 levels), ASPP`."""
    family = params.get("model.family")
    parts = [FAMILY_LABELS.get(str(family), str(family))]
    if _on(params.get("model.residual")):
        parts.append("residual")
    se = params.get("model.se_levels")
    if _on(se):
        counted = isinstance(se, (int, np.integer)) and not isinstance(se, bool)
        parts.append(f"SE ({se} level{'s' if se != 1 else ''})" if counted else "SE")
    bottleneck = params.get("model.bottleneck")
    if _on(bottleneck) and str(bottleneck) != "plain":
        parts.append(_BOTTLENECK_LABELS.get(str(bottleneck), f"{bottleneck} bottleneck"))
    if _on(params.get("model.attention_gates")):
        parts.append("attention gates")
    return ", ".join(parts)


def _on(value: Any) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    if isinstance(value, str):
        return value.lower() not in ("", "none", "false", "off", "no")
    return bool(value)


def _architectures(table: TrialTable) -> Any:
    """Per frame row, the trained architecture params (None where absent), as a DataFrame."""
    import pandas as pd

    keys = pd.DataFrame({p: param_column(table, p).astype(object) for p in ARCH_PARAMS})
    return keys.where(keys.notna(), None)


def collect_comparison(table: TrialTable) -> list[VariantRow]:
    """One row per architecture variant over complete trials, best first."""
    f = table.frame
    keys = _architectures(table)
    label = [variant_label(r) for r in keys.to_dict("records")]
    work = f.assign(_variant=label)
    done = complete_mask(table)
    rows: list[VariantRow] = []
    for name, idx in work.groupby("_variant", sort=False).indices.items():
        ok = idx[done[idx]]
        if len(ok) == 0:
            continue
        values = f["value"].to_numpy(dtype=float)[ok]
        pick = ok[int(np.argmax(values) if table.direction == "maximize" else np.argmin(values))]
        best_row = f.iloc[pick]
        params = {p: v for p, v in keys.iloc[pick].items() if v is not None}
        published = match_table1(params)
        rows.append(VariantRow(
            variant=str(name),
            params=params,
            n=len(ok),
            n_pruned=int((f["state"].to_numpy()[idx] == "PRUNED").sum()),
            best=float(best_row["value"]),
            mean=float(values.mean()),
            std=float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
            per_class={c: float(best_row[f"iou.{c}"]) for c in SCORED_NAMES},
            n_params=_int_or_none(best_row["n_params"]),
            epochs=_int_or_none(best_row["epochs_run"]),
            best_number=int(best_row["number"]),
            reported=published.miou if published else None,
            reported_label=published.label if published else None,
            heldout=_float_or_none(best_row.get(HELDOUT_MIOU)),
        ))
    rows.sort(key=lambda r: -r.best if table.direction == "maximize" else r.best)
    return rows


class HeldoutRow(NamedTuple):
    """One trial scored on the held-out split (`marsseg evaluate`), complete or pruned."""

    number: int
    state: str
    variant: str
    epochs: int | None
    val: float  # its best val mIoU (a pruned trial's best reported epoch, whose weights were scored)
    heldout: float
    per_class: dict[str, float | None]


def collect_heldout(table: TrialTable) -> list[HeldoutRow]:
    """The trials scored on the held-out split, best val mIoU first: the order `marsseg evaluate`
    chose them in (`harness.ranked_trials`)."""
    from harness import best_val, ranked_trials

    scores = attrs.heldout_scores(table.user_attrs)
    row_of = {t.number: i for i, t in enumerate(table.trials) if t.number in scores}
    if not row_of:
        return []
    keys = _architectures(table)
    rows = []
    for t in ranked_trials(table.trials[i] for i in row_of.values()):
        i, score = row_of[t.number], scores[t.number]
        rows.append(HeldoutRow(t.number, t.state.name.lower(), variant_label(keys.iloc[i].to_dict()),
                               _int_or_none(table.frame[attrs.EPOCHS_RUN].iloc[i]), float(best_val(t)),
                               float(score["miou"]), dict(score.get("per_class_iou") or {})))
    return rows


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None or np.isnan(float(value)) else float(value)
    except (TypeError, ValueError):
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or np.isnan(float(value)) else int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- search dynamics
class History(NamedTuple):
    """Objective of complete trials by number, the best so far, and how many are drawn."""

    numbers: np.ndarray
    values: np.ndarray
    best_numbers: np.ndarray
    best_so_far: np.ndarray
    n_total: int


class Curves(NamedTuple):
    """Learning curves (`val_miou` per epoch) of a sample of finished trials."""

    numbers: list[int]
    states: list[str]
    steps: list[np.ndarray]
    values: list[np.ndarray]
    n_total: int


class ParallelCoords(NamedTuple):
    """The sampled complete trials (`numbers`) of the parallel-coordinates plot, as columns.

    Categorical and absent values are coded as numbers with tick labels (absent: "n/a").
    """

    names: list[str]
    columns: list[np.ndarray]
    ticks: list[tuple[list[float], list[str]] | None]
    objective: np.ndarray
    n_total: int
    numbers: np.ndarray


class Timeline(NamedTuple):
    """Start/end of every trial that started, by worker."""

    numbers: np.ndarray
    workers: list[str]
    states: list[str]
    starts: list[Any]
    ends: list[Any]


def collect_history(table: TrialTable, config: ReportConfig) -> History:
    """Values in trial order; the best-so-far line keeps every improvement, points are sampled."""
    ok = complete_mask(table)
    numbers = table.frame["number"].to_numpy()[ok]
    values = table.frame["value"].to_numpy(dtype=float)[ok]
    order = np.argsort(numbers, kind="stable")
    numbers, values = numbers[order], values[order]
    best = np.maximum.accumulate(values) if table.direction == "maximize" else np.minimum.accumulate(values)
    changed = np.r_[True, best[1:] != best[:-1]] if len(best) else np.zeros(0, bool)
    if len(changed):
        changed[-1] = True
    keep = _sample(len(values), config.max_history_points, config.seed, must=np.flatnonzero(changed))
    return History(numbers[keep], values[keep], numbers[changed], best[changed], len(values))


def _sample(n: int, limit: int, seed: int, must: np.ndarray | None = None) -> np.ndarray:
    """Sorted indices: all of `must`, then a seeded uniform sample up to `limit`."""
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    must = np.unique(must if must is not None else np.zeros(0, int))[:limit]
    rest = np.setdiff1d(np.arange(n), must)
    extra = rng.choice(rest, size=max(0, limit - len(must)), replace=False)
    return np.sort(np.r_[must, extra]).astype(int)


def _best_and_sample(table: TrialTable, rows: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """`rows` if at most `limit`, else the best tenth of `limit` plus a seeded sample of the rest."""
    values = table.frame["value"].to_numpy(dtype=float)[rows]
    sign = -1 if table.direction == "maximize" else 1
    top = np.argsort(np.where(np.isfinite(values), sign * values, np.inf), kind="stable")[: limit // 10]
    return rows[_sample(len(rows), limit, seed, must=top)]


def collect_curves(table: TrialTable, config: ReportConfig) -> Curves:
    """Curves of finished trials; at scale the best ones plus a seeded sample."""
    f = table.frame
    rows = np.flatnonzero(f["state"].isin(["COMPLETE", "PRUNED"]).to_numpy()
                          & np.array([len(c[0]) > 0 for c in table.curves], dtype=bool))
    keep = _best_and_sample(table, rows, config.max_curves, config.seed)
    return Curves(
        numbers=[int(f["number"].iloc[i]) for i in keep],
        states=[str(f["state"].iloc[i]) for i in keep],
        steps=[table.curves[i][0] for i in keep],
        values=[table.curves[i][1] for i in keep],
        n_total=len(rows),
    )


def collect_parallel(table: TrialTable, config: ReportConfig) -> ParallelCoords:
    """Every param as a column over a sample of complete trials (log params on log10)."""
    ok = np.flatnonzero(complete_mask(table))
    keep = _best_and_sample(table, ok, config.max_parcoords, config.seed)
    names, columns, ticks = [], [], []
    for name in table.param_names:
        raw = param_column(table, name).to_numpy(dtype=object)[keep]
        column, tick = _encode(raw, table.distributions.get(name))
        names.append(name)
        columns.append(column)
        ticks.append(tick)
    f = table.frame
    return ParallelCoords(names, columns, ticks, f["value"].to_numpy(dtype=float)[keep], len(ok),
                          f["number"].to_numpy()[keep])


def _encode(raw: np.ndarray, dist: Any) -> tuple[np.ndarray, tuple[list[float], list[str]] | None]:
    present = np.array([v is not None and v == v for v in raw], dtype=bool)
    numeric = (dist is not None and type(dist).__name__ in ("FloatDistribution", "IntDistribution")
               and present.any())
    if numeric:
        x = np.full(len(raw), np.nan)
        x[present] = raw[present].astype(float)
        log = bool(getattr(dist, "log", False))
        if log:
            x[present] = np.log10(x[present])
        if present.all():
            return x, (None if not log else _log_ticks(x))
        lo, hi = np.nanmin(x), np.nanmax(x)
        pad = lo - 0.1 * (hi - lo if hi > lo else 1.0)
        x[~present] = pad
        grid = list(np.linspace(lo, hi, 4))
        labels = [f"{10 ** g:.2g}" if log else f"{g:.3g}" for g in grid]
        return x, ([float(pad), *map(float, grid)], ["n/a", *labels])
    labels = np.array(["n/a" if not p else str(v) for v, p in zip(raw, present)], dtype=object)
    cats = sorted(set(labels), key=lambda s: (s == "n/a", s))
    code = {c: i for i, c in enumerate(cats)}
    return np.array([code[s] for s in labels], dtype=float), ([float(i) for i in range(len(cats))], cats)


def _log_ticks(x: np.ndarray) -> tuple[list[float], list[str]]:
    grid = np.linspace(np.nanmin(x), np.nanmax(x), 4)
    return [float(g) for g in grid], [f"{10 ** g:.2g}" for g in grid]


def collect_timeline(table: TrialTable) -> Timeline:
    """Every trial with a start time; running ones end at the latest known time."""
    f = table.frame
    rows = f[f["start"].notna()]
    latest = max([t for t in list(rows["complete"].dropna()) + list(rows["start"])], default=None)
    ends = [c if c is not None and c == c else latest for c in rows["complete"]]
    return Timeline(rows["number"].to_numpy(), list(rows["worker"]), list(rows["state"]),
                    list(rows["start"]), ends)


# ---------------------------------------------------------------- compare
class CompareSeries(NamedTuple):
    """Best-so-far val mIoU against cumulative epochs consumed, for one study."""

    study_name: str
    sampler: str
    pruner: str
    epochs: np.ndarray
    best_so_far: np.ndarray
    n_trials: int
    best: float | None
    epochs_total: int


def collect_compare_series(table: TrialTable) -> CompareSeries:
    """Finished trials in completion order; epochs of pruned trials count too."""
    f = table.frame
    fin = f[f["state"].isin(["COMPLETE", "PRUNED"])]
    key = [c.timestamp() if c is not None and c == c else float(n)
           for c, n in zip(fin["complete"], fin["number"])]
    order = np.lexsort((fin["number"].to_numpy(), np.array(key, dtype=float)))
    epochs = np.nan_to_num(fin["epochs_run"].to_numpy(dtype=float)[order], nan=0.0)
    values = fin["value"].to_numpy(dtype=float)[order]
    values[fin["state"].to_numpy()[order] != "COMPLETE"] = np.nan
    fill = -np.inf if table.direction == "maximize" else np.inf
    acc = np.maximum.accumulate if table.direction == "maximize" else np.minimum.accumulate
    best = acc(np.where(np.isnan(values), fill, values)) if len(values) else np.zeros(0)
    best = np.where(np.isinf(best), np.nan, best)
    finite = best[np.isfinite(best)]
    return CompareSeries(
        study_name=table.study_name,
        sampler=str(table.user_attrs.get("sampler", "?")),
        pruner=str(table.user_attrs.get("pruner", "?")),
        epochs=np.cumsum(epochs),
        best_so_far=best,
        n_trials=len(fin),
        best=float(finite[-1]) if len(finite) else None,
        epochs_total=int(epochs.sum()),
    )
