"""What counts against `--trials`, and how a trial lost to the infrastructure is retried.

A trial is *finished* when it is COMPLETE, PRUNED, or FAIL because of its configuration
(`fail_kind` "config", e.g. a NaN loss). A FAIL caused by the infrastructure (`fail_kind`
"infra", or no kind: killed, interrupted, stale heartbeat, storage error) does not count;
it is re-enqueued with the same params, at most MAX_RETRIES times per original trial,
linked through Optuna's `failed_trial` / `retry_history` system attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.common import attrs, is_storage_error

CONFIG = "config"
INFRA = "infra"
MAX_RETRIES = 2
_PENDING = ("RUNNING", "WAITING")


def trial_of(study: Any, number: int) -> Any:
    """Trial `number` of `study` as stored now (None: there is none)."""
    return next((t for t in study.get_trials(deepcopy=False) if t.number == number), None)


def is_finished(trial: Any) -> bool:
    """Whether `trial` counts against `--trials`."""
    state = trial.state.name
    return state in ("COMPLETE", "PRUNED") or (state == "FAIL" and trial.user_attrs.get(attrs.FAIL_KIND) == CONFIG)


def is_lost(trial: Any) -> bool:
    """A FAIL that the infrastructure caused (it does not count, and is retried)."""
    return trial.state.name == "FAIL" and not is_finished(trial) and not attrs.is_surplus(trial)


def finished_count(trials: Iterable[Any]) -> int:
    """How many of `trials` count against `--trials`."""
    return sum(1 for t in trials if is_finished(t))


def classify_failure(exc: BaseException) -> str:
    """INFRA for Ctrl-C / SIGTERM and storage or I/O errors, CONFIG for anything the trial itself raised."""
    if isinstance(exc, KeyboardInterrupt) or is_storage_error(exc):
        return INFRA
    return CONFIG


def may_run(trials: Iterable[Any], number: int, cap: int | None) -> bool:
    """Whether trial `number` may run: fewer than `cap` trials before it are finished or pending.

    Trial numbers are unique and increase with creation, so every worker that applies this
    rule right after `study.ask()` counts the trials of every other worker that could still
    pass it: the total never exceeds the cap, on any storage, without a lock.
    """
    if cap is None:
        return True
    ahead = sum(1 for t in trials if t.number < number and (is_finished(t) or t.state.name in _PENDING))
    return ahead < cap


def next_may_run(trials: list[Any], cap: int | None) -> bool:
    """Whether the trial the next `study.ask()` gives (the first WAITING one, else a new one) may run."""
    waiting = [t.number for t in trials if t.state.name == "WAITING"]
    number = min(waiting) if waiting else 1 + max((t.number for t in trials), default=-1)
    return may_run(trials, number, cap)


def fail_as_infra(storage: Any, trial_id: int, reason: str) -> bool:
    """Mark a RUNNING trial FAIL with `reason` as an infrastructure failure.

    True for exactly one caller: the storages apply the FAIL of one writer, and raise
    UpdateFinishedTrialError for the others (RDB row lock; journal replay order), so only
    that caller enqueues the retry.
    """
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    try:
        storage.set_trial_user_attr(trial_id, attrs.FAIL_REASON, reason)
        storage.set_trial_user_attr(trial_id, attrs.FAIL_KIND, INFRA)
        return bool(storage.set_trial_state_values(trial_id, state=TrialState.FAIL))
    except UpdateFinishedTrialError:
        return False


def discard_surplus(storage: Any, trial_id: int,
                    reason: str = "asked after the study reached its trial cap; never ran") -> None:
    """Close a trial that `study.ask()` created after the cap was reached (or, `reason` says, a
    queued trial a time plan's exploration ended before): FAIL of kind SURPLUS.

    Optuna cannot delete a trial, and handing a new trial back as WAITING would leave a pending
    trial nobody enqueued (a later resume would run it first); a surplus FAIL counts nowhere,
    is never retried, and summaries leave it out.
    """
    from optuna.trial import TrialState

    storage.set_trial_user_attr(trial_id, attrs.FAIL_REASON, reason)
    storage.set_trial_user_attr(trial_id, attrs.FAIL_KIND, attrs.SURPLUS)
    storage.set_trial_state_values(trial_id, state=TrialState.FAIL)


# What a trial *is* (a preset and its copy, an ablation cell), as opposed to what it did: a retry keeps these.
RETRY_KEEPS = (attrs.PRESET, attrs.REPEAT, attrs.PLANNED_CONFIGS, attrs.ABLATION_TOGGLE, attrs.ABLATION_SEED,
               attrs.CONTINUES, attrs.PLAN_PHASE, attrs.PLAN_END, attrs.PLAN_CHECK)


def enqueue_retry(study: Any, trial: Any) -> bool:
    """Enqueue a WAITING copy of the lost `trial` with its params; False when its retries are used up."""
    import optuna

    history = [*trial.system_attrs.get(attrs.RETRY_HISTORY, []), trial.number]
    if len(history) > MAX_RETRIES:
        return False
    study.add_trial(optuna.trial.create_trial(
        state=optuna.trial.TrialState.WAITING, params=trial.params, distributions=trial.distributions,
        user_attrs={k: v for k, v in trial.user_attrs.items() if k in RETRY_KEEPS},
        system_attrs={attrs.FAILED_TRIAL: history[0], attrs.RETRY_HISTORY: history,
                      **{k: v for k, v in trial.system_attrs.items() if k == "fixed_params"}}))  # a preset's
    return True

