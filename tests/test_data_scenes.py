"""The two bands of one photograph are found by their seam and never split apart."""

from __future__ import annotations

import numpy as np
import pytest

from harness.data import band_pairs, heldout_indices, scene_ids, split_indices


def _photographs(n_photos: int, n_single: int, seed: int) -> tuple[np.ndarray, np.ndarray, set[tuple[int, int]]]:
    """Smooth 128x128 scenes cut into a top and a bottom 64x128 band, rows shuffled, plus lone bands.

    Returns (images, masks, the true (top row, bottom row) pairs). Masks threshold the scene,
    so labels run on across the seam, with a blank (unlabelled) margin as in AI4Mars.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:128, 0:128] / 128.0
    bands_img, bands_mask, photo_of = [], [], []
    for p in range(n_photos + n_single):
        field = sum(rng.normal() * np.sin(2 * np.pi * (rng.uniform(0.3, 2) * yy + rng.uniform(0.3, 2) * xx)
                                          + rng.uniform(0, 6)) for _ in range(4))
        field += 0.05 * rng.normal(size=field.shape)
        image = np.clip(128 + 40 * field, 0, 255).astype(np.uint8)
        mask = np.digitize(field, [-1.0, 0.0, 1.0]).astype(np.uint8) + 1
        mask[:, :8] = 0
        halves = [(image[:64], mask[:64]), (image[64:], mask[64:])] if p < n_photos else [(image[:64], mask[:64])]
        for img, msk in halves:
            bands_img.append(img)
            bands_mask.append(msk)
            photo_of.append(p)
    order = rng.permutation(len(bands_img))
    images, masks = np.stack(bands_img)[order], np.stack(bands_mask)[order]
    photo = np.asarray(photo_of)[order]
    truth = set()
    for p in range(n_photos):
        top, bottom = (int(i) for i in np.flatnonzero(photo == p))
        first_is_top = order[top] < order[bottom]  # bands were appended top first
        truth.add((top, bottom) if first_is_top else (bottom, top))
    return images, masks, truth


@pytest.fixture(scope="module")
def photographs() -> tuple[np.ndarray, np.ndarray, set[tuple[int, int]]]:
    return _photographs(60, 20, seed=0)


def test_band_pairs_finds_the_bands_of_every_photograph(photographs) -> None:
    """Every true pair, and few others: a bottom band's last row has no partner, so it may pair by chance
    (that only joins two units of the split, it leaks nothing)."""
    images, masks, truth = photographs
    found = {(int(a), int(b)) for a, b in band_pairs(images, masks)}
    assert truth <= found
    assert len(found - truth) <= 0.2 * len(images)


def test_a_split_by_scenes_never_separates_two_bands_and_one_by_masks_does(photographs) -> None:
    images, masks, truth = photographs
    everything = np.arange(len(images))
    separated = {}
    for grouping, scenes in (("scenes", images), ("masks", None)):
        count = 0
        for seed in range(5):
            train, val = split_indices(masks, everything, 0.2, seed, images=scenes)
            assert sorted([*train, *val]) == list(everything)
            in_val = set(val.tolist())
            count += sum((a in in_val) != (b in in_val) for a, b in truth)
        separated[grouping] = count
    assert separated["scenes"] == 0
    assert separated["masks"] > 0  # what the split did before: the check can fail


def test_scene_ids_also_join_identical_masks(photographs) -> None:
    images, masks, truth = photographs
    masks = masks.copy()
    lone = [i for i in range(len(images)) if all(i not in pair for pair in truth)][:3]
    masks[lone] = 0  # three unlabelled images: one unit, as identical masks always were
    ids = scene_ids(images, masks)
    assert len(set(ids[lone].tolist())) == 1
    for a, b in truth:
        assert ids[a] == ids[b]
    chance = band_pairs(images, masks)
    assert len(set(ids.tolist())) <= len(truth) + 20 - 2  # 60 photographs, 20 lone bands of which 3 are one unit
    assert len(set(ids.tolist())) >= len(truth) + 20 - 2 - (len(chance) - len(truth))


def test_held_out_images_keep_their_other_band_out_of_the_search(photographs) -> None:
    images, masks, truth = photographs
    held = set(heldout_indices(masks, 0.2, seed=3, images=images).tolist())
    assert held
    assert all((a in held) == (b in held) for a, b in truth)


def test_unrelated_images_are_rarely_paired() -> None:
    from harness.data import synthesize

    data = synthesize(300, 0, seed=1)  # independent synthetic images: no true pairs at all
    assert len(band_pairs(data.images, data.masks)) <= 0.1 * len(data.images)
