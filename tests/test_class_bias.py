"""`harness.fit_class_bias`: per-class offsets of the arg-max fitted on val, checked on made-up
softmax maps whose rare class is under-predicted by a known shift."""

from __future__ import annotations

import numpy as np
import pytest

from harness import BIAS_GRID, fit_class_bias
from marsseg_models import predict_labels


def _iou_miou(truth: np.ndarray, pred: np.ndarray) -> float:
    """mIoU over classes 1-4 counted with pixel sets (absent classes left out)."""
    ious = []
    for c in (1, 2, 3, 4):
        union = np.logical_or(truth == c, pred == c).sum()
        if union:
            ious.append(np.logical_and(truth == c, pred == c).sum() / union)
    return float(np.mean(ious)) if ious else 0.0


def _maps(shift: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(softmax (40, 8, 8, 5), truth (40, 8, 8)): class 4 is rare and its logit lowered by `shift`."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(5, size=(40, 8, 8), p=[0.2, 0.3, 0.25, 0.2, 0.05])
    logits = 2.5 * np.eye(5)[truth] + rng.normal(0.0, 1.2, (40, 8, 8, 5))
    logits[..., 4] -= shift
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    return (probs / probs.sum(-1, keepdims=True)).astype(np.float32), truth


def test_an_under_predicted_class_gets_a_positive_offset_that_raises_val_miou() -> None:
    probs, truth = _maps(shift=2.0)
    bias = fit_class_bias(probs, truth)
    assert bias.used and bias.offsets[0] == 0.0 and bias.offsets[4] >= 1.0
    assert bias.plain_miou == pytest.approx(_iou_miou(truth, probs.argmax(-1)))
    shifted = np.log(np.maximum(probs, 1e-7)) + np.array(bias.offsets, np.float32)
    assert bias.val_miou == pytest.approx(_iou_miou(truth, shifted.argmax(-1)))  # what it reports is what it does
    assert bias.val_miou > bias.plain_miou + 0.02
    np.testing.assert_array_equal(predict_labels(probs, class_bias=bias.offsets), shifted.argmax(-1))


def test_the_fit_is_at_least_the_best_single_offset_on_the_grid() -> None:
    probs, truth = _maps(shift=1.0, seed=1)
    bias = fit_class_bias(probs, truth)
    logp = np.log(np.maximum(probs, 1e-7))
    for c in (1, 2, 3, 4):  # brute force, one class at a time
        for value in BIAS_GRID:
            offsets = np.zeros(5, np.float32)
            offsets[c] = value
            assert bias.val_miou >= _iou_miou(truth, (logp + offsets).argmax(-1)) - 1e-12


def test_a_calibrated_map_keeps_its_val_miou_and_foreground_only_never_predicts_background() -> None:
    probs, truth = _maps(shift=0.0, seed=2)
    bias = fit_class_bias(probs, truth)
    assert bias.val_miou >= bias.plain_miou
    fg = fit_class_bias(probs, truth, foreground_only=True)
    labels = predict_labels(probs, foreground_only=True, class_bias=fg.offsets)
    assert labels.min() >= 1 and fg.val_miou == pytest.approx(_iou_miou(truth, labels))
    assert fg.val_miou >= fg.plain_miou == pytest.approx(_iou_miou(truth, probs[..., 1:].argmax(-1) + 1))
