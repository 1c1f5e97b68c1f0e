"""Create or resume a study, fail trials a dead worker left RUNNING, enqueue a space's presets."""

from __future__ import annotations

import os
import socket
from typing import Any

from harness.common import MarssegError, attrs
from studies._settings import StudySettings

COUNTED_STATES_NAMES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING")
_RESUME_CHECKED = ("space", "budget", "data", "seed", "sampler", "pruner", "heldout_fraction")
_MAY_CHANGE = ("n_trials", "repeats")


def counted_states() -> tuple[Any, ...]:
    """Trial states that count against `--trials` (finished or in progress)."""
    from optuna.trial import TrialState

    return tuple(TrialState[name] for name in COUNTED_STATES_NAMES)


def create_or_resume(storage: Any, name: str, settings: StudySettings) -> tuple[Any, bool]:
    """(study, created): a new study with `settings` as attributes, or the stored one.

    Resuming with different settings is a user error (the trials would not be comparable);
    only `n_trials` may change.
    """
    import optuna

    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        for key, value in settings.to_attrs().items():
            study.set_user_attr(key, value)
        return study, True
    stored = StudySettings.from_attrs(study.user_attrs)
    for key in _RESUME_CHECKED:
        if getattr(stored, key) != getattr(settings, key):
            raise MarssegError(f"study {name!r} was created with {key}={getattr(stored, key)!r}, not "
                               f"{getattr(settings, key)!r}; drop that flag to resume, or use a new --study name")
    for key in _MAY_CHANGE:
        if getattr(settings, key) != getattr(stored, key):
            study.set_user_attr(key, getattr(settings, key))
    return study, False


def load_study(name: str, storage_url: str) -> Any:
    """The stored study `name`; a MarssegError when the storage holds none of that name."""
    import optuna

    from harness.common import open_storage, redact_url

    try:
        return optuna.load_study(study_name=name, storage=open_storage(storage_url))
    except KeyError:
        raise MarssegError(f"no study named {name!r} in {redact_url(storage_url)}") from None


def load_settings(study: Any) -> StudySettings:
    """The settings a study was created with."""
    return StudySettings.from_attrs(study.user_attrs)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_trials(study: Any) -> list[int]:
    """Mark FAIL the RUNNING trials whose worker process on THIS host is gone; return their numbers.

    Journal and Redis storages have no heartbeat, so this runs whenever `marsseg search`
    starts. Trials of workers on other hosts are left alone (they may still be running);
    RDB storages fail those through heartbeats instead.
    """
    from optuna.trial import TrialState

    host = socket.gethostname()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get(attrs.WORKER, ""))
        worker_host, _, pid = worker.rpartition(":")
        if worker and (worker_host != host or not pid.isdigit() or _pid_alive(int(pid))):
            continue
        storage = study._storage  # noqa: SLF001 - Study exposes no public setter for another trial
        storage.set_trial_user_attr(trial._trial_id, attrs.FAIL_REASON, f"worker {worker or '?'} died (found RUNNING)")
        storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
        failed.append(trial.number)
    return failed


def enqueue_presets(study: Any, space: Any, repeats: int = 1) -> int:
    """Enqueue each of the space's presets (Table 1) `repeats` times, the copies not yet in the
    study; return how many were added. Each copy is its own trial, so its own training seed."""
    present = {(t.user_attrs.get("preset"), t.user_attrs.get("repeat", 0)) for t in study.get_trials(deepcopy=False)}
    added = 0
    for repeat in range(repeats):
        for label, params in space.presets:
            if (label, repeat) not in present:
                study.enqueue_trial(dict(params), user_attrs={"preset": label, "repeat": repeat})
                added += 1
    return added


def remaining_trials(study: Any, n_trials: int | None) -> int | None:
    """How many more trials `--trials` allows (None: no cap)."""
    if n_trials is None:
        return None
    done = len(study.get_trials(deepcopy=False, states=counted_states()))
    return max(0, n_trials - done)
