"""Benchmark results as anytime curves: best val mIoU against epochs consumed and wall time,
mean and confidence band over seeds, mean rank, normalized regret, epochs to a target.

Pure NumPy on plain data (`TrialPoint`s in completion order); `trial_points` reads them off
Optuna's frozen trials. Shared by `marsseg benchmark` (its summary) and `marsseg report
--benchmark` (its section), so it lives below both. Study names are `B/METHOD/SEED`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from harness.analytics._ranking import ranked_trials
from harness.common import attrs

SEPARATOR = "/"


def study_name(benchmark: str, method: str, seed: int) -> str:
    """The study of one run: `B/METHOD/SEED`."""
    return SEPARATOR.join((benchmark, method, str(seed)))


def parse_study_name(name: str) -> tuple[str, str, int] | None:
    """(benchmark, method, seed) of a run's study name; None for any other name."""
    bench, sep, rest = name.rpartition(SEPARATOR)
    if not sep or not rest.lstrip("-").isdigit():
        return None
    benchmark, sep, method = bench.rpartition(SEPARATOR)
    return (benchmark, method, int(rest)) if sep and benchmark and method else None


class TrialPoint(NamedTuple):
    """One finished trial of a run: epochs it trained, when it finished (seconds after the
    run's first trial started), and the best val mIoU it reported (None: none)."""

    epochs: int
    seconds: float
    value: float | None


def trial_epochs(trial: Any) -> int:
    """Epochs a trial trained: its recorded `epochs_run`, else its reported steps."""
    return max(int(trial.user_attrs.get(attrs.EPOCHS_RUN, 0) or 0), len(trial.intermediate_values))


def epochs_consumed(trials: Iterable[Any]) -> int:
    """Epochs trained over all `trials` (pruned and failed ones included)."""
    return sum(trial_epochs(t) for t in trials)


def trial_points(trials: Sequence[Any]) -> list[TrialPoint]:
    """The finished trials (complete, pruned, failed) of a run in completion order.

    A trial's value is the best val mIoU it ever reported (its final value, or the best
    intermediate value of a pruned trial): every engine gets credit for what it measured.
    """
    finished = [t for t in trials if t.datetime_complete is not None and t.datetime_start is not None]
    if not finished:
        return []
    start = min(t.datetime_start for t in finished)
    points = []
    for t in sorted(finished, key=lambda t: (t.datetime_complete, t.number)):
        reported = [v for v in t.intermediate_values.values() if v is not None and math.isfinite(v)]
        if t.value is not None and t.state.name == "COMPLETE":
            reported.append(float(t.value))
        points.append(TrialPoint(trial_epochs(t), (t.datetime_complete - start).total_seconds(),
                                 max(reported) if reported else None))
    return points


class RunCurve(NamedTuple):
    """Best-so-far val mIoU of one run after each finished trial."""

    method: str
    seed: int
    epochs: np.ndarray  # cumulative epochs consumed
    seconds: np.ndarray  # wall time at each trial's end
    best: np.ndarray  # best so far (NaN before the first value)
    values: np.ndarray  # each trial's own value (NaN: none)
    heldout: float = math.nan  # held-out mIoU of the best complete trial by val mIoU (NaN: not scored)


def run_curve(method: str, seed: int, points: Sequence[TrialPoint], heldout: float = math.nan) -> RunCurve:
    """The anytime curve of one run."""
    values = np.array([np.nan if p.value is None else p.value for p in points], dtype=float)
    best = np.fmax.accumulate(values) if len(values) else values
    return RunCurve(method, seed, np.cumsum([p.epochs for p in points], dtype=float),
                    np.array([p.seconds for p in points], dtype=float), best, values, heldout)


def best_heldout(trials: Sequence[Any], study_attrs: Mapping[str, Any]) -> float:
    """Held-out mIoU of the best trial by val mIoU (`ranked_trials`), the one `marsseg predict
    --top-k 1` uses; NaN when it was not scored (no split, no weights)."""
    ranked = ranked_trials(trials)
    score = attrs.heldout_scores(dict(study_attrs)).get(ranked[0].number) if ranked else None
    return math.nan if score is None else float(score["miou"])


def best_at(x: np.ndarray, best: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The best-so-far value at each grid point (a step function; NaN before the first trial)."""
    idx = np.searchsorted(x, grid, side="right") - 1
    out = np.full(len(grid), np.nan)
    ok = idx >= 0
    out[ok] = best[idx[ok]]
    return out


class Band(NamedTuple):
    """Mean over seeds and a 95% t-interval, per grid point, of one method."""

    method: str
    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_seeds: int


def mean_band(method: str, x: np.ndarray, rows: np.ndarray) -> Band:
    """Mean and 95% t-interval over the rows (seeds) of `rows`, ignoring NaN."""
    import warnings

    from scipy import stats

    rows = np.atleast_2d(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a grid point no seed has reached yet
        mean = np.nanmean(rows, axis=0)
        n = np.sum(~np.isnan(rows), axis=0)
        sd = np.nanstd(rows, axis=0, ddof=1) if rows.shape[0] > 1 else np.zeros(rows.shape[1])
        half = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return Band(method, x, mean, mean - half, mean + half, rows.shape[0])


def mean_ranks(per_method: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Mean rank (1 = best) per grid point; `per_method[m]` is (seeds x grid). A run with no
    value yet ranks below every run with one; ties share the average rank."""
    from scipy.stats import rankdata

    methods = list(per_method)
    stacked = np.stack([np.nan_to_num(per_method[m], nan=-np.inf) for m in methods])  # method x seed x grid
    ranks = rankdata(-stacked, axis=0, method="average")
    return {m: ranks[i].mean(axis=0) for i, m in enumerate(methods)}


def normalized_regret(values: np.ndarray, best: float, worst: float) -> np.ndarray:
    """(best - value) / (best - worst), clipped to [0, 1]; NaN (no value yet) counts as 1."""
    span = best - worst
    if not span > 0:
        return np.where(np.isnan(values), 1.0, 0.0)
    return np.clip(np.nan_to_num((best - values) / span, nan=1.0), 0.0, 1.0)


def epochs_to_target(curve: RunCurve, target: float) -> float:
    """Cumulative epochs when the run first reached `target` (inf: never)."""
    hit = np.nonzero(np.nan_to_num(curve.best, nan=-np.inf) >= target)[0]
    return float(curve.epochs[hit[0]]) if len(hit) else math.inf


class TargetRow(NamedTuple):
    """Epochs each seed of a method needed to reach the target, and their mean over the seeds that did."""

    method: str
    target: float
    epochs: tuple[float, ...]
    reached: int
    mean_epochs: float


class BenchmarkResult(NamedTuple):
    """Everything the benchmark section shows, as plain data."""

    name: str
    runs: list[RunCurve]
    by_epochs: list[Band]
    by_seconds: list[Band]
    ranks: dict[str, np.ndarray]  # mean rank on the epoch grid
    regret: list[Band]  # normalized regret on the epoch grid
    targets: list[TargetRow]
    best: float  # best value of any run (regret's reference)
    worst: float  # worst value of any trial (regret's other end)
    heldout: dict[str, tuple[float, int]]  # method -> (mean held-out mIoU of the runs' best trials, runs scored)


def analyse(name: str, runs: Sequence[RunCurve], n_points: int = 50, target: float | None = None) -> BenchmarkResult:
    """Curves, ranks, regret and epochs-to-target of a benchmark's runs.

    The epoch grid runs from 1 to the largest consumption of any run; the time grid
    likewise. target: default the lowest final best among the runs (every run reached
    it, so the figure compares speed to a common level).
    """
    methods = list(dict.fromkeys(r.method for r in runs))
    finals = [r.best[-1] for r in runs if len(r.best) and not np.isnan(r.best[-1])]
    values = np.concatenate([r.values for r in runs]) if runs else np.array([])
    best = float(np.nanmax(values)) if finals else math.nan
    worst = float(np.nanmin(values)) if finals else math.nan
    target = min(finals) if target is None and finals else target
    e_grid = _grid([r.epochs for r in runs], n_points, start=1.0)
    t_grid = _grid([r.seconds for r in runs], n_points, start=0.0)
    at_e = {m: np.array([best_at(r.epochs, r.best, e_grid) for r in runs if r.method == m]) for m in methods}
    at_t = {m: np.array([best_at(r.seconds, r.best, t_grid) for r in runs if r.method == m]) for m in methods}
    targets = []
    for m in methods:
        hits = tuple(epochs_to_target(r, target) for r in runs if r.method == m) if target is not None else ()
        reached = [h for h in hits if math.isfinite(h)]
        targets.append(TargetRow(m, math.nan if target is None else float(target), hits, len(reached),
                                 float(np.mean(reached)) if reached else math.inf))
    return BenchmarkResult(
        name=name, runs=list(runs),
        by_epochs=[mean_band(m, e_grid, at_e[m]) for m in methods],
        by_seconds=[mean_band(m, t_grid, at_t[m]) for m in methods],
        ranks=mean_ranks(at_e) if methods else {},
        regret=[mean_band(m, e_grid, normalized_regret(at_e[m], best, worst)) for m in methods],
        targets=targets, best=best, worst=worst, heldout={m: _mean_scored(r.heldout for r in runs if r.method == m)
                                                         for m in methods},
    )


def _mean_scored(values: Iterable[float]) -> tuple[float, int]:
    scored = [v for v in values if not math.isnan(v)]
    return (float(np.mean(scored)) if scored else math.nan, len(scored))


def _grid(xs: Sequence[np.ndarray], n_points: int, start: float) -> np.ndarray:
    top = max((float(x[-1]) for x in xs if len(x)), default=start)
    return np.unique(np.linspace(start, max(top, start), n_points))


def load_benchmark(name: str, storage: str, n_points: int = 50, target: float | None = None) -> BenchmarkResult:
    """Analyse every run `name/METHOD/SEED` in `storage`; MarssegError when there is none."""
    import optuna

    from harness.common import MarssegError, open_storage

    opened = open_storage(storage)
    runs = []
    for study in sorted(optuna.study.get_all_study_names(opened)):
        parsed = parse_study_name(study)
        if parsed is None or parsed[0] != name:
            continue
        loaded = optuna.load_study(study_name=study, storage=opened)
        trials = loaded.get_trials(deepcopy=False)
        runs.append(run_curve(parsed[1], parsed[2], trial_points(trials), best_heldout(trials, loaded.user_attrs)))
    if not runs:
        raise MarssegError(f"no benchmark {name!r} in this storage (no study named {name}/METHOD/SEED)")
    return analyse(name, runs, n_points=n_points, target=target)


def result_rows(result: BenchmarkResult) -> list[dict[str, Any]]:
    """The result as long-format rows (one per method, series and grid point; then the targets), for CSV."""
    rows = []
    series = [("best_vs_epochs", result.by_epochs), ("best_vs_seconds", result.by_seconds),
              ("regret_vs_epochs", result.regret)]
    for kind, bands in series:
        for band in bands:
            for i, x in enumerate(band.x):
                rows.append({"series": kind, "method": band.method, "x": float(x), "mean": float(band.mean[i]),
                             "low": float(band.low[i]), "high": float(band.high[i]), "n_seeds": band.n_seeds})
    for method, ranks in result.ranks.items():
        x = result.by_epochs[0].x
        rows.extend({"series": "rank_vs_epochs", "method": method, "x": float(x[i]), "mean": float(r), "low": math.nan,
                     "high": math.nan, "n_seeds": len([c for c in result.runs if c.method == method])}
                    for i, r in enumerate(ranks))
    for t in result.targets:
        rows.append({"series": f"epochs_to_target_{t.target:.4f}", "method": t.method, "x": math.nan,
                     "mean": t.mean_epochs, "low": math.nan, "high": math.nan, "n_seeds": t.reached})
    for method, (mean, n) in result.heldout.items():
        rows.append({"series": "heldout_of_best", "method": method, "x": math.nan, "mean": mean, "low": math.nan,
                     "high": math.nan, "n_seeds": n})
    return rows
