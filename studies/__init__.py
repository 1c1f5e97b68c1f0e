"""Studies: create or resume Optuna studies, run local and remote workers, and predict with their best trials."""

from studies._ablate import AblationRequest, prepare_ablation, run_ablation
from studies._evaluate import evaluate_study
from studies._predict import PredictRequest, choose_trials, run_predict
from studies._benchmark import Benchmark, format_result, methods, run_benchmark
from studies._progress import CountBar, ProgressBar, ProgressState, collect_progress, render_progress
from studies._registry import PRUNER_FACTORIES, SAMPLER_FACTORIES
from studies._replay import Curve, ReplayResult, format_replays, recorded_curves, replay, run_replay
from studies._search import SearchRequest, default_artifact_dir, resolve_data, run_search
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
    "PRUNER_FACTORIES",
    "SAMPLER_FACTORIES",
    "Benchmark",
    "Curve",
    "ReplayResult",
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
    "format_replays",
    "format_result",
    "format_table",
    "load_settings",
    "load_study",
    "make_pruner",
    "make_sampler",
    "prepare_ablation",
    "methods",
    "recorded_curves",
    "render_progress",
    "run_ablation",
    "remaining_trials",
    "run_predict",
    "replay",
    "resolve_data",
    "run_benchmark",
    "run_replay",
    "run_search",
    "run_worker",
    "summary_rows",
]
