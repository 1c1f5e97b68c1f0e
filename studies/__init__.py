"""Studies: create or resume Optuna studies, run local and remote workers, keep every trial alive."""

from studies._accounting import (
    MAX_RETRIES,
    classify_failure,
    finished_count,
    is_finished,
    is_lost,
    may_run,
    next_may_run,
    retry_of,
)
from studies._liveness import Lease, Liveness, dead_trials, fail_dead_trials
from studies._progress import ProgressBar, ProgressState, collect_progress, render_progress
from studies._search import SearchRequest, default_artifact_dir, run_search
from studies._settings import PRUNERS, SAMPLERS, StudySettings, make_pruner, make_sampler
from studies._study import create_or_resume, enqueue_presets, load_settings, remaining_trials
from studies._summary import format_table, summary_rows
from studies._worker import WorkerSpec, load_existing_study, run_worker, worker_seed

__all__ = [
    "MAX_RETRIES",
    "PRUNERS",
    "SAMPLERS",
    "Lease",
    "Liveness",
    "ProgressBar",
    "ProgressState",
    "SearchRequest",
    "StudySettings",
    "WorkerSpec",
    "classify_failure",
    "collect_progress",
    "create_or_resume",
    "dead_trials",
    "default_artifact_dir",
    "enqueue_presets",
    "fail_dead_trials",
    "finished_count",
    "format_table",
    "is_finished",
    "is_lost",
    "load_existing_study",
    "load_settings",
    "make_pruner",
    "make_sampler",
    "may_run",
    "next_may_run",
    "render_progress",
    "remaining_trials",
    "retry_of",
    "run_search",
    "run_worker",
    "summary_rows",
    "worker_seed",
]
