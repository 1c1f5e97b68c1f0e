"""Studies: create or resume Optuna studies, run local and remote workers, and predict with their best trials."""

from studies._ablate import AblationRequest, prepare_ablation, run_ablation
from studies._evaluate import evaluate_study
from studies._predict import PredictRequest, choose_trials, run_predict
from studies._progress import CountBar, ProgressBar, ProgressState, collect_progress, render_progress
from studies._search import SearchRequest, default_artifact_dir, run_search
from studies._settings import PRUNERS, SAMPLERS, StudySettings, make_pruner, make_sampler
from studies._study import (
    create_or_resume,
    enqueue_presets,
    fail_dead_trials,
    load_settings,
    load_study,
    remaining_trials,
)
from studies._summary import format_table, summary_rows
from studies._worker import SlotCounter, WorkerSpec, run_worker

__all__ = [
    "AblationRequest",
    "PRUNERS",
    "SAMPLERS",
    "CountBar",
    "PredictRequest",
    "ProgressBar",
    "ProgressState",
    "SearchRequest",
    "SlotCounter",
    "StudySettings",
    "WorkerSpec",
    "choose_trials",
    "collect_progress",
    "create_or_resume",
    "default_artifact_dir",
    "enqueue_presets",
    "evaluate_study",
    "fail_dead_trials",
    "format_table",
    "load_settings",
    "load_study",
    "make_pruner",
    "make_sampler",
    "prepare_ablation",
    "render_progress",
    "run_ablation",
    "remaining_trials",
    "run_predict",
    "run_search",
    "run_worker",
    "summary_rows",
]
