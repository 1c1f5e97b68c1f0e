"""Create or resume a study, enqueue a space's presets, count what is left to run."""

from __future__ import annotations

from typing import Any

from harness.common import MarssegError, attrs
from studies._accounting import finished_count, is_lost
from studies._settings import StudySettings

_RESUME_CHECKED = (attrs.SPACE, attrs.BUDGET, attrs.DATA, attrs.SEED, attrs.SAMPLER, attrs.PRUNER,
                   attrs.HELDOUT_FRACTION)
_RESUME_CHANGEABLE = (attrs.N_TRIALS, attrs.REPEATS, attrs.HEARTBEAT_S, attrs.GRACE_S)


def create_or_resume(storage: Any, name: str, settings: StudySettings) -> tuple[Any, bool]:
    """(study, created): a new study with `settings` as attributes, or the stored one.

    Resuming with different settings is a user error (the trials would not be comparable);
    only `n_trials` and the liveness timings may change.
    """
    import optuna

    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        try:
            study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        except optuna.exceptions.DuplicatedStudyError:  # created meanwhile by another `search`: resume it
            return create_or_resume(storage, name, settings)
        for key, value in settings.to_attrs().items():
            study.set_user_attr(key, value)
        return study, True
    stored = StudySettings.from_attrs(study.user_attrs)
    for key in _RESUME_CHECKED:
        if getattr(stored, key) != getattr(settings, key):
            raise MarssegError(f"study {name!r} was created with {key}={getattr(stored, key)!r}, not "
                               f"{getattr(settings, key)!r}; drop that flag to resume, or use a new --study name")
    for key in _RESUME_CHANGEABLE:
        if getattr(settings, key) != getattr(stored, key):
            study.set_user_attr(key, getattr(settings, key))
    return study, False


def load_settings(study: Any) -> StudySettings:
    """The settings a study was created with."""
    return StudySettings.from_attrs(study.user_attrs)


def enqueue_presets(study: Any, space: Any, repeats: int = 1) -> int:
    """Enqueue each of the space's presets (Table 1) `repeats` times, the copies that no trial
    holds (finished, pending, or lost with a retry still to come); return how many were added.
    Each copy is its own trial, so its own training seed; a copy whose retries were all lost
    is enqueued again."""
    present = {(t.user_attrs.get(attrs.PRESET), t.user_attrs.get(attrs.REPEAT, 0))
               for t in study.get_trials(deepcopy=False) if not is_lost(t)}
    added = 0
    for repeat in range(repeats):
        for label, params in space.presets:
            if (label, repeat) not in present:
                study.enqueue_trial(dict(params), user_attrs={attrs.PRESET: label, attrs.REPEAT: repeat})
                added += 1
    return added


def remaining_trials(study: Any, n_trials: int | None) -> int | None:
    """How many more finished trials `--trials` asks for (None: no cap)."""
    if n_trials is None:
        return None
    return max(0, n_trials - finished_count(study.get_trials(deepcopy=False)))


def study_policy(study: Any) -> Any:
    """The `harness.StudyPolicy` of `study`, what its trials' objective must obey: an ablation runs
    only its enqueued cells; a benchmark run stops at its equal budget of epochs; a pruned trial
    keeps its weights only while it ranks among the study's `attrs.TOP_TRIALS` best; in a time plan's
    study, exploring trials stop at its planned point or at the first rung, and kept trials keep
    their optimizer state."""
    from harness import StudyPolicy, epochs_consumed, ranks_among_top

    def trials() -> list[Any]:
        return study.get_trials(deepcopy=False)

    budget = study.user_attrs.get(attrs.EPOCH_BUDGET)
    plan = study.user_attrs.get(attrs.TIME_PLAN)  # a `--timeout` search's plan: its end of exploration
    return StudyPolicy(
        planned_only=attrs.ABLATION_OF in study.user_attrs,
        epochs_left=None if budget is None else (lambda: int(budget) - epochs_consumed(trials())),
        keeps_weights=lambda number, value: ranks_among_top(trials(), number, value, attrs.TOP_TRIALS),
        deadline=None if plan is None else plan.get("explore_until"), continuable=plan is not None,
        explore_cost=None if plan is None else plan.get("first_rung"))
