"""Studies: create or resume Optuna studies, run local and remote workers, the demo."""

from studies._benchmark import Benchmark, format_result, methods, run_benchmark
from studies._progress import ProgressBar, ProgressState, collect_progress, render_progress
from studies._registry import PRUNER_FACTORIES, SAMPLER_FACTORIES
from studies._replay import Curve, ReplayResult, format_replays, recorded_curves, replay, run_replay
from studies._search import SearchRequest, default_artifact_dir, resolve_data, run_search
from studies._settings import PRUNERS, SAMPLERS, StudySettings, make_pruner, make_sampler
from studies._study import create_or_resume, enqueue_presets, fail_dead_trials, load_settings, remaining_trials
from studies._summary import format_table, summary_rows
from studies._worker import SlotCounter, WorkerSpec, run_worker

__all__ = [
    "PRUNERS",
    "PRUNER_FACTORIES",
    "SAMPLER_FACTORIES",
    "Benchmark",
    "Curve",
    "ReplayResult",
    "SAMPLERS",
    "ProgressBar",
    "ProgressState",
    "SearchRequest",
    "SlotCounter",
    "StudySettings",
    "WorkerSpec",
    "collect_progress",
    "create_or_resume",
    "default_artifact_dir",
    "enqueue_presets",
    "fail_dead_trials",
    "format_replays",
    "format_result",
    "format_table",
    "load_settings",
    "make_pruner",
    "make_sampler",
    "methods",
    "recorded_curves",
    "render_progress",
    "remaining_trials",
    "replay",
    "resolve_data",
    "run_benchmark",
    "run_replay",
    "run_search",
    "run_worker",
    "summary_rows",
]
