"""Names of the user attributes every trial carries (ARCHITECTURE.md, "Trials").

The objective writes them; `studies` and `reports` read them. One place, so a rename
cannot silently split writer and readers.
"""

from __future__ import annotations

from typing import Any

PER_CLASS_IOU = "per_class_iou"
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"
TRAIN_SECONDS = "train_seconds"
N_PARAMS = "n_params"
WORKER = "worker"
WORKER_NAME = "worker_name"  # the worker, stable over its recycled processes (`host/w0`); `worker` is the process
CONFUSION_MATRIX = "confusion_matrix"
WEIGHTS_ARTIFACT = "weights_artifact_id"
PREDICTIONS_ARTIFACT = "predictions_artifact_id"
FAIL_REASON = "fail_reason"
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)"  # the FAIL_REASON of a trial stopped by the user or a kill
PRUNED_REASON = "pruned_reason"
CONFIGS = "configs"  # dataclasses.asdict of the frozen configs the trial trained
PLANNED_CONFIGS = "planned_configs"  # set when enqueued (ablations): train exactly these configs
ABLATION_TOGGLE = "ablation_toggle"  # on ablation trials: "baseline" or a toggle variant
ABLATION_SEED = "ablation_seed"  # on ablation trials: the training seed shared by the pair

KT_TRIAL_ID = "kt_trial_id"  # the KerasTuner trial a trial of a KerasTuner run records
KT_SCHEDULE = "kt_schedule"  # KerasTuner's tuner/* values (Hyperband's epochs, bracket, round, parent trial)

# Study user attributes of a benchmark run (`marsseg benchmark`); "seed" is the run's study seed.
BENCHMARK = "benchmark"
METHOD = "method"
EPOCH_BUDGET = "epoch_budget"

FAIL_KIND = "fail_kind"  # "config" (counts as finished), "infra" (retried, does not count) or SURPLUS
SURPLUS = "surplus"  # the fail_kind of a trial asked after the study's cap was reached: it never ran
HEARTBEAT = "heartbeat"  # lease: time.time() of the worker's last beat (journal and Redis studies)
ARTIFACT_ERROR = "artifact_error"  # why saving weights or previews failed (the trial keeps its value)
PRESET = "preset"  # the label of an enqueued preset (Table 1)
REPEAT = "repeat"  # which copy of that preset (`--repeats K`)
PRECISION = "precision"  # the training precision the trial ran in (float32, bfloat16, float16)
WORKER_RSS_MB = "worker_rss_mb"  # resident memory (MB) of the process that ran the trial, just after it
BUDGET_STOPPED = "budget_stopped"  # True: its benchmark run's epoch budget ran out while it trained
EPOCH_COST = "epoch_cost"  # training cost after each epoch, cumulative: forward GFLOP x images trained
OPTIMIZER_ARTIFACT = "optimizer_artifact_id"  # a time plan's kept trials: the optimizer's state (its step too)
CONTINUES = "continues"  # a continuation trial: {"trial", "weights", "optimizer", "epochs"} of the trial it resumes
PLAN_PHASE = "plan_phase"  # a time plan's trial: ANCHOR, EXPLORE, EXPLOIT or ENSEMBLE (a further member)
PLAN_END = "plan_end"  # a time plan's anchor, continuation or member: time.time() at which its training ends
# the anchor: {"start", "end", "explore_until", "first_rung"}: after its first epoch, what the plan does
PLAN_CHECK = "plan_check"
PLAN_DECISION = "plan_decision"  # what the anchor decided: EXPLORE, EXPLOIT or ENSEMBLE, and why
ANCHOR, EXPLORE, EXPLOIT, ENSEMBLE = "anchor", "explore", "exploit", "ensemble"
# A trial that ended with its datasets: its val split scored per photograph with its kept weights,
# the fields of `harness.analytics.interval_record` ("interval", "unit_confusion", "images_digest").
VAL_SCORE = "val_score"

ATTR_NAMES = (PER_CLASS_IOU, EPOCHS_RUN, BEST_EPOCH, TRAIN_SECONDS, N_PARAMS, WORKER, CONFUSION_MATRIX,
              WEIGHTS_ARTIFACT, PREDICTIONS_ARTIFACT, FAIL_REASON, PRUNED_REASON, CONFIGS, PLANNED_CONFIGS,
              ABLATION_TOGGLE, ABLATION_SEED, FAIL_KIND, HEARTBEAT, ARTIFACT_ERROR, PRESET, REPEAT, PRECISION,
              WORKER_RSS_MB, BUDGET_STOPPED, WORKER_NAME, EPOCH_COST, OPTIMIZER_ARTIFACT, CONTINUES, PLAN_PHASE,
              PLAN_END, PLAN_CHECK, PLAN_DECISION, VAL_SCORE)

# Study user attributes: the fields of `studies.StudySettings` (a test keeps the two equal).
SPACE = "space"
SAMPLER = "sampler"
PRUNER = "pruner"
BUDGET = "budget"
DATA = "data"
SEED = "seed"
ARTIFACT_DIR = "artifact_dir"  # the study's filesystem artifact store
N_TRIALS = "n_trials"  # finished trials the study should hold (its cap)
HELDOUT_FRACTION = "heldout_fraction"
REPEATS = "repeats"
MAX_EPOCHS = "max_epochs"
HEARTBEAT_S = "heartbeat_s"
GRACE_S = "grace_s"
SPLIT_GROUPS = "split_groups"
STUDY_SETTINGS = (SPACE, SAMPLER, PRUNER, BUDGET, DATA, SEED, ARTIFACT_DIR, N_TRIALS, HELDOUT_FRACTION, REPEATS,
                  MAX_EPOCHS, HEARTBEAT_S, GRACE_S, SPLIT_GROUPS)
# Optuna system attributes of a retry (studies/_accounting.py).
FAILED_TRIAL = "failed_trial"  # the first trial of a retry chain
RETRY_HISTORY = "retry_history"  # every trial of it
# Optuna storages refuse to change a finished trial, so held-out scores computed after a
# trial ends live on its study, one key per trial number.
HELDOUT_PREFIX = "heldout_score."
ABLATION_OF = "ablation_of"  # on an ablation study: the searched study it ablates
ABLATION_BASELINE = "ablation_baseline"  # its baseline configs (TrialConfigs.to_dict)
ABLATION_BASELINE_TRIAL = "ablation_baseline_trial"  # the searched trial the baseline comes from
ABLATION_SEEDS = "ablation_seeds"
ABLATION_SUFFIX = "/ablation"
TIME_PLAN = "time_plan"  # a `--timeout` search's plan: {"start", "end", "explore_until", phases' seconds, ...}
TOP_TRIALS = 5  # (a count, not a name) the best trials a study scores on held-out and keeps pruned weights of
REFIT_PREFIX = "refit."  # `marsseg predict --refit`: {"artifact_id", "epochs", "n_images", "seconds"} per trial


def heldout_key(number: int) -> str:
    """Study user attribute holding trial `number`'s held-out score."""
    return f"{HELDOUT_PREFIX}{number}"


def refit_key(number: int) -> str:
    """Study user attribute describing the refit weights of trial `number`'s configuration."""
    return f"{REFIT_PREFIX}{number}"


def heldout_scores(study_attrs: dict) -> dict[int, dict]:
    """{trial number: held-out score dict} from a study's user attributes."""
    return {int(k[len(HELDOUT_PREFIX):]): v for k, v in study_attrs.items()
            if k.startswith(HELDOUT_PREFIX) and k[len(HELDOUT_PREFIX):].isdigit()}


def is_surplus(trial: Any) -> bool:
    """A trial a worker asked after the cap was reached and closed unrun: no summary or report shows it."""
    return trial.state.name == "FAIL" and trial.user_attrs.get(FAIL_KIND) == SURPLUS


def ablation_study_name(study: str) -> str:
    """The name of `study`'s controlled-ablation study (same storage)."""
    return f"{study}{ABLATION_SUFFIX}"
