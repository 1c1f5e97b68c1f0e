"""Data layer and trial harness of marsseg."""

from harness._errors import MarssegError

# --- data layer (loader, outliers, split, oversampling, augmentation, synthetic data) ---
from harness._augment import AugmentConfig, build_augment, to_model_inputs
from harness._data_io import MarsData, load_data, load_dataset, save_dataset
from harness._inspect import format_inspect, inspect_data
from harness._outliers import MaskGroup, OutlierRule, anomalous_groups, find_mask_groups, select_outliers
from harness._oversample import find_rock_patches, paste_rocks
from harness._pipeline import DataConfig, DataInfo, PreparedData, class_pixel_share, make_datasets, prepare_data
from harness._split import split_indices, stratified_subset
from harness._synthetic import SceneParams, SyntheticData, generate, synthesize

_DATA_LAYER = [
    "AugmentConfig", "build_augment", "to_model_inputs",
    "MarsData", "load_data", "load_dataset", "save_dataset",
    "format_inspect", "inspect_data",
    "MaskGroup", "OutlierRule", "anomalous_groups", "find_mask_groups", "select_outliers",
    "find_rock_patches", "paste_rocks",
    "DataConfig", "DataInfo", "PreparedData", "class_pixel_share", "make_datasets", "prepare_data",
    "split_indices", "stratified_subset",
    "SceneParams", "SyntheticData", "generate", "synthesize",
]

# --- trial harness (configs from params, budgets, objective, callbacks) ---
from harness import attrs
from harness._budgets import BUDGETS, Budget, get_budget
from harness._callbacks import find_metric, make_epoch_recorder, make_pruning_callback, make_stop_callback
from harness._configs import TrainConfig, TrialConfigs, configs_from_params
from harness._objective import Objective, TrialFailed
from harness._runtime import (
    StopFlag,
    available_cores,
    configure_tensorflow,
    prepare_tensorflow_env,
    quiet_optuna,
    seed_everything,
    use_mixed_precision_if_gpu,
    worker_id,
)

_TRIAL_HARNESS = [
    "attrs",
    "BUDGETS", "Budget", "get_budget",
    "find_metric", "make_epoch_recorder", "make_pruning_callback", "make_stop_callback",
    "TrainConfig", "TrialConfigs", "configs_from_params",
    "Objective", "TrialFailed",
    "StopFlag", "available_cores", "configure_tensorflow", "prepare_tensorflow_env", "quiet_optuna", "seed_everything",
    "use_mixed_precision_if_gpu", "worker_id",
]

__all__ = ["MarssegError", *_DATA_LAYER, *_TRIAL_HARNESS]
