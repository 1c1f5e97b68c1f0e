"""Streaming mean IoU over classes 1-4 (`miou`, logged as `val_miou`) and NumPy references.

Scoring rule (course report): IoU_c = TP / (TP + FP + FN) from the 5x5 confusion matrix of
all pixels (background pixels included, so predicting a scored class on an unlabelled pixel
is a false positive); mIoU is the mean over classes 1-4. A class absent from both truth and
prediction (union 0) is left out of the mean (its IoU is NaN in `per_class_iou`); when all
four are absent, mIoU is 0.0.
Prediction rule: arg-max over all classes, or with `foreground_only=True` arg-max over
classes 1-4 only (background is never predicted).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

CLASS_NAMES: tuple[str, ...] = ("background", "soil", "bedrock", "sand", "big_rock")
SCORED_CLASSES: tuple[int, ...] = (1, 2, 3, 4)
VAL_MIOU = "val_miou"
MIOU = "miou"


def predict_labels(probs: np.ndarray, foreground_only: bool = False) -> np.ndarray:
    """Labels (..., H, W) from softmax maps (..., H, W, C) under the chosen prediction rule."""
    probs = np.asarray(probs)
    return np.argmax(probs[..., 1:], axis=-1) + 1 if foreground_only else np.argmax(probs, axis=-1)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 5) -> np.ndarray:
    """Integer confusion matrix, rows = truth, columns = prediction (NumPy reference)."""
    idx = np.asarray(y_true, dtype=np.int64).ravel() * n_classes + np.asarray(y_pred, dtype=np.int64).ravel()
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def iou_per_class(cm: np.ndarray) -> np.ndarray:
    """IoU of every class from a confusion matrix; NaN where the union is empty."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1), np.nan)


def mean_iou(cm: np.ndarray, classes: tuple[int, ...] = SCORED_CLASSES) -> float:
    """Mean IoU over `classes`, skipping absent ones; 0.0 when all are absent."""
    ious = iou_per_class(cm)[list(classes)]
    return float(np.nanmean(ious)) if np.any(~np.isnan(ious)) else 0.0


def per_class_iou(cm: np.ndarray, classes: tuple[int, ...] = SCORED_CLASSES) -> dict[str, float]:
    """{class name: IoU} for the scored classes (NaN for a class absent from truth and prediction)."""
    ious = iou_per_class(cm)
    return {CLASS_NAMES[c]: float(ious[c]) for c in classes}


class MeanIoU(keras.metrics.Metric):
    """Streaming mIoU over classes 1-4, accumulated as a float64 confusion matrix.

    Accepts sparse y_true (B, H, W) or (B, H, W, 1) and softmax y_pred (B, H, W, C); extra
    stacked channels (deep supervision) are ignored, only the first `n_classes` count.
    `sample_weight` is not supported.
    """

    def __init__(self, n_classes: int = 5, foreground_only: bool = False, name: str = MIOU, **kwargs):
        super().__init__(name=name, **kwargs)
        self.n_classes = n_classes
        self.foreground_only = foreground_only
        self.total_cm = self.add_variable(shape=(n_classes, n_classes), initializer="zeros", dtype="float64", name="total_cm")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("MeanIoU does not support sample_weight")
        probs = y_pred[..., : self.n_classes]
        if self.foreground_only:
            pred = ops.argmax(probs[..., 1:], axis=-1) + 1
        else:
            pred = ops.argmax(probs, axis=-1)
        true = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        t = ops.one_hot(true, self.n_classes, dtype="float32")
        p = ops.one_hot(ops.reshape(ops.cast(pred, "int32"), (-1,)), self.n_classes, dtype="float32")
        self.total_cm.assign_add(ops.cast(ops.matmul(ops.transpose(t), p), "float64"))

    def result(self):
        cm = self.total_cm
        tp = ops.diagonal(cm)
        union = ops.sum(cm, axis=0) + ops.sum(cm, axis=1) - tp
        scored = slice(1, None)
        tp, union = tp[scored], union[scored]
        present = ops.cast(union > 0, "float64")
        iou = tp / ops.maximum(union, 1.0)
        count = ops.sum(present)
        return ops.cast(ops.sum(iou * present) / ops.maximum(count, 1.0), "float32")

    def confusion_matrix(self) -> np.ndarray:
        """The accumulated confusion matrix as int64 NumPy."""
        return np.asarray(keras.ops.convert_to_numpy(self.total_cm)).round().astype(np.int64)

    def get_config(self) -> dict:
        return {"name": self.name, "n_classes": self.n_classes, "foreground_only": self.foreground_only}
