"""Augmentation keeps image and mask aligned; the tf.data pipelines have the contract's shapes and seeds."""

from __future__ import annotations

import numpy as np
import pytest

from harness.data import AugmentConfig, DataConfig, build_augment, make_datasets, synthesize

tf = pytest.importorskip("tensorflow")


def _mask_coded_pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A mask with asymmetric structure and an image that is a function of it (mask * 50)."""
    rng = np.random.default_rng(seed)
    mask = np.repeat(np.repeat(rng.integers(0, 5, (8, 16)), 8, axis=0), 8, axis=1).astype(np.uint8)
    mask[:5, :7] = 4
    return (mask * 50).astype(np.uint8), mask


def _run(config: AugmentConfig, seeds: range) -> list[tuple[np.ndarray, np.ndarray]]:
    augment = build_augment(config)
    image, mask = _mask_coded_pair()
    out = []
    for s in seeds:
        x, y = augment(tf.constant(image), tf.constant(mask), tf.constant([s, 7], tf.int64))
        out.append((x.numpy(), y.numpy()))
    return out


def test_geometric_augmentation_keeps_image_equal_to_function_of_mask() -> None:
    _, mask = _mask_coded_pair()
    changed = 0
    for x, y in _run(AugmentConfig(geometric=True, photometric=False), range(24)):
        assert x.shape == (64, 128, 1) and x.dtype == np.float32 and y.dtype == np.int32
        np.testing.assert_array_equal(np.rint(x[..., 0] * 255).astype(np.int32), y * 50)
        changed += not np.array_equal(y, mask)
    assert changed >= 20  # the augmentation really moves things


def test_geometric_augmentation_repeats_for_a_seed() -> None:
    a = _run(AugmentConfig(), range(3))
    b = _run(AugmentConfig(), range(3))
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_photometric_augmentation_changes_image_only_and_stays_in_unit_range() -> None:
    image, mask = _mask_coded_pair()
    results = _run(AugmentConfig(geometric=False, photometric=True), range(8))
    for x, y in results:
        np.testing.assert_array_equal(y, mask)
        assert 0.0 <= x.min() and x.max() <= 1.0
    assert any(not np.allclose(x[..., 0], image / 255.0) for x, _ in results)


def test_pipelines_yield_the_contract_shapes_dtypes_and_ranges() -> None:
    train, val, info = make_datasets(synthesize(120, 0, seed=0), DataConfig(photometric=True), batch_size=8)
    x, y = next(iter(train))
    assert x.shape == (8, 64, 128, 1) and x.dtype == tf.float32 and y.shape == (8, 64, 128) and y.dtype == tf.int32
    assert 0.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0
    assert set(np.unique(y.numpy())) <= set(range(5))
    assert sum(int(b[0].shape[0]) for b in train) == info.n_train
    assert len(info.class_share) == 5 and abs(sum(info.class_share) - 1) < 1e-6


def test_validation_pipeline_is_unaugmented_and_matches_info_arrays() -> None:
    _, val, info = make_datasets(synthesize(120, 0, seed=0), DataConfig(max_val_images=10), batch_size=4)
    images = np.concatenate([x.numpy() for x, _ in val])
    masks = np.concatenate([y.numpy() for _, y in val])
    assert info.n_val == 10 == len(images)
    np.testing.assert_allclose(images[..., 0], info.val_images / 255.0, atol=1e-7)
    np.testing.assert_array_equal(masks, info.val_masks)


def test_training_pipeline_repeats_for_a_seed_across_epochs_and_changes_with_the_seed() -> None:
    data = synthesize(120, 0, seed=0)

    def two_epochs(seed: int) -> list[np.ndarray]:
        train, _, _ = make_datasets(data, DataConfig(seed=seed, max_train_images=24), batch_size=8)
        return [next(iter(train))[0].numpy() for _ in range(2)]

    first, again, other = two_epochs(0), two_epochs(0), two_epochs(1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # reshuffled and re-augmented each epoch
    assert not np.array_equal(first[0], other[0])


def test_training_budget_subsamples_the_training_split() -> None:
    _, _, info = make_datasets(synthesize(120, 0, seed=0), DataConfig(max_train_images=16), batch_size=8)
    assert info.n_train == 16 and len(info.train_indices) == 16
    assert not set(info.train_indices) & set(info.val_indices)
    assert not set(info.train_indices) & set(info.dropped_outliers)
