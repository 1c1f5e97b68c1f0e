"""`marsseg search --timeout S` on a new study: the time plan (`harness._timeplan` says when
exploring pays).

1. Anchor: the first `--start-with` row (default Table 1's U-Net) under `marsseg train`'s recipe
   (its own schedule: ReduceLROnPlateau for a Table 1 row) until the end, trained alone on all
   cores. After its first epoch it decides whether exploring can pay on this machine; if not,
   it trains on to the end, or, where the time holds several runs to the row's plateau
   (`harness.ensemble_members`), to the end of its share, and further members (the same row,
   each with its own seed) share out the rest one after the other; `marsseg predict --top-k`
   ensembles them on val. Either way the space's queued presets are closed as surplus.
2. Explore (only when it pays): the study's workers until `EXPLORE_SHARE` of the time, on
   Table 1's other rows first (`plan_rows`), then on what the sampler proposes. The anchor trains
   on to the first cost rung, and every candidate trains to it and stops there, mid-epoch
   (`StudyPolicy.explore_cost`), so all are compared at the same training cost whatever their
   family costs per image; trials in flight stop at the first batch past the planned point.
3. Exploit: the best candidates at the first rung, one per worker (`continuation_sources`),
   continue as new trials linked to them (`attrs.CONTINUES`) from their kept weights and
   optimizer state, under the recipe with their own schedule to the end, side by side (one
   candidate alone takes all cores); `marsseg predict --top-k` then ensembles them on val.
   (The `timed` schedule, fitted to the deadline, scored below plateau in both measured
   30-minute runs: BENCHMARKS.md.)

The study records the plan and how its time went (`attrs.TIME_PLAN`); `marsseg report` and the
search summary show it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
import time
from collections.abc import Callable
from typing import Any

from harness.common import MarssegError, attrs
from studies._accounting import trial_of

DEFAULT_ANCHOR = "U-Net"


def anchor_label(start_with: tuple[str, ...]) -> str:
    """The Table 1 row the plan trains first."""
    return start_with[0] if start_with else DEFAULT_ANCHOR


def plan_rows(start_with: tuple[str, ...], space: Any) -> tuple[str, ...]:
    """The Table 1 rows a time plan enqueues: the `--start-with` rows, then every other row that
    `space` holds, so that the exploration screens the course's hand-tuned configurations before
    what the sampler proposes (the anchor stands for its own row)."""
    from search_spaces import TABLE1_PRESETS

    def fits(params: Any) -> bool:
        try:
            space.check(params)
        except ValueError:
            return False
        return True

    return tuple(dict.fromkeys([*start_with, *(name for name, params in TABLE1_PRESETS if fits(params))]))


def begin_plan(study: Any, settings: Any, label: str, start: float, timeout: float) -> int:
    """Store the plan (read by every worker's `StudyPolicy`) and enqueue the anchor, before the
    space's presets, so that it runs first and stands for its row; returns its trial number."""
    from harness import EXPLORE_SHARE, get_budget

    budget = get_budget(settings.budget)
    check = {"start": start, "end": start + timeout, "explore_until": start + EXPLORE_SHARE * timeout,
             "first_rung": budget.first_rung_gflop}
    study.set_user_attr(attrs.TIME_PLAN, check)
    return _enqueue_row(study, settings, label, 0, attrs.ANCHOR, start + timeout, {attrs.PLAN_CHECK: check})


def _enqueue_row(study: Any, settings: Any, label: str, repeat: int, phase: str, end: float,
                 extra: dict[str, Any] | None = None) -> int:
    """Enqueue Table 1's row `label` under `marsseg train`'s recipe until `end`, with the trial seed
    of its number (`repeat`: which copy of the row); returns that number."""
    from harness import get_budget
    from search_spaces import table1_presets
    from studies._recipe import RECIPE, UNTIL_TIMEOUT_EPOCHS, budget_configs

    try:
        (_, params), = table1_presets([label])
    except ValueError as exc:
        raise MarssegError(f"--start-with: {exc}") from None
    configs = budget_configs(dict(params), get_budget(settings.budget), settings)
    number = len(study.get_trials(deepcopy=False))
    configs = RECIPE.apply(configs, UNTIL_TIMEOUT_EPOCHS)
    configs = dataclasses.replace(configs, train=dataclasses.replace(configs.train, seed=settings.seed + number))
    study.enqueue_trial({}, user_attrs={
        attrs.PRESET: label, attrs.REPEAT: repeat, attrs.PLANNED_CONFIGS: configs.to_dict(), attrs.PLAN_PHASE: phase,
        attrs.PLAN_END: end, **(extra or {})})
    return number


def run_plan(base: Any, study: Any, settings: Any, explore: Callable[..., int], gpus: list[str],
             anchor: int, workers: int = 1) -> int:
    """Run the anchor, then (when it says exploring pays) the exploration and the continuations;
    returns the exit code. `base`: the workers' `WorkerSpec`; `explore(spec, n=workers)` runs `n`
    worker processes."""
    from harness import available_cores

    phases: dict[str, Any] = {**study.user_attrs[attrs.TIME_PLAN], "anchor": anchor}
    start, end, explore_until = phases["start"], phases["end"], phases["explore_until"]
    alone = dataclasses.replace(base, threads=available_cores(), deadline=None, recycle=0, max_trials=1)
    print(f"time plan: trial {anchor} ({trial_of(study, anchor).user_attrs[attrs.PRESET]}) trains on "
          f"{alone.threads} thread(s) until the end; after its first epoch it decides whether "
          f"exploring pays", file=sys.stderr)
    code = _alone(alone, gpus)
    phases["anchor_s"] = round(time.time() - start, 1)
    decision = trial_of(study, anchor).user_attrs.get(attrs.PLAN_DECISION) or {}
    phases["decision"], phases["reason"] = decision.get("decision", attrs.EXPLOIT), decision.get("reason", "")
    if not code and phases["decision"] != attrs.EXPLORE:
        close_queue(study, "queued for an exploration the time plan did not run")  # the space's presets
    if not code and phases["decision"] == attrs.ENSEMBLE:
        print(f"time plan: {phases['reason']}", file=sys.stderr)
        return _record(study, phases, _members(alone, study, settings, gpus, decision["members"], phases))
    if code or phases["decision"] != attrs.EXPLORE:
        return _record(study, phases, code)
    print(f"time plan: {phases['reason']}", file=sys.stderr)
    code = _explore(base, study, explore, explore_until, phases)
    if code:
        return _record(study, phases, code)
    sources = continuation_sources(study, phases["first_rung"], workers)
    if not sources:
        print("time plan: no explored trial reached the first rung with its weights; nothing to continue",
              file=sys.stderr)
        return _record(study, phases, 0)
    phases["continuation"] = [enqueue_continuation(study, settings, source, end) for source, _ in sources]
    for number, (source, value) in zip(phases["continuation"], sources):
        print(f"time plan: trial {number} continues trial {source.number} (val mIoU {value:.4f} at the "
              f"first rung) to the end", file=sys.stderr)
    t0 = time.time()
    if len(sources) > 1:  # side by side, one process each, the cores shared out
        code = explore(dataclasses.replace(alone, threads=max(1, alone.threads // len(sources))), len(sources))
    else:
        code = _alone(alone, gpus)
    phases["exploit_s"] = round(time.time() - t0, 1)
    return _record(study, phases, code)


def _members(alone: Any, study: Any, settings: Any, gpus: list[str], members: int, phases: dict[str, Any]) -> int:
    """An ensemble plan's further members, one after the other on all cores: each a copy of the
    anchor's row with its own seed, sharing out the time left equally; the exit code."""
    anchor = trial_of(study, phases["anchor"]).user_attrs
    phases["members"], phases["members_s"] = [], []
    for repeat in range(1, members):
        now = time.time()
        end = now + (phases["end"] - now) / (members - repeat)
        number = _enqueue_row(study, settings, anchor[attrs.PRESET], repeat, attrs.ENSEMBLE, end)
        print(f"time plan: trial {number}, member {repeat + 1} of {members} (seed "
              f"{settings.seed + number}), trains until {end - phases['start']:.0f} s", file=sys.stderr)
        phases["members"].append(number)
        code = _alone(alone, gpus)
        phases["members_s"].append(round(time.time() - now, 1))
        if code:
            return code
    return 0


def _explore(base: Any, study: Any, explore: Callable[..., int], explore_until: float,
             phases: dict[str, Any]) -> int:
    t0 = time.time()
    code = explore(dataclasses.replace(base, deadline=explore_until))
    phases["explore_s"] = round(time.time() - t0, 1)
    close_queue(study, "queued when the time plan's exploration ended; never ran")
    return code


def continuation_sources(study: Any, first_rung: float, k: int) -> list[tuple[Any, float]]:
    """The `k` best trials at equal training cost, each with its value there: their best val mIoU
    up to the epoch that reached `first_rung` (`best_at_cost`), among those that reached it and
    kept their weights (never a continuation)."""
    from studies._pruners import best_at_cost

    scored = []
    for t in study.get_trials(deepcopy=False):
        ua = t.user_attrs
        if attrs.WEIGHTS_ARTIFACT not in ua or attrs.CONFIGS not in ua or attrs.CONTINUES in ua:
            continue
        value = best_at_cost(t.intermediate_values, ua.get(attrs.EPOCH_COST) or [], first_rung)
        if value is not None:
            scored.append((value, -t.number, t))
    return [(t, value) for value, _, t in sorted(scored, key=lambda x: x[:2], reverse=True)[:k]]


def enqueue_continuation(study: Any, settings: Any, source: Any, end: float) -> int:
    """Enqueue the trial that resumes `source` (weights, optimizer state, epoch count, cost) under
    the recipe (the source's schedule) to `end`; its number."""
    from harness import TrialConfigs, get_budget, with_budget
    from studies._recipe import RECIPE, UNTIL_TIMEOUT_EPOCHS

    ua = source.user_attrs
    configs = with_budget(TrialConfigs.from_dict(ua[attrs.CONFIGS]), get_budget(settings.budget))
    configs = RECIPE.apply(configs, UNTIL_TIMEOUT_EPOCHS)
    costs = ua.get(attrs.EPOCH_COST) or [0.0]
    number = len(study.get_trials(deepcopy=False))
    study.enqueue_trial({}, user_attrs={
        attrs.PLANNED_CONFIGS: configs.to_dict(), attrs.PLAN_PHASE: attrs.EXPLOIT, attrs.PLAN_END: end,
        attrs.CONTINUES: {"trial": source.number, "weights": ua[attrs.WEIGHTS_ARTIFACT],
                          "optimizer": ua.get(attrs.OPTIMIZER_ARTIFACT), "epochs": ua.get(attrs.EPOCHS_RUN, 0),
                          "cost": costs[-1]}})
    return number


def close_queue(study: Any, reason: str) -> list[int]:
    """Close the study's queued (WAITING) trials as surplus: they never ran and never will."""
    from optuna.trial import TrialState

    from studies._accounting import discard_surplus
    from studies._optuna_private import storage_of, trial_id

    waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    for trial in waiting:
        discard_surplus(storage_of(study), trial_id(trial), reason)
    return [t.number for t in waiting]


def _alone(spec: Any, gpus: list[str]) -> int:
    """Run one trial (the queue's first) in a fresh process with `spec`'s threads; the exit code."""
    from studies._worker import process_main, stop_processes

    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=process_main, name="marsseg-plan",
                       args=(dataclasses.replace(spec, index=0, gpu=gpus[0] if gpus else None),))
    proc.start()
    try:
        proc.join()
    except KeyboardInterrupt:
        stop_processes([proc])
        return 130
    if proc.exitcode:
        if proc.exitcode != 130:
            print(f"marsseg: error: the time plan's process exited abnormally ({proc.exitcode})", file=sys.stderr)
        return 130 if proc.exitcode == 130 else 1
    return 0


def _record(study: Any, phases: dict[str, Any], code: int) -> int:
    from harness import format_plan

    phases["wall_s"] = round(time.time() - phases["start"], 1)
    study.set_user_attr(attrs.TIME_PLAN, phases)
    print(f"time plan: {format_plan(phases)}", file=sys.stderr)
    return code


def plans(request: Any, created: bool, ablation: bool) -> bool:
    """Whether `marsseg search` runs the time plan: a new study with a `--timeout`, no `--trials`
    cap, not an ablation, and `--no-plan` not given."""
    return bool(request.plan and request.timeout is not None and created and request.trials is None
                and not ablation and not request.create_only)
