"""Streaming mean IoU over classes 1-4 (`miou`, logged as `val_miou`) for `model.fit`.

It follows the scoring rule of `marsseg_models._scoring` (the NumPy reference it is tested
against): confusion matrix of all pixels, IoU averaged over classes 1-4, classes absent from
truth and prediction left out.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from marsseg_models._scoring import MIOU


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
        tp, union = tp[1:], union[1:]  # the scored classes 1-4
        present = ops.cast(union > 0, "float64")
        iou = tp / ops.maximum(union, 1.0)
        count = ops.sum(present)
        return ops.cast(ops.sum(iou * present) / ops.maximum(count, 1.0), "float32")

    def confusion_matrix(self) -> np.ndarray:
        """The accumulated confusion matrix as int64 NumPy."""
        return ops.convert_to_numpy(self.total_cm).round().astype(np.int64)

    def get_config(self) -> dict:
        return {"name": self.name, "n_classes": self.n_classes, "foreground_only": self.foreground_only}
