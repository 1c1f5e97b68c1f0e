"""`marsseg compare`: paired held-out differences on the same photographs (studies, trials, submissions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from harness.analytics import images_digest, interval_record
from harness.common import MarssegError, attrs, open_storage
from marsseg_models import mean_iou
from studies import compare
from studies.cli import main


def _scored_study(journal: str, name: str, cms: list[np.ndarray], digest: str, vals: list[float]) -> None:
    """A study whose trials have the given val values and held-out scores from per-image matrices (pairs of bands)."""
    study = optuna.create_study(study_name=name, storage=open_storage(journal), direction="maximize")
    for val, image_cms in zip(vals, cms):
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=val, params={"x": val},
                                     distributions={"x": FloatDistribution(0, 1)}))
        groups = np.arange(len(image_cms)) // 2
        study.set_user_attr(attrs.heldout_key(study.trials[-1].number),
                            {"miou": mean_iou(image_cms.sum(0)), **interval_record(image_cms, groups, digest)})


def _cms(seed: int, n: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 60, (n, 5, 5)) + np.diag([0, 200, 150, 40, 10])


SAME = images_digest(np.zeros((40, 4, 4), np.uint8), np.ones((40, 4, 4), np.uint8))
OTHER = images_digest(np.ones((40, 4, 4), np.uint8), np.ones((40, 4, 4), np.uint8))


def test_a_study_against_itself_is_zero_with_a_zero_width_interval(tmp_path: Path, capsys) -> None:
    journal = str(tmp_path / "j.journal")
    _scored_study(journal, "a", [_cms(0), _cms(1)], SAME, [0.3, 0.5])
    d = compare("a", "a", journal)
    assert d.diff == 0.0 and d.ci == (0.0, 0.0)
    assert d.miou_a == pytest.approx(mean_iou(_cms(1).sum(0)))  # the best trial by val (trial 1)
    assert main(["compare", "a", "a", "--storage", journal]) == 0
    assert "difference (A - B): +0.0000" in capsys.readouterr().out


def test_trials_of_two_studies_pair_on_the_same_photographs(tmp_path: Path) -> None:
    journal = str(tmp_path / "j.journal")
    _scored_study(journal, "a", [_cms(0), _cms(1)], SAME, [0.3, 0.5])
    _scored_study(journal, "b", [_cms(2)], SAME, [0.4])
    d = compare("a:0", "b", journal, n_boot=500)
    assert d.diff == pytest.approx(mean_iou(_cms(0).sum(0)) - mean_iou(_cms(2).sum(0)))
    assert d.n_units == 20 and d.ci[0] <= d.diff <= d.ci[1]


def test_studies_whose_held_out_images_differ_are_refused_in_one_line(tmp_path: Path, capsys) -> None:
    journal = str(tmp_path / "j.journal")
    _scored_study(journal, "a", [_cms(0)], SAME, [0.3])
    _scored_study(journal, "b", [_cms(0)], OTHER, [0.3])
    with pytest.raises(MarssegError, match="different held-out images"):
        compare("a", "b", journal)
    assert main(["compare", "a", "b", "--storage", journal]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_trial_without_a_held_out_score_is_refused(tmp_path: Path) -> None:
    journal = str(tmp_path / "j.journal")
    _scored_study(journal, "a", [_cms(0)], SAME, [0.3])
    with pytest.raises(MarssegError, match="no held-out score"):
        compare("a:5", "a", journal)


def test_submissions_pair_image_by_image_against_the_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 5, (12, 8, 16)).astype(np.uint8)
    good = np.where(rng.random(labels.shape) < 0.8, labels, 0).astype(np.uint8)
    bad = np.where(rng.random(labels.shape) < 0.5, labels, 0).astype(np.uint8)
    for name, masks in (("labels", labels), ("good", good), ("bad", bad)):
        np.savez(tmp_path / f"{name}.npz", masks=masks)
    d = compare(str(tmp_path / "good.npz"), str(tmp_path / "bad.npz"), "unused", labels=str(tmp_path / "labels.npz"))
    from marsseg_models import confusion_matrix
    assert d.diff == pytest.approx(mean_iou(confusion_matrix(labels, good)) - mean_iou(confusion_matrix(labels, bad)))
    assert d.n_units == 12 and d.ci[0] > 0
    with pytest.raises(MarssegError, match="--labels"):
        compare(str(tmp_path / "good.npz"), str(tmp_path / "bad.npz"), "unused")


def test_a_labels_file_with_its_images_is_scored_over_photographs(tmp_path) -> None:
    from harness.data import label_groups, prediction_units, score_predictions

    rng = np.random.default_rng(0)
    masks = rng.integers(0, 5, size=(4, 64, 128), dtype=np.uint8)
    masks[1] = masks[0]  # identical masks: one unit, as the split keeps them
    images = rng.integers(0, 256, size=(4, 64, 128), dtype=np.uint8)
    pred = np.where(rng.random(masks.shape) < 0.7, masks, 1).astype(np.uint8)
    np.savez(tmp_path / "pred.npz", masks=pred)
    np.savez(tmp_path / "plain.npz", masks=masks)
    np.savez(tmp_path / "with_images.npz", masks=masks, test_set=images)
    assert label_groups(tmp_path / "plain.npz") is None
    groups = label_groups(tmp_path / "with_images.npz")
    assert groups[0] == groups[1] and len(set(groups.tolist())) == 3
    units = prediction_units(tmp_path / "pred.npz", tmp_path / "with_images.npz")
    per_image = prediction_units(tmp_path / "pred.npz", tmp_path / "plain.npz")
    assert units.shape == (3, 5, 5) and per_image.shape == (4, 5, 5)
    np.testing.assert_array_equal(units.sum(axis=0), per_image.sum(axis=0))
    np.testing.assert_array_equal(units[groups[0]], per_image[0] + per_image[1])
    scored = score_predictions(tmp_path / "pred.npz", tmp_path / "with_images.npz")
    assert (scored["n_images"], scored["n_units"]) == (4, 3)
    assert scored["miou"] == score_predictions(tmp_path / "pred.npz", tmp_path / "plain.npz")["miou"]
