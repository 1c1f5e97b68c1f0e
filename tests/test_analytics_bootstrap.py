"""Intervals on scores: bootstrap over photographs of per-image confusion matrices (harness.analytics)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analytics import (
    compare_scores,
    decode_matrices,
    encode_matrices,
    group_confusions,
    image_confusions,
    images_digest,
    interval_record,
    paired_difference,
    resampled_totals,
    score_interval,
)
from marsseg_models import confusion_matrix, mean_iou, per_class_iou


def _population(n: int, rng: np.random.Generator, pixels: int = 400) -> np.ndarray:
    """(n, 5, 5) per-image confusion matrices of one fixed model on a heterogeneous population:
    each image its own class mix and its own accuracy (rare classes on few images)."""
    mix = rng.dirichlet([3.0, 2.0, 2.0, 0.4, 0.1], size=n)
    truth = np.stack([rng.multinomial(pixels, p) for p in mix])
    accuracy = rng.beta(6, 3, size=n)
    out = np.zeros((n, 5, 5), dtype=np.int64)
    for i in range(n):
        for c in range(5):
            confuse = np.full(5, (1 - accuracy[i]) / 4)
            confuse[c] = accuracy[i]
            out[i, c] = rng.multinomial(truth[i, c], confuse)
    return out


def test_per_image_matrices_sum_to_the_confusion_matrix_of_all_pixels() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, (7, 6, 9))
    pred = np.where(rng.random(truth.shape) < 0.6, truth, rng.integers(0, 5, truth.shape))
    cms = image_confusions(truth, pred)
    assert cms.shape == (7, 5, 5)
    assert (cms.sum(axis=0) == confusion_matrix(truth, pred)).all()
    assert all((cms[i] == confusion_matrix(truth[i], pred[i])).all() for i in range(7))


def test_point_scores_follow_the_scoring_rule_and_the_interval_brackets_them() -> None:
    units = _population(120, np.random.default_rng(1))
    s = score_interval(units, n_boot=500, seed=3)
    total = units.sum(axis=0)
    assert s.miou == pytest.approx(mean_iou(total))
    assert s.per_class == pytest.approx(per_class_iou(total))
    assert s.miou_ci[0] < s.miou < s.miou_ci[1]
    for name, (lo, hi) in s.per_class_ci.items():
        assert lo <= s.per_class[name] <= hi
    assert s == score_interval(units, n_boot=500, seed=3)  # seeded


def test_a_class_absent_from_every_unit_has_no_interval() -> None:
    units = _population(30, np.random.default_rng(2))
    units[:, 4, :] = 0
    units[:, :, 4] = 0
    s = score_interval(units, n_boot=200)
    assert s.per_class["big_rock"] is None and s.per_class_ci["big_rock"] is None
    assert s.miou == pytest.approx(mean_iou(units.sum(0)))  # the mean over the three present classes


def test_the_interval_covers_the_population_miou_at_about_the_nominal_rate() -> None:
    rng = np.random.default_rng(4)
    population = _population(3000, rng)
    truth = mean_iou(population.sum(axis=0))
    covered = 0
    for k in range(200):
        sample = population[rng.integers(0, len(population), 250)]
        lo, hi = score_interval(sample, n_boot=300, seed=k).miou_ci
        covered += lo <= truth <= hi
    assert covered >= 180, covered  # >= 90% of 200 at a nominal 95%


def test_resampled_totals_are_sums_of_whole_units() -> None:
    units = np.random.default_rng(0).integers(0, 50, (3, 5, 5))
    units[:, 0, 0] = [1, 100, 10000]  # cell (0, 0) spells out how often each unit was drawn
    totals = resampled_totals(units, 50, np.random.default_rng(0))
    assert totals.shape == (50, 5, 5)
    n = np.stack([totals[:, 0, 0] % 100, totals[:, 0, 0] // 100 % 100, totals[:, 0, 0] // 10000], axis=1)
    assert (n.sum(axis=1) == 3).all() and len({tuple(r) for r in n}) > 3
    assert (totals == np.einsum("bg,gij->bij", n, units)).all()


def _photographs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n smooth 128x128 photographs cut into a top and a bottom 64x128 band, rows shuffled:
    (images, masks, photograph of each row)."""
    tall = np.cumsum(rng.normal(0, 6, (n, 128, 128)), axis=1) + rng.normal(0, 40, (n, 1, 128))
    tall = np.clip(tall - tall.min(axis=(1, 2), keepdims=True) + 20, 0, 255).astype(np.uint8)
    masks = rng.integers(1, 5, (n, 1, 128)) * np.ones((1, 128, 1), np.int64)  # column stripes: seams agree
    images = np.concatenate([tall[:, :64], tall[:, 64:]])
    labels = np.concatenate([masks[:, :64], masks[:, 64:]]).astype(np.uint8)
    photo = np.r_[np.arange(n), np.arange(n)]
    order = rng.permutation(2 * n)
    return images[order], labels[order], photo[order]


def test_the_two_bands_of_one_photograph_always_resample_together() -> None:
    from harness.data import scene_ids

    rng = np.random.default_rng(5)
    images, masks, photo = _photographs(20, rng)
    groups = scene_ids(images, masks)
    assert len(np.unique(groups)) == 20  # the seam pairs the bands (the rule the held-out split uses)
    # mark each band: a top band's pixels all in cell (0, 0), a bottom band's in cell (1, 1), one unit per photo
    is_top = np.array([np.sum(photo[:i] == photo[i]) == 0 for i in range(len(photo))])
    cms = np.zeros((len(images), 5, 5), np.int64)
    cms[is_top, 0, 0] = photo[is_top] + 1
    cms[~is_top, 1, 1] = photo[~is_top] + 1
    totals = resampled_totals(group_confusions(cms, groups), 300, rng)
    assert (totals[:, 0, 0] == totals[:, 1, 1]).all()  # each photograph drawn brings both its bands
    per_image = resampled_totals(cms, 300, rng)
    assert (per_image[:, 0, 0] != per_image[:, 1, 1]).any()  # (resampling images would split them)
    record = interval_record(cms, groups, "d")
    assert record["interval"]["n_units"] == 20 and decode_matrices(record["unit_confusion"]).shape == (20, 5, 5)


def test_matrices_survive_their_compact_encoding() -> None:
    units = _population(125, np.random.default_rng(6))
    text = encode_matrices(units)
    assert (decode_matrices(text) == units).all() and len(text) < units.size * 3


def test_a_model_against_itself_differs_by_zero_with_a_zero_width_interval() -> None:
    units = _population(80, np.random.default_rng(7))
    d = paired_difference(units, units, n_boot=300)
    assert d.diff == 0.0 and d.ci == (0.0, 0.0)


def test_the_paired_interval_is_narrower_than_the_unpaired_one_for_correlated_models() -> None:
    rng = np.random.default_rng(8)
    a = _population(150, rng)
    b = a.copy()
    b[:, 3, 3] = (b[:, 3, 3] * 0.9).astype(np.int64)  # b: a little worse on sand, image by image
    d = paired_difference(a, b, n_boot=1000, seed=1)
    assert d.diff == pytest.approx(mean_iou(a.sum(0)) - mean_iou(b.sum(0)))
    assert 0 < d.ci[0] <= d.diff <= d.ci[1]  # paired: the shared noise cancels
    half_unpaired = score_interval(a, n_boot=1000).half_width
    assert (d.ci[1] - d.ci[0]) / 2 < half_unpaired / 3


def test_stored_scores_compare_only_on_the_same_images() -> None:
    rng = np.random.default_rng(9)
    cms = _population(40, rng)
    groups = np.repeat(np.arange(20), 2)
    digest = images_digest(np.zeros((40, 2, 2), np.uint8), np.ones((40, 2, 2), np.uint8))
    a = interval_record(cms, groups, digest)
    assert compare_scores(a, a).ci == (0.0, 0.0)
    other = interval_record(cms, groups, images_digest(np.zeros((40, 2, 2), np.uint8), np.zeros((40, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="held-out images differ"):
        compare_scores(a, other)
    with pytest.raises(ValueError, match="evaluate --force"):
        compare_scores(a, {"miou": 0.4})


def test_ten_thousand_images_take_well_under_a_second() -> None:
    import time

    units = np.random.default_rng(10).integers(0, 400, (10_000, 5, 5))
    start = time.perf_counter()
    score_interval(units)
    assert time.perf_counter() - start < 1.5  # ~0.3 s alone; slack for a loaded machine


def test_the_score_command_prints_each_score_with_its_interval_over_images(tmp_path, capsys) -> None:
    from studies.cli import main

    rng = np.random.default_rng(11)
    labels = rng.integers(0, 5, (30, 8, 16)).astype(np.uint8)
    pred = np.where(rng.random(labels.shape) < 0.7, labels, 0).astype(np.uint8)
    np.savez(tmp_path / "labels.npz", masks=labels)
    np.savez(tmp_path / "pred.npz", masks=pred)
    assert main(["score", str(tmp_path / "pred.npz"), str(tmp_path / "labels.npz")]) == 0
    out = capsys.readouterr().out
    s = score_interval(image_confusions(labels, pred))
    assert f"mIoU {s.miou:.4f} [{s.miou_ci[0]:.4f}, {s.miou_ci[1]:.4f}]" in out
    lo, hi = s.per_class_ci["sand"]
    assert f"sand       {s.per_class['sand']:.4f} [{lo:.4f}, {hi:.4f}]" in out
