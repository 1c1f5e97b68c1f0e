"""Studies: create or resume Optuna studies, run local and remote workers and keep every trial
alive, evaluate, ablate, predict with the best trials, and benchmark search methods."""

from studies._ablate import AblationRequest, prepare_ablation, run_ablation
from studies._accounting import (
    MAX_RETRIES,
    classify_failure,
    finished_count,
    is_finished,
    is_lost,
    may_run,
    next_may_run,
)
from studies._benchmark import Benchmark, format_result, methods, run_benchmark
from studies._compare import compare, format_comparison
from studies._evaluate import evaluate_study
from studies._liveness import Lease, Liveness, dead_trials, fail_dead_trials
from studies._predict import PredictRequest, choose_trials, run_predict
from studies._progress import CountBar, ProgressBar, ProgressState, collect_progress, render_progress
from studies._registry import PRUNER_FACTORIES, SAMPLER_FACTORIES, make_pruner, make_sampler
from studies._replay import (
    Curve,
    ReplayResult,
    complete_curves,
    curve_agreement,
    family_agreement,
    format_replays,
    recorded_curves,
    replay,
    run_replay,
    study_agreement,
)
from studies._search import SearchRequest, default_artifact_dir, resolve_data, run_search
from studies._settings import PRUNERS, SAMPLERS, StudySettings
from studies._study import create_or_resume, enqueue_presets, load_settings, remaining_trials
from studies._summary import format_table, summary_rows
from studies._recipe import RECIPE, TrainRecipe
from studies._train import TrainRequest, run_train
from studies._worker import WorkerSpec, run_worker, worker_seed

__all__ = [
    "AblationRequest",
    "MAX_RETRIES",
    "PRUNERS",
    "PRUNER_FACTORIES",
    "SAMPLER_FACTORIES",
    "Benchmark",
    "Curve",
    "ReplayResult",
    "SAMPLERS",
    "CountBar",
    "PredictRequest",
    "Lease",
    "Liveness",
    "ProgressBar",
    "ProgressState",
    "RECIPE",
    "SearchRequest",
    "TrainRecipe",
    "TrainRequest",
    "StudySettings",
    "WorkerSpec",
    "choose_trials",
    "classify_failure",
    "collect_progress",
    "create_or_resume",
    "dead_trials",
    "default_artifact_dir",
    "enqueue_presets",
    "evaluate_study",
    "fail_dead_trials",
    "format_replays",
    "format_result",
    "finished_count",
    "compare",
    "format_comparison",
    "format_table",
    "is_finished",
    "is_lost",
    "load_settings",
    "make_pruner",
    "make_sampler",
    "prepare_ablation",
    "methods",
    "recorded_curves",
    "complete_curves",
    "curve_agreement",
    "family_agreement",
    "study_agreement",
    "may_run",
    "next_may_run",
    "render_progress",
    "run_ablation",
    "remaining_trials",
    "run_predict",
    "replay",
    "resolve_data",
    "run_benchmark",
    "run_replay",
    "run_search",
    "run_train",
    "run_worker",
    "summary_rows",
    "worker_seed",
]
