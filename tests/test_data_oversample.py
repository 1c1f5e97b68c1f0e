"""Big-rock copy-paste oversampling touches only the training split and raises its rock share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.data import DataConfig, find_rock_patches, load_dataset, paste_rocks, prepare_data, synthesize
from harness.data._outliers import mask_group_ids


def test_oversampling_raises_training_rock_share_3x_and_leaves_validation_untouched() -> None:
    data = synthesize(300, 0, seed=1)
    plain = prepare_data(data, DataConfig(seed=4))
    over = prepare_data(data, DataConfig(seed=4, oversample=True))
    assert over.info.class_share[4] >= 3 * plain.info.class_share[4]
    assert over.info.n_train == 2 * plain.info.n_train and over.info.n_oversampled == plain.info.n_train
    np.testing.assert_array_equal(over.info.val_indices, plain.info.val_indices)
    np.testing.assert_array_equal(over.info.val_masks, plain.info.val_masks)
    np.testing.assert_array_equal(over.train_images[: plain.info.n_train], plain.train_images)


def test_pasted_rock_carries_its_own_image_and_mask() -> None:
    images = np.full((4, 32, 32), 10, np.uint8)
    masks = np.ones((4, 32, 32), np.uint8)
    masks[0, 10:20, 5:15] = 4
    images[0, 10:20, 5:15] = 200
    out_images, out_masks, added = paste_rocks(images, masks, strength=1.0, seed=0)
    assert added == 4 and out_images.shape == (8, 32, 32)
    for image, mask in zip(out_images[4:], out_masks[4:]):
        rock = mask == 4
        assert rock.sum() >= 100 and (image[rock] == 200).all() and (image[~rock] == 10).all()


def test_patch_includes_a_contour_margin() -> None:
    masks = np.ones((1, 32, 32), np.uint8)
    masks[0, 10:20, 5:15] = 4
    (patch,) = find_rock_patches(np.zeros_like(masks), masks, margin=3)
    assert patch.mask.shape == (16, 16) and (patch.mask == 1).sum() == 16 * 16 - 100


def test_no_donor_rock_means_nothing_is_added() -> None:
    masks = np.ones((5, 16, 16), np.uint8)
    images, out_masks, added = paste_rocks(masks.copy(), masks, strength=1.0, seed=0)
    assert added == 0 and len(out_masks) == 5


@pytest.mark.realdata
def test_real_data_oversampling_and_split_meet_the_acceptance(real_data_path: Path) -> None:
    data = load_dataset(real_data_path)
    plain = prepare_data(data, DataConfig())
    over = prepare_data(data, DataConfig(oversample=True))
    assert over.info.class_share[4] >= 3 * plain.info.class_share[4]
    np.testing.assert_array_equal(over.info.val_masks, plain.info.val_masks)
    ids = mask_group_ids(data.masks)
    assert not set(ids[over.info.train_indices]) & set(ids[over.info.val_indices])
    assert len(over.info.dropped_outliers) in (110, 111)
