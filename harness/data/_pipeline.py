"""From MarsData and a DataConfig to seeded tf.data train/validation pipelines.

Steps: drop outliers -> split (grouped, stratified) -> budget subsets -> oversample the
training split -> tf.data (uint8 cache, shuffle, augment map, batch, prefetch).
Everything before tf.data is NumPy (`prepare_data`), so it is cheap to call without TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.data._augment import AugmentConfig, build_augment, to_model_inputs
from harness.data._data_io import N_CLASSES, MarsData
from harness.data._outliers import OUTLIER_MODES, select_outliers
from harness.data._oversample import paste_rocks
from harness.common._splits import SCENES, check_split_groups
from harness.data._split import split_indices, stratified_subset


PREFETCH_BATCHES = 2  # batches made ahead of the model (tf.data's autotuner is off: see `_without_autotune`)


@dataclass(frozen=True)
class DataConfig:
    """How the data is cleaned, split, rebalanced and augmented; `None` budgets mean all images."""

    geometric: bool = True
    photometric: bool = False
    oversample: bool = False
    oversample_strength: float = 1.0
    val_fraction: float = 0.2
    outliers: str | int = "auto"
    max_train_images: int | None = None
    max_val_images: int | None = None
    seed: int = 0
    split_groups: str = SCENES  # SPLIT_GROUPS

    def __post_init__(self) -> None:
        check_split_groups(self.split_groups)
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        if not 0.0 < self.oversample_strength <= 10.0:
            raise ValueError(f"oversample_strength must lie in (0, 10], got {self.oversample_strength}")
        is_index = isinstance(self.outliers, int) and not isinstance(self.outliers, bool)
        if not (self.outliers in OUTLIER_MODES or (is_index and self.outliers >= 0)):
            raise ValueError(f"outliers must be one of {OUTLIER_MODES} or a group index >= 0, got {self.outliers!r}")
        for name in ("max_train_images", "max_val_images"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None (all) or a positive int, got {value!r}")

    @property
    def augment(self) -> AugmentConfig:
        """The augmentation switches of this config."""
        return AugmentConfig(geometric=self.geometric, photometric=self.photometric)


@dataclass(frozen=True, eq=False)
class DataInfo:
    """What make_datasets built: sizes, the training class pixel share, dropped and chosen indices.

    `val_images` / `val_masks` are the validation arrays (uint8) in pipeline order.
    """

    n_train: int
    n_val: int
    n_oversampled: int
    class_share: tuple[float, ...]
    dropped_outliers: tuple[int, ...]
    train_indices: np.ndarray = field(repr=False)
    val_indices: np.ndarray = field(repr=False)
    val_images: np.ndarray = field(repr=False)
    val_masks: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """The uint8 arrays that go into the pipelines, and their DataInfo."""

    train_images: np.ndarray
    train_masks: np.ndarray
    info: DataInfo


def class_pixel_share(masks: np.ndarray) -> tuple[float, ...]:
    """Share of pixels of each of the 5 classes."""
    counts = np.bincount(masks.ravel(), minlength=N_CLASSES)[:N_CLASSES]
    return tuple(float(c) for c in counts / max(counts.sum(), 1))


def _oversampled(images: np.ndarray, masks: np.ndarray, config: DataConfig) -> tuple[np.ndarray, np.ndarray, int]:
    """(images, masks, n_added): training arrays with big rocks pasted in when `config.oversample`."""
    if not config.oversample:
        return images, masks, 0
    return paste_rocks(images, masks, config.oversample_strength, config.seed + 3)


def prepare_data(data: MarsData, config: DataConfig) -> PreparedData:
    """The NumPy part: outliers, split, budgets and oversampling (no TensorFlow)."""
    dropped = select_outliers(data.masks, config.outliers)
    kept = np.setdiff1d(np.arange(data.n_train), dropped)
    if len(kept) < 2:
        raise ValueError(f"only {len(kept)} images left after dropping outliers; need at least 2")
    scenes = data.images if config.split_groups == SCENES else None
    train_idx, val_idx = split_indices(data.masks, kept, config.val_fraction, config.seed, images=scenes)
    train_idx = stratified_subset(data.masks, train_idx, config.max_train_images, config.seed + 1)
    val_idx = stratified_subset(data.masks, val_idx, config.max_val_images, config.seed + 2)
    images, masks, n_added = _oversampled(data.images[train_idx], data.masks[train_idx], config)
    info = DataInfo(n_train=len(images), n_val=len(val_idx), n_oversampled=n_added,
                    class_share=class_pixel_share(masks), dropped_outliers=tuple(int(i) for i in dropped),
                    train_indices=train_idx, val_indices=val_idx,
                    val_images=data.images[val_idx], val_masks=data.masks[val_idx])
    return PreparedData(images, masks, info)


def _train_pipeline(images: np.ndarray, masks: np.ndarray, config: DataConfig, batch_size: int) -> Any:
    """Shuffled, augmented, batched tf.data pipeline of uint8 training arrays."""
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    train = tf.data.Dataset.from_tensor_slices((images, masks)).cache()
    train = train.shuffle(len(images), seed=config.seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=config.seed, rerandomize_each_iteration=True).batch(2)
    augment = build_augment(config.augment)
    train = tf.data.Dataset.zip(train, seeds).map(
        lambda pair, seed: augment(pair[0], pair[1], seed), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return _without_autotune(train.batch(batch_size).prefetch(PREFETCH_BATCHES))


def _without_autotune(dataset: Any) -> Any:
    """`dataset` with tf.data's autotuner off. Its model thread sleeps between optimisations
    for a period that doubles up to 60 s, and deleting the iterator (at the end of every
    `fit`) waits the sleep out: 0-40 s per trial, measured (BENCHMARKS.md, "Per-trial warm-up").
    Parallelism is then fixed: AUTOTUNE maps run on every core, PREFETCH_BATCHES are prefetched."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def make_datasets(data: MarsData, config: DataConfig, batch_size: int) -> tuple[Any, Any, DataInfo]:
    """(train_ds, val_ds, info): tf.data pipelines of (float32 (B,H,W,1) in [0,1], int32 (B,H,W))."""
    import tensorflow as tf

    prepared = prepare_data(data, config)
    info = prepared.info
    train = _train_pipeline(prepared.train_images, prepared.train_masks, config, batch_size)
    val = tf.data.Dataset.from_tensor_slices((info.val_images, info.val_masks)).cache()
    val = val.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(PREFETCH_BATCHES)
    val = _without_autotune(val)
    return train, val, info


def make_refit_dataset(data: MarsData, config: DataConfig, batch_size: int) -> tuple[Any, int, tuple[float, ...]]:
    """(train_ds, n_images, class_share): one training pipeline over every image that
    `make_datasets(data, config)` trains or validates on (the same outliers dropped and
    budget subsets), oversampled as configured: a refit of a trial's configuration."""
    info = prepare_data(data, config).info
    rows = np.union1d(info.train_indices, info.val_indices)
    images, masks, _ = _oversampled(data.images[rows], data.masks[rows], config)
    return _train_pipeline(images, masks, config, batch_size), len(images), class_pixel_share(masks)
