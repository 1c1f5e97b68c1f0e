"""Pure data collection for each report section (no drawing): NamedTuples and frames."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs
from search_spaces import FAMILY_PARAM

from reports._config import ReportConfig
from reports._table1 import ARCH_PARAMS, FAMILY_LABELS, match_table1
from reports._trials import (BEST_STEP, BEST_VAL, HELDOUT_MIOU, SCORED_NAMES, WORKER_NAME, TrialTable,
                             param_column)

_BOTTLENECK_LABELS = {"aspp": "ASPP", "pp": "PP", "dilated": "dilated bottleneck"}


def complete_mask(table: TrialTable) -> np.ndarray:
    """Rows that are COMPLETE with a finite value."""
    f = table.frame
    return ((f["state"] == "COMPLETE") & np.isfinite(f["value"].astype(float))).to_numpy()


def ranked_rows(table: TrialTable, mask: np.ndarray | None = None) -> list[int]:
    """Frame rows (within `mask`) of the complete and pruned trials with a val mIoU, best first:
    the one ranking rule of `marsseg evaluate` and `predict` (`harness.ranked_trials`)."""
    from harness import ranked_trials

    rows = range(len(table.trials)) if mask is None else np.flatnonzero(mask)
    row_of = {table.trials[i].number: int(i) for i in rows}
    return [row_of[t.number] for t in ranked_trials(table.trials[i] for i in row_of.values())]


def best_index(table: TrialTable, mask: np.ndarray | None = None) -> int | None:
    """Row of the best trial (within `mask`) by the ranking rule (`ranked_rows`), or None."""
    ranked = ranked_rows(table, mask)
    return ranked[0] if ranked else None


# ---------------------------------------------------------------- comparison table
class VariantRow(NamedTuple):
    """Section 2: one architecture variant (family + toggles) over its complete and pruned trials."""

    variant: str
    params: dict[str, Any]
    n: int  # complete trials
    n_pruned: int  # pruned trials that reported a val mIoU
    best: float  # the best trial's `harness.best_val` (a pruned trial's best reported epoch)
    mean: float  # final val mIoU over the complete trials (NaN: none)
    std: float
    per_class: dict[str, float]
    n_params: int | None
    epochs: int | None  # epochs the best trial ran
    best_number: int
    reported: float | None
    reported_label: str | None
    heldout: float | None = None  # held-out mIoU of the best trial (what to believe)
    best_state: str = "complete"  # the best trial's state, lower case
    best_after: int | None = None  # epochs trained when the best trial reached `best`
    heldout_ci: tuple[float, float] | None = None  # 95% bootstrap interval of `heldout` over photographs
    best_ci: tuple[float, float] | None = None  # that of `best` (a complete best trial's `attrs.VAL_SCORE`)


def variant_label(params: dict[str, Any]) -> str:
    """Course-report style name: `Double U-Net, residual, SE (2 levels), ASPP` (toggle labels from
    `harness.TOGGLE_REGISTRY`)."""
    from harness import toggle_label

    family = params.get(FAMILY_PARAM)
    parts = [FAMILY_LABELS.get(str(family), str(family))]
    if _on(params.get("model.residual")):
        parts.append(toggle_label("residual"))
    se = params.get("model.se_levels")
    if _on(se):
        counted = isinstance(se, (int, np.integer)) and not isinstance(se, bool)
        parts.append(f"{toggle_label('se')} ({se} level{'s' if se != 1 else ''})" if counted else toggle_label("se"))
    bottleneck = params.get("model.bottleneck")
    if _on(bottleneck) and str(bottleneck) != "plain":
        parts.append(_BOTTLENECK_LABELS.get(str(bottleneck), f"{bottleneck} {toggle_label('bottleneck')}"))
    if _on(params.get("model.attention_gates")):
        parts.append(toggle_label("attention_gates"))
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
    """One row per architecture variant over its complete and pruned trials, each at the fidelity
    it reached; rows and each row's best trial follow the ranking rule (`ranked_rows`)."""
    f = table.frame
    keys = _architectures(table)
    records = keys.to_dict("records")
    groups: dict[str, list[int]] = {}
    for i in ranked_rows(table):
        groups.setdefault(variant_label(records[i]), []).append(i)
    state = f["state"].to_numpy()
    value = f["value"].to_numpy(dtype=float)
    rows: list[VariantRow] = []
    for name, idx in groups.items():
        pick, best_row = idx[0], f.iloc[idx[0]]
        final = value[[i for i in idx if state[i] == "COMPLETE"]]
        params = {p: v for p, v in keys.iloc[pick].items() if v is not None}
        published = match_table1(params)
        rows.append(VariantRow(
            variant=name,
            params=params,
            n=len(final),
            n_pruned=sum(state[i] == "PRUNED" for i in idx),
            best=float(best_row[BEST_VAL]),
            mean=float(final.mean()) if len(final) else float("nan"),
            std=float(final.std(ddof=1)) if len(final) > 1 else float("nan"),
            per_class={c: float(best_row[f"iou.{c}"]) for c in SCORED_NAMES},
            n_params=_int_or_none(best_row["n_params"]),
            epochs=_int_or_none(best_row["epochs_run"]),
            best_number=int(best_row["number"]),
            reported=published.miou if published else None,
            reported_label=published.label if published else None,
            heldout=_float_or_none(best_row.get(HELDOUT_MIOU)),
            best_state=str(state[pick]).lower(),
            best_after=None if _int_or_none(best_row[BEST_STEP]) is None else int(best_row[BEST_STEP]) + 1,
            heldout_ci=_heldout_ci(table, int(best_row["number"])),
            best_ci=_val_ci(table.trials[pick]),
        ))
    return rows


def _heldout_ci(table: TrialTable, number: int) -> tuple[float, float] | None:
    """The stored 95% interval of trial `number`'s held-out mIoU (None: not scored, or scored before intervals)."""
    from harness.analytics import stored_ci

    return stored_ci(attrs.heldout_scores(table.user_attrs).get(number))


def _val_ci(trial: Any) -> tuple[float, float] | None:
    """The 95% interval over photographs of a trial's val mIoU (None: not stored, e.g. a pruned trial)."""
    from harness.analytics import stored_ci

    return stored_ci(trial.user_attrs.get(attrs.VAL_SCORE))


class HeldoutRow(NamedTuple):
    """One trial scored on the held-out split (`marsseg evaluate`), complete or pruned."""

    number: int
    state: str
    variant: str
    epochs: int | None
    val: float  # its best val mIoU (a pruned trial's best reported epoch, whose weights were scored)
    heldout: float
    per_class: dict[str, float | None]
    interval: dict | None = None  # 95% bootstrap over photographs (`ScoreInterval.to_dict()`); None: scored before
    val_ci: tuple[float, float] | None = None  # 95% interval of `val` over the val photographs (complete trials)


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
                               float(score["miou"]), dict(score.get("per_class_iou") or {}), score.get("interval"),
                               _val_ci(t)))
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
    """Each complete and pruned trial's best val mIoU (`harness.best_val`) by number, its state,
    the best so far (pruned trials credited, as `harness.trial_points` does) and how many are drawn."""

    numbers: np.ndarray
    values: np.ndarray
    best_numbers: np.ndarray
    best_so_far: np.ndarray
    n_total: int
    states: np.ndarray  # "COMPLETE" / "PRUNED" of each drawn point


class Curves(NamedTuple):
    """Learning curves (`val_miou` per epoch) of a sample of finished trials."""

    numbers: list[int]
    states: list[str]
    steps: list[np.ndarray]
    values: list[np.ndarray]
    n_total: int


class ParallelCoords(NamedTuple):
    """The sampled complete and pruned trials (`numbers`) of the parallel-coordinates plot, as
    columns: their state and epochs run first, then every param; `objective` is their best val mIoU.

    Categorical and absent values are coded as numbers with tick labels (absent: "n/a").
    """

    names: list[str]
    columns: list[np.ndarray]
    ticks: list[tuple[list[float], list[str]] | None]
    objective: np.ndarray
    n_total: int
    numbers: np.ndarray


class Timeline(NamedTuple):
    """Start/end of every trial that started, one row per worker (`workers`: its name, which a
    recycled worker's processes share); `restarts`: (worker, time) where a new process took over."""

    numbers: np.ndarray
    workers: list[str]
    states: list[str]
    starts: list[Any]
    ends: list[Any]
    processes: list[str]
    restarts: list[tuple[str, Any]]


def _scored_rows(table: TrialTable) -> np.ndarray:
    """Rows of the trials with a best val mIoU (complete and pruned ones that reported)."""
    return np.flatnonzero(np.isfinite(table.frame[BEST_VAL].to_numpy(dtype=float)))


def collect_history(table: TrialTable, config: ReportConfig) -> History:
    """Best values in trial order; the best-so-far line keeps every improvement, points are sampled."""
    f = table.frame
    rows = _scored_rows(table)
    rows = rows[np.argsort(f["number"].to_numpy()[rows], kind="stable")]
    numbers, values = f["number"].to_numpy()[rows], f[BEST_VAL].to_numpy(dtype=float)[rows]
    best = np.maximum.accumulate(values) if len(values) else values
    changed = np.r_[True, best[1:] != best[:-1]] if len(best) else np.zeros(0, bool)
    if len(changed):
        changed[-1] = True
    keep = _sample(len(values), config.max_history_points, config.seed, must=np.flatnonzero(changed))
    return History(numbers[keep], values[keep], numbers[changed], best[changed], len(values),
                   f["state"].to_numpy().astype(str)[rows][keep])


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
    """`rows` if at most `limit`, else the best tenth of `limit` (by best val mIoU) plus a seeded sample."""
    values = table.frame[BEST_VAL].to_numpy(dtype=float)[rows]
    top = np.argsort(np.where(np.isfinite(values), -values, np.inf), kind="stable")[: limit // 10]
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
    """State, epochs run and every param as columns over a sample of the complete and pruned
    trials (log params on log10), coloured by their best val mIoU."""
    rows = _scored_rows(table)
    keep = _best_and_sample(table, rows, config.max_parcoords, config.seed)
    f = table.frame
    states = f["state"].to_numpy().astype(str)[keep]
    names, columns, ticks = ["state", "epochs run"], [], []
    state_column, state_ticks = _encode(np.array([s.lower() for s in states], dtype=object), None)
    columns += [state_column, f["epochs_run"].to_numpy(dtype=float)[keep]]
    ticks += [state_ticks, None]
    for name in table.param_names:
        raw = param_column(table, name).to_numpy(dtype=object)[keep]
        column, tick = _encode(raw, table.distributions.get(name))
        names.append(name)
        columns.append(column)
        ticks.append(tick)
    return ParallelCoords(names, columns, ticks, f[BEST_VAL].to_numpy(dtype=float)[keep], len(rows),
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
    """Every trial with a start time on its worker's row; running ones end at the latest known
    time. A restart is where a worker's next trial ran in another process than its last one."""
    f = table.frame
    rows = f[f["start"].notna()]
    latest = max([t for t in list(rows["complete"].dropna()) + list(rows["start"])], default=None)
    ends = [c if c is not None and c == c else latest for c in rows["complete"]]
    workers, processes = list(rows[WORKER_NAME]), list(rows["worker"])
    restarts, last = [], {}
    for i in np.argsort(np.asarray(rows["start"], dtype="datetime64[ns]"), kind="stable"):
        worker, process = workers[i], processes[i]
        if last.get(worker, process) != process:
            restarts.append((worker, rows["start"].iloc[i]))
        last[worker] = process
    return Timeline(rows["number"].to_numpy(), workers, list(rows["state"]), list(rows["start"]), ends,
                    processes, restarts)


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
    paired: Any = None  # harness.analytics.PairedDifference of this study's best scored trial minus the report's
    paired_note: str = ""  # why there is none


def paired_with(base: TrialTable, other: TrialTable) -> tuple[Any, str]:
    """(PairedDifference of held-out mIoU other - base, "") for the two studies' best scored trials
    (`harness.analytics.best_scored`) on the same photographs; (None, why) when they cannot pair."""
    from harness.analytics import best_scored, compare_scores

    picked = []
    for t in (other, base):
        scores = attrs.heldout_scores(t.user_attrs)
        best = best_scored(t.trials, scores)
        if best is None:
            return None, f"{t.study_name} has no trial scored on the held-out split"
        picked.append(scores[best.number])
    try:
        return compare_scores(*picked), ""
    except ValueError as exc:
        return None, str(exc)


def collect_compare_series(table: TrialTable, base: TrialTable | None = None) -> CompareSeries:
    """Finished trials in completion order (`harness.trial_points`): every trial's epochs count as
    consumed, and each is credited with the best val mIoU it reported, pruned ones included."""
    from harness import run_curve, trial_points

    curve = run_curve(table.study_name, 0, trial_points(table.trials))
    finite = curve.best[np.isfinite(curve.best)]
    paired, note = (None, "") if base is None else paired_with(base, table)
    return CompareSeries(
        study_name=table.study_name,
        sampler=str(table.user_attrs.get(attrs.SAMPLER, "?")),
        pruner=str(table.user_attrs.get(attrs.PRUNER, "?")),
        epochs=curve.epochs,
        best_so_far=curve.best,
        n_trials=len(curve.epochs),
        best=float(finite[-1]) if len(finite) else None,
        epochs_total=int(curve.epochs[-1]) if len(curve.epochs) else 0,
        paired=paired,
        paired_note=note,
    )
