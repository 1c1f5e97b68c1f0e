"""Scoring rule of marsseg in plain NumPy: constants, prediction rule, confusion matrix, IoU.

Scoring rule (course report): IoU_c = TP / (TP + FP + FN) from the 5x5 confusion matrix of
all pixels (background pixels included, so predicting a scored class on an unlabelled pixel
is a false positive); mIoU is the mean over classes 1-4. A class absent from both truth and
prediction (union 0) is left out of the mean (its IoU is NaN in `per_class_iou`); when all
four are absent, mIoU is 0.0.
Prediction rule: arg-max over all classes, or with `foreground_only=True` arg-max over
classes 1-4 only (background is never predicted); optionally of the log-probabilities plus
per-class offsets fitted on the validation split.
This module imports no Keras, so the harness and the report can score without TensorFlow.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES: tuple[str, ...] = ("background", "soil", "bedrock", "sand", "big_rock")
CLASS_COLORS: tuple[str, ...] = ("#000000", "#a6611a", "#7b3294", "#dfc27d", "#d7191c")  # of masks drawn on images
SCORED_CLASSES: tuple[int, ...] = (1, 2, 3, 4)
VAL_MIOU = "val_miou"
MIOU = "miou"


def log_probs(probs: np.ndarray) -> np.ndarray:
    """The log of softmax maps, floored at 1e-7: the scale per-class offsets are added on."""
    return np.log(np.maximum(np.asarray(probs, np.float32), 1e-7))


def predict_labels(probs: np.ndarray, foreground_only: bool = False,
                   class_bias: np.ndarray | None = None) -> np.ndarray:
    """Labels (..., H, W) from softmax maps (..., H, W, C) under the chosen prediction rule;
    `class_bias` (C offsets, fitted on val by `harness.fit_class_bias`) is added to the
    log-probabilities before the arg-max."""
    scores = np.asarray(probs)
    if class_bias is not None:
        scores = log_probs(scores) + np.asarray(class_bias, np.float32)
    return np.argmax(scores[..., 1:], axis=-1) + 1 if foreground_only else np.argmax(scores, axis=-1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 5) -> np.ndarray:
    """Integer confusion matrix, rows = truth, columns = prediction (NumPy reference)."""
    idx = np.asarray(y_true, dtype=np.int64).ravel() * n_classes + np.asarray(y_pred, dtype=np.int64).ravel()
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def ious_from_confusion(cm: np.ndarray) -> np.ndarray:
    """IoU of every class from a confusion matrix (or a stack (..., C, C) of them); NaN where the union is empty."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    union = cm.sum(axis=-2) + cm.sum(axis=-1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)


def mean_iou(cm: np.ndarray, classes: tuple[int, ...] = SCORED_CLASSES) -> float | np.ndarray:
    """Mean IoU over `classes`, skipping absent ones; 0.0 when all are absent (a stack of matrices: an array)."""
    ious = ious_from_confusion(cm)[..., list(classes)]
    present = ~np.isnan(ious)
    means = np.where(present.any(axis=-1), np.where(present, ious, 0.0).sum(axis=-1) / np.maximum(present.sum(axis=-1), 1),
                     0.0)
    return float(means) if means.ndim == 0 else means


def per_class_iou(cm: np.ndarray, classes: tuple[int, ...] = SCORED_CLASSES) -> dict[str, float]:
    """{class name: IoU} for the scored classes (NaN for a class absent from truth and prediction)."""
    ious = ious_from_confusion(cm)
    return {CLASS_NAMES[c]: float(ious[c]) for c in classes}
