"""The trial harness: trial params -> frozen configs -> data, model, loss -> one Keras fit
with early stopping and pruning, and the budgets and runtime settings it runs under.

Sub-packages: `harness.common` (user errors, attribute names, storage URLs: every package
may import it), `harness.analytics` (intervals, paired comparisons, rank agreement, ablation
power: NumPy/SciPy, below the data layer) and `harness.data` (the data layer). Names here load on first use (PEP 562),
so importing `harness.common` or `harness.data` never pulls in the trial harness.
"""

from __future__ import annotations

from harness.common import lazy_exports

_LAZY = {
    "Band": "harness.analytics",
    "BenchmarkResult": "harness.analytics",
    "RunCurve": "harness.analytics",
    "TargetRow": "harness.analytics",
    "TrialPoint": "harness.analytics",
    "analyse": "harness.analytics",
    "epochs_consumed": "harness.analytics",
    "load_benchmark": "harness.analytics",
    "result_rows": "harness.analytics",
    "parse_study_name": "harness.analytics",
    "ranked_trials": "harness.analytics",
    "ranks_among_top": "harness.analytics",
    "best_val": "harness.analytics",
    "run_curve": "harness.analytics",
    "study_name": "harness.analytics",
    "trial_points": "harness.analytics",
    "BUDGETS": "harness._budgets",
    "Budget": "harness._budgets",
    "get_budget": "harness._budgets",
    "EpochRecorder": "harness._callbacks",
    "LoudPruningCallback": "harness._callbacks",
    "StopOnSignal": "harness._callbacks",
    "StopAtDeadline": "harness._callbacks",
    "find_metric": "harness._callbacks",
    "TOGGLES": "harness._toggles",
    "TOGGLE_REGISTRY": "harness._toggles",
    "Toggle": "harness._toggles",
    "toggle_label": "harness._toggles",
    "Variant": "harness._toggles",
    "ablation_variants": "harness._toggles",
    "TrainConfig": "harness._configs",
    "TrialConfigs": "harness._configs",
    "configs_from_params": "harness._configs",
    "with_budget": "harness._configs",
    "score_heldout": "harness._heldout",
    "TTA": "harness._inference",
    "WeightsMismatch": "harness._inference",
    "ensemble_probs": "harness._inference",
    "ENSEMBLE_ROUNDS": "harness._inference",
    "Ensemble": "harness._inference",
    "BIAS_GRID": "harness._inference",
    "ClassBias": "harness._inference",
    "fit_class_bias": "harness._inference",
    "probs_miou": "harness._inference",
    "select_ensemble": "harness._inference",
    "weighted_probs": "harness._inference",
    "OneCycle": "harness._schedules",
    "TimedSchedule": "harness._schedules",
    "timed_fraction": "harness._schedules",
    "EXPLORE_SHARE": "harness._timeplan",
    "MIN_CANDIDATES": "harness._timeplan",
    "MEMBER_PASSES": "harness._timeplan",
    "MAX_MEMBERS": "harness._timeplan",
    "ensemble_members": "harness._timeplan",
    "explore_pays": "harness._timeplan",
    "plan_decision": "harness._timeplan",
    "format_plan": "harness._timeplan",
    "FIRST_RUNG_IMAGES": "harness._budgets",
    "CostRecorder": "harness._callbacks",
    "lr_schedule": "harness._schedules",
    "get_tta": "harness._inference",
    "load_inference_model": "harness._inference",
    "predict_masks": "harness._inference",
    "refit_model": "harness._refit",
    "KerasTunerObjective": "harness.engines",
    "SpaceHyperModel": "harness.engines",
    "TUNERS": "harness.engines",
    "make_tuner": "harness.engines",
    "record_artifact_error": "harness._artifacts",
    "Objective": "harness._objective",
    "ObjectiveContext": "harness._objective",
    "StudyPolicy": "harness._objective",
    "UsesContext": "harness._objective",
    "TrialPlan": "harness._objective",
    "TrialFailed": "harness._training",
    "TrainResult": "harness._training",
    "StopFlag": "harness._runtime",
    "available_cores": "harness._runtime",
    "configure_tensorflow": "harness._runtime",
    "enable_memory_growth": "harness._runtime",
    "prepare_tensorflow_env": "harness._runtime",
    "quiet_optuna": "harness._runtime",
    "resident_mb": "harness._runtime",
    "seed_everything": "harness._runtime",
    "worker_id": "harness._runtime",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)  # noqa: PLE0605 - the lazy names are the table's keys
