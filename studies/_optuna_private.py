"""Every use of Optuna's private API in marsseg, in one place.

Optuna has no public way to change another trial's state, to read the stale trials of its
heartbeat, or to reach a study's storage and a trial's id. `tests/test_library_contracts.py`
calls each function here against the installed Optuna, so a release that moves one fails
there, loudly; `pyproject.toml` bounds Optuna to the versions that suite passed on.
"""

from __future__ import annotations

from typing import Any


def storage_of(study: Any) -> Any:
    """The study's storage (`BaseStorage`: its methods are public, the attribute is not)."""
    return study._storage  # noqa: SLF001


def trial_id(trial: Any) -> int:
    """The storage id of a `Trial` or `FrozenTrial` (not its number)."""
    return trial._trial_id  # noqa: SLF001


def stale_trial_ids(study: Any) -> set[int]:
    """Ids of RUNNING trials whose Optuna heartbeat is older than the storage's grace period."""
    storage = storage_of(study)
    return set(storage._get_stale_trial_ids(study._study_id))  # noqa: SLF001 - BaseHeartbeat API


def set_trial_state(study: Any, trial: Any, state: Any) -> bool:
    """Set the state of any trial of `study` (Optuna's `tell` only finishes the caller's own)."""
    return bool(storage_of(study).set_trial_state_values(trial_id(trial), state=state))
