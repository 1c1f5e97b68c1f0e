"""The data layer: load and check the course format, find outliers, split, oversample big
rocks, augment, build `tf.data` pipelines, generate synthetic Mars data, stream test
images, and write, read and score submission files.

`load_data(spec)` reads a course-format `.npz` or `synthetic[:N_TRAIN[:SEED]]`;
`make_datasets(data, DataConfig(...), batch_size)` gives the train and validation pipelines.
TensorFlow is imported only inside the pipeline and augmentation functions.
"""

from harness.data._augment import PIXEL_SCALE, AugmentConfig, build_augment, scale_images, to_model_inputs
from harness.data._data_io import N_CLASSES, MarsData, load_dataset, save_dataset
from harness.data._heldout import HeldoutSplit, heldout_indices, split_heldout
from harness.data._inspect import format_inspect, inspect_data
from harness.data._outliers import MaskGroup, OutlierRule, anomalous_groups, find_mask_groups, select_outliers
from harness.data._oversample import find_rock_patches, paste_rocks
from harness.data._pipeline import DataConfig, DataInfo, PreparedData, class_pixel_share, make_datasets, make_refit_dataset, prepare_data
from harness.data._sources import SYNTHETIC, load_data, parse_synthetic_spec
from harness.data._png import encode_png, overlay_panel, write_overlay
from harness.data._scenes import MASKS, SCENES, SPLIT_GROUPS, band_pairs, scene_ids
from harness.data._split import split_indices, stratified_subset
from harness.data._stream import UnlabelledImages, image_shape_of
from harness.data._submission import (
    MASKS_KEY,
    SubmissionWriter,
    csv_header,
    iter_csv_masks,
    load_masks,
    label_groups,
    prediction_confusions,
    prediction_units,
    score_predictions,
)
from harness.data._synthetic import SceneParams, SyntheticData, synthesize, synthesize_with_aliens

__all__ = [
    "PIXEL_SCALE",
    "scale_images",
    "MASKS",
    "MASKS_KEY",
    "N_CLASSES",
    "SCENES",
    "SPLIT_GROUPS",
    "SYNTHETIC",
    "AugmentConfig",
    "DataConfig",
    "DataInfo",
    "HeldoutSplit",
    "MarsData",
    "MaskGroup",
    "OutlierRule",
    "PreparedData",
    "SceneParams",
    "SubmissionWriter",
    "SyntheticData",
    "UnlabelledImages",
    "anomalous_groups",
    "band_pairs",
    "build_augment",
    "class_pixel_share",
    "csv_header",
    "encode_png",
    "find_mask_groups",
    "find_rock_patches",
    "format_inspect",
    "heldout_indices",
    "image_shape_of",
    "inspect_data",
    "iter_csv_masks",
    "load_data",
    "load_dataset",
    "load_masks",
    "make_datasets",
    "make_refit_dataset",
    "overlay_panel",
    "paste_rocks",
    "parse_synthetic_spec",
    "label_groups",
    "prediction_confusions",
    "prediction_units",
    "prepare_data",
    "save_dataset",
    "score_predictions",
    "select_outliers",
    "scene_ids",
    "split_heldout",
    "split_indices",
    "stratified_subset",
    "synthesize",
    "synthesize_with_aliens",
    "to_model_inputs",
    "write_overlay",
]
