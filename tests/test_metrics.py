"""Streaming mIoU against a NumPy confusion-matrix reference, absent classes and the prediction rule."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
mm = pytest.importorskip("marsseg_models")


def _reference_miou(y_true: np.ndarray, labels: np.ndarray) -> float:
    """Plain loop over classes 1-4: IoU = |A & B| / |A | B|, classes with empty union skipped."""
    ious = []
    for c in (1, 2, 3, 4):
        union = np.sum((y_true == c) | (labels == c))
        if union:
            ious.append(np.sum((y_true == c) & (labels == c)) / union)
    return float(np.mean(ious)) if ious else 0.0


def _random(seed: int, n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 5, (n, 8, 16)).astype(np.int32)
    probs = rng.dirichlet(np.ones(5), (n, 8, 16)).astype(np.float32)
    return y_true, probs


@pytest.mark.parametrize("foreground_only", [False, True])
def test_streaming_miou_matches_numpy_reference_over_batches(foreground_only: bool) -> None:
    metric = mm.MeanIoU(foreground_only=foreground_only)
    batches = [_random(seed) for seed in range(3)]
    for y_true, probs in batches:
        metric.update_state(y_true, probs)
    y_true = np.concatenate([b[0] for b in batches])
    labels = mm.predict_labels(np.concatenate([b[1] for b in batches]), foreground_only)
    expected_cm = mm.confusion_matrix(y_true, labels)
    np.testing.assert_array_equal(metric.confusion_matrix(), expected_cm)
    assert float(metric.result()) == pytest.approx(_reference_miou(y_true, labels), abs=1e-6)
    assert mm.mean_iou(expected_cm) == pytest.approx(_reference_miou(y_true, labels), abs=1e-12)


def test_foreground_only_rule_never_predicts_background_and_changes_the_score() -> None:
    y_true, probs = _random(7)
    labels = mm.predict_labels(probs, foreground_only=True)
    assert labels.min() >= 1
    assert mm.mean_iou(mm.confusion_matrix(y_true, labels)) != mm.mean_iou(mm.confusion_matrix(y_true, mm.predict_labels(probs)))


def test_class_absent_from_truth_and_prediction_is_left_out_of_the_mean() -> None:
    y_true = np.array([[[1, 1, 2, 0]]], np.int32)
    labels = np.array([[[1, 2, 2, 0]]], np.int32)  # soil 1/2, bedrock 1/2; sand and big rock absent
    cm = mm.confusion_matrix(y_true, labels)
    ious = mm.per_class_iou(cm)
    assert ious["soil"] == pytest.approx(0.5) and ious["bedrock"] == pytest.approx(0.5)
    assert np.isnan(ious["sand"]) and np.isnan(ious["big_rock"])
    assert mm.mean_iou(cm) == pytest.approx(0.5)
    metric = mm.MeanIoU()
    metric.update_state(y_true, np.eye(5, dtype=np.float32)[labels])
    assert float(metric.result()) == pytest.approx(0.5)


def test_class_predicted_but_absent_from_truth_counts_as_zero() -> None:
    y_true = np.array([[[1, 1, 0, 0]]], np.int32)
    labels = np.array([[[1, 1, 4, 0]]], np.int32)  # big rock predicted on a background pixel
    assert mm.mean_iou(mm.confusion_matrix(y_true, labels)) == pytest.approx(0.5)


def test_all_scored_classes_absent_gives_zero() -> None:
    metric = mm.MeanIoU()
    y_true = np.zeros((1, 2, 2), np.int32)
    metric.update_state(y_true, np.eye(5, dtype=np.float32)[y_true])
    assert float(metric.result()) == 0.0
    assert mm.mean_iou(metric.confusion_matrix()) == 0.0


def test_metric_ignores_stacked_auxiliary_channels_and_resets() -> None:
    y_true, probs = _random(3)
    stacked = np.concatenate([probs, np.roll(probs, 1, axis=-1)], axis=-1)
    metric = mm.MeanIoU()
    metric.update_state(y_true[..., None], stacked)
    assert float(metric.result()) == pytest.approx(_reference_miou(y_true, mm.predict_labels(probs)), abs=1e-6)
    metric.reset_state()
    assert metric.confusion_matrix().sum() == 0


def test_metric_is_logged_as_val_miou_in_fit() -> None:
    model = mm.build_model(mm.ModelConfig(depth=2, base_filters=2, deep_supervision=True))
    train = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=0.0, jit_compile=False)
    y_true, _ = _random(0, n=2)
    images = np.zeros((2, 64, 128, 1), np.float32)
    masks = np.repeat(np.repeat(y_true, 8, axis=1), 8, axis=2)
    history = train.fit(images, masks, batch_size=2, epochs=1, validation_data=(images, masks), verbose=0)
    assert mm.VAL_MIOU == "val_miou"
    assert mm.VAL_MIOU in history.history
    cm = mm.evaluate_confusion(train, [(images, masks)])
    assert cm.sum() == masks.size
    assert mm.CLASS_NAMES == ("background", "soil", "bedrock", "sand", "big_rock")
