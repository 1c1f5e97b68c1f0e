"""Seeded, grouped, stratified train/validation split and budget subsets."""

from __future__ import annotations

import numpy as np

from harness.data import split_indices, stratified_subset, synthesize
from harness.data._outliers import mask_group_ids
from harness.data._split import has_big_rock


def _data():
    return synthesize(300, 0, seed=2)


def test_no_group_of_identical_masks_straddles_the_split() -> None:
    masks = _data().masks
    train, val = split_indices(masks, np.arange(len(masks)), 0.2, seed=0)
    ids = mask_group_ids(masks)
    assert not set(ids[train]) & set(ids[val])
    assert np.bincount(ids).max() > 10  # the alien group is present and big


def test_split_is_a_partition_near_the_requested_fraction() -> None:
    masks = _data().masks
    candidates = np.arange(10, len(masks))
    train, val = split_indices(masks, candidates, 0.2, seed=0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), candidates)
    assert abs(len(val) / len(candidates) - 0.2) < 0.05


def test_split_is_stratified_by_big_rock_presence() -> None:
    masks = _data().masks
    train, val = split_indices(masks, np.arange(len(masks)), 0.2, seed=1)
    rock = has_big_rock(masks)
    assert abs(rock[val].sum() - 0.2 * rock.sum()) <= 1


def test_split_repeats_for_a_seed_and_changes_with_it() -> None:
    masks = _data().masks
    a = split_indices(masks, np.arange(len(masks)), 0.2, seed=0)[1]
    b = split_indices(masks, np.arange(len(masks)), 0.2, seed=0)[1]
    c = split_indices(masks, np.arange(len(masks)), 0.2, seed=1)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stratified_subset_has_the_budget_size_and_keeps_rocks() -> None:
    masks = _data().masks
    subset = stratified_subset(masks, np.arange(len(masks)), 50, seed=0)
    assert len(subset) == 50 and len(np.unique(subset)) == 50
    assert has_big_rock(masks[subset]).any()
    np.testing.assert_array_equal(stratified_subset(masks, np.arange(5), None, seed=0), np.arange(5))
