"""Zero-cost replay: a no-pruning study as a tabular benchmark of recorded learning curves.

Each recorded curve is fed epoch by epoch into a real Optuna pruner through an in-memory
study (`trial.report` + `trial.should_prune`, as `LoudPruningCallback` does live), with K
simulated workers on an event-driven clock where each epoch costs its recorded seconds.
So a replayed pruner decides exactly as the live one would on the same curves in the same
order. Samplers are replayed by drawing only among the recorded configurations (one
categorical over their indices), never over the space.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from harness.common import MarssegError, attrs
from search_spaces import FAMILY_PARAM

RECORDED = "recorded"  # the order the curves were recorded in, no sampler


class Curve(NamedTuple):
    """One recorded trial: its number, val mIoU per epoch, seconds per epoch, and network family."""

    number: int
    values: tuple[float, ...]
    seconds: tuple[float, ...]
    family: str | None = None

    @property
    def best(self) -> float:
        return max(self.values)


class ReplayResult(NamedTuple):
    """One replay: what it cost and what it found, and each trial's fate."""

    pruner: str
    sampler: str
    workers: int
    epochs: int
    seconds: float  # simulated wall time until the last trial ended
    best_found: float  # best value among trials that ran to the end (nan: none did)
    regret: float  # best value of all curves minus best_found
    pruned_at: tuple[tuple[int, int | None], ...]  # (curve number, epoch it was pruned at or None), in start order


def complete_curves(study: Any) -> list[Curve]:
    """The complete trials of any study, as curves (seconds split evenly over epochs)."""
    curves = []
    for t in study.get_trials(deepcopy=False):
        if t.state.name != "COMPLETE" or not t.intermediate_values:
            continue
        values = tuple(float(t.intermediate_values[k]) for k in sorted(t.intermediate_values))
        per_epoch = float(t.user_attrs.get(attrs.TRAIN_SECONDS, len(values))) / len(values)
        curves.append(Curve(t.number, values, (per_epoch,) * len(values), t.params.get(FAMILY_PARAM)))
    return curves


def recorded_curves(study: Any) -> list[Curve]:
    """The complete trials of a study run without pruning, as curves (seconds split evenly over epochs)."""
    pruner = study.user_attrs.get("pruner")
    if pruner not in (None, "none"):
        raise MarssegError(f"study {study.study_name!r} ran with pruner {pruner!r}; replay needs every curve to the "
                           "end: record a study with --pruner none")
    curves = complete_curves(study)
    if len(curves) < 2:
        raise MarssegError(f"study {study.study_name!r} holds {len(curves)} complete trial(s) with curves; "
                           "replay needs at least 2")
    return curves


def replay(curves: Sequence[Curve], pruner: Any, *, pruner_name: str = "?", sampler: Any = None,
           sampler_name: str = RECORDED, workers: int = 1, n_trials: int | None = None,
           study_name: str = "replay") -> ReplayResult:
    """Replay `pruner` (and `sampler`, None: the recorded order) on the curves with K simulated workers.

    study_name: the in-memory study's name; Hyperband assigns brackets from it, so pass the
    recorded study's name to replay what a live run under that name would have done.
    """
    import optuna

    if workers < 1:
        raise MarssegError(f"--workers must be >= 1, got {workers}")
    study = optuna.create_study(study_name=study_name, direction="maximize", pruner=pruner,
                                sampler=sampler or optuna.samplers.RandomSampler(seed=0))
    n_trials = len(curves) if n_trials is None else n_trials
    events: list[tuple[float, int, int]] = []  # (time, sequence, worker)
    running: dict[int, list[Any]] = {}  # worker -> [trial, curve, next epoch]
    fates: list[list[Any]] = []
    state = {"started": 0, "sequence": 0, "epochs": 0, "clock": 0.0}

    def start(worker: int, now: float) -> None:
        if state["started"] >= n_trials:
            return
        trial = study.ask()
        index = state["started"] if sampler is None else trial.suggest_categorical("config", list(range(len(curves))))
        state["started"] += 1
        curve = curves[index]
        fate = [curve.number, None]
        fates.append(fate)
        running[worker] = [trial, curve, 0, fate]
        _push(events, state, now + curve.seconds[0], worker)

    for worker in range(workers):
        start(worker, 0.0)
    while events:
        now, _, worker = heapq.heappop(events)
        state["clock"] = now
        trial, curve, epoch, fate = running[worker]
        trial.report(curve.values[epoch], step=epoch)
        state["epochs"] += 1
        if epoch + 1 == len(curve.values):  # the last epoch only reports (LoudPruningCallback)
            study.tell(trial, curve.best)
        elif trial.should_prune():
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            fate[1] = epoch
        else:
            running[worker][2] = epoch + 1
            _push(events, state, now + curve.seconds[epoch + 1], worker)
            continue
        del running[worker]
        start(worker, now)
    completed = [t.value for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
    best_found = max(completed) if completed else math.nan
    return ReplayResult(pruner_name, sampler_name, workers, state["epochs"], state["clock"], best_found,
                        max(c.best for c in curves) - best_found, tuple((n, e) for n, e in fates))


def _push(events: list[tuple[float, int, int]], state: dict[str, Any], when: float, worker: int) -> None:
    state["sequence"] += 1
    heapq.heappush(events, (when, state["sequence"], worker))


def format_replays(results: Sequence[ReplayResult], n_curves: int) -> str:
    """A text table of replays, with the note on how samplers were replayed."""
    head = f"{'pruner':>10s}  {'sampler':>8s}  {'K':>2s}  {'epochs':>6s}  {'% of full':>9s}  {'sim. s':>8s}  " \
           f"{'best found':>10s}  {'regret':>7s}  {'pruned':>6s}"
    full = next((r.epochs for r in results if r.pruner == "none"), None)
    lines = [head]
    for r in results:
        share = f"{100 * r.epochs / full:.0f}%" if full else "-"
        pruned = sum(e is not None for _, e in r.pruned_at)
        lines.append(f"{r.pruner:>10s}  {r.sampler:>8s}  {r.workers:>2d}  {r.epochs:>6d}  {share:>9s}  "
                     f"{r.seconds:>8.1f}  {r.best_found:>10.4f}  {r.regret:>7.4f}  {pruned:>6d}")
    lines.append(f"{n_curves} recorded curves; samplers other than '{RECORDED}' draw only among these recorded "
                 "configurations (a categorical over their indices), not over the search space.")
    return "\n".join(lines)


REPLAY_PRUNERS = ("median", "percentile", "sha", "hyperband", "patient")


def curve_agreement(curves: Sequence[Curve], *, n_boot: int = 1000, seed: int = 0) -> list[Any]:
    """`harness.analytics.rank_agreement` of the curves: their ranking at each epoch against their final one
    (each curve's best value, what the study ranks by), with bootstrap intervals over trials."""
    from harness.analytics import rank_agreement

    return rank_agreement([c.values for c in curves], [c.best for c in curves], n_boot=n_boot, seed=seed)


def family_agreement(curves: Sequence[Curve], *, n_boot: int = 1000, seed: int = 0) -> dict[str, list[Any]]:
    """`curve_agreement` within each family that holds at least `harness.analytics.MIN_TRIALS` curves
    (`harness.analytics.rank_agreement_by`)."""
    from harness.analytics import rank_agreement_by

    return rank_agreement_by([c.values for c in curves], [c.family for c in curves], n_boot=n_boot, seed=seed)


def study_agreement(study_name: str, storage: str, *, n_boot: int = 1000,
                    seed: int = 0) -> tuple[list[Any], dict[str, list[Any]]]:
    """(`curve_agreement`, `family_agreement`) of the complete trials of a stored study (any pruner:
    only complete curves count)."""
    from harness.common import load_existing_study

    curves = complete_curves(load_existing_study(study_name, storage))
    return curve_agreement(curves, n_boot=n_boot, seed=seed), family_agreement(curves, n_boot=n_boot, seed=seed)


def format_agreement_note(rows: Sequence[Any], rungs: Sequence[int] = (),
                          by_family: dict[str, Sequence[Any]] | None = None) -> str:
    """The agreement table of `curve_agreement` under a heading that says how to read it, then one
    table per family of `family_agreement`."""
    from harness.analytics import format_agreement

    marks = f" Pruners of this budget decide at epochs {', '.join(str(r + 1) for r in rungs)}." if rungs else ""
    parts = ["Rank agreement of each epoch's ranking with the final one (best val mIoU), over the trials that reached "
             f"the epoch; 95% bootstrap intervals over trials.{marks}\n" + format_agreement(rows)]
    parts += [f"Within family {family} ({max((r.n for r in fam_rows), default=0)} trials):\n" + format_agreement(fam_rows)
              for family, fam_rows in (by_family or {}).items()]
    return "\n".join(parts)


def run_replay(study_name: str, storage: str, *, pruners: Sequence[str] = REPLAY_PRUNERS,
               samplers: Sequence[str] = (RECORDED,), workers: int = 1,
               seed: int = 0) -> tuple[list[ReplayResult], list[Curve]]:
    """Replay every pruner (after the `none` baseline) under every sampler; returns (results, the
    recorded curves), so a caller reads their rank agreement without loading the study again.

    Pruners are built from the registry with the study's budget (warm-up, max epochs).
    """
    import optuna

    from harness import get_budget
    from harness.common import open_storage
    from search_spaces import get_space
    from studies._registry import make_pruner, make_sampler

    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    except KeyError:
        raise MarssegError(f"no study {study_name!r} in {storage}") from None
    curves = recorded_curves(study)
    budget = get_budget(study.user_attrs.get("budget", "tiny"))
    space = get_space(study.user_attrs["space"]) if "space" in study.user_attrs else None
    results = []
    for sampler_name in samplers:
        for name in ("none", *[p for p in pruners if p != "none"]):
            sampler = None if sampler_name == RECORDED else make_sampler(sampler_name, seed, space)
            results.append(replay(curves, make_pruner(name, budget.warmup_epochs, budget.max_epochs, budget.first_rung_gflop),
                                  pruner_name=name, sampler=sampler, sampler_name=sampler_name, workers=workers,
                                  study_name=study_name))
    return results, curves
