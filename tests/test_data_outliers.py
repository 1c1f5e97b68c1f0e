"""Groups of identical masks and the rule that flags the alien group, on synthetic and real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.common import MarssegError
from harness.data import OutlierRule, anomalous_groups, find_mask_groups, synthesize_with_aliens, select_outliers
from studies.cli import main


def _masks_with_groups(sizes: dict[int, int], n_unique: int = 200, unlabelled: int = 0) -> np.ndarray:
    """Unique random masks plus groups of identical labelled masks (value -> size) and all-0 masks."""
    rng = np.random.default_rng(0)
    masks = [rng.integers(0, 5, (n_unique, 4, 8))]
    for value, size in sizes.items():
        masks.append(np.full((size, 4, 8), value))
    masks.append(np.zeros((unlabelled, 4, 8)))
    out = np.concatenate(masks).astype(np.uint8)
    return out[rng.permutation(len(out))]


def test_groups_are_sorted_largest_first_with_labelled_flag() -> None:
    groups = find_mask_groups(_masks_with_groups({1: 4, 2: 9}, unlabelled=6))
    assert [(g.size, g.labelled) for g in groups] == [(9, True), (6, False), (4, True)]


def test_injected_synthetic_aliens_are_flagged_and_nothing_else() -> None:
    synthetic = synthesize_with_aliens(300, 0, seed=5)
    flagged = select_outliers(synthetic.data.masks)
    expected = np.sort(np.append(synthetic.alien_indices, synthetic.alien_source))
    np.testing.assert_array_equal(flagged, expected)


def test_large_unlabelled_group_is_never_flagged() -> None:
    masks = _masks_with_groups({1: 3}, unlabelled=60)
    assert select_outliers(masks).size == 0


def test_similar_sized_genuine_groups_are_not_flagged() -> None:
    masks = _masks_with_groups({1: 13, 2: 9, 3: 7, 4: 5})
    assert select_outliers(masks).size == 0


def test_group_far_above_the_others_is_flagged_but_the_next_one_is_not() -> None:
    masks = _masks_with_groups({2: 60, 1: 13, 3: 2}, unlabelled=40)
    flagged = select_outliers(masks)
    assert len(flagged) == 60 and (masks[flagged] == 2).all()


def test_group_below_min_size_is_not_flagged() -> None:
    groups = find_mask_groups(_masks_with_groups({1: 9}))
    assert anomalous_groups(groups, 209, OutlierRule(min_size=10)) == []
    assert anomalous_groups(groups, 209, OutlierRule(min_size=5)) == [0]


def test_none_drops_nothing_and_an_index_drops_that_group() -> None:
    masks = _masks_with_groups({1: 13, 2: 9})
    assert select_outliers(masks, "none").size == 0
    picked = select_outliers(masks, 1)
    assert len(picked) == 9 and (masks[picked] == 2).all()


@pytest.mark.parametrize("mode", [5, -1, "some", True])
def test_bad_outlier_mode_raises_with_valid_choices(mode: object) -> None:
    with pytest.raises(MarssegError, match="outlier"):
        select_outliers(_masks_with_groups({1: 13, 2: 9}), mode)  # type: ignore[arg-type]


def test_rule_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="gap_ratio"):
        OutlierRule(gap_ratio=1.0)


@pytest.mark.realdata
def test_real_data_inspect_flags_only_the_alien_group(real_data_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "inspect", str(real_data_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["n_train"], report["n_test"]) == (2615, 10138)
    assert len(report["class_share"]) == 5 and abs(sum(report["class_share"]) - 1) < 1e-9
    alien = report["mask_groups"][0]
    assert alien["labelled"] and alien["size"] in (110, 111)
    assert report["outliers"] == alien["indices"]
    assert any(not g["labelled"] and g["size"] > 50 for g in report["mask_groups"])  # genuine, not flagged
