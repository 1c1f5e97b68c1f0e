"""Generalized Dice, focal, and their weighted sum `alpha * GDL + beta * focal` (course report, section 3).

Conventions (tests check them against hand computations):
- y_true is a sparse int mask (B, H, W) (a trailing axis of 1 is accepted); y_pred is a softmax
  (B, H, W, C), or C * k channels stacked by `compile_model` for deep supervision, in which
  case the main head (first C channels) has weight 1 and the k - 1 auxiliary heads share
  `AUX_LOSS_WEIGHT` equally.
- Generalized Dice over the batch: 1 - (2 sum_c w_c sum_i y_ic p_ic + eps) / (sum_c w_c sum_i (y_ic + p_ic) + eps).
  A class absent from truth and prediction adds nothing to either sum, so it is safe.
- Focal: mean over all pixels of -sum_c w_c y_ic (1 - p_ic)^gamma log(p_ic), p clipped to [eps, 1 - eps]
  (so the gradient stays finite for any gamma >= 0, also when p reaches 1).
- `exclude_background`: class 0 (unlabelled) gets weight 0 in both terms, so background
  pixels do not train the network at all.
- `class_weighting`: the per-class weights w_c of `marsseg_models._loss_config.class_weights`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from marsseg_models._loss_config import LossConfig, class_weights

AUX_LOSS_WEIGHT = 0.5
EPSILON = 1e-6


def _one_hot(y_true, y_pred):
    labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
    return ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=y_pred.dtype)


def generalized_dice_loss(y_true, y_pred, weights):
    """Weighted Dice loss over the whole batch; y_true sparse, y_pred softmax."""
    onehot = _one_hot(y_true, y_pred)
    axes = tuple(range(len(y_pred.shape) - 1))
    inter = ops.sum(onehot * y_pred, axis=axes)
    total = ops.sum(onehot + y_pred, axis=axes)
    w = ops.convert_to_tensor(weights, dtype=y_pred.dtype)
    return 1.0 - (2.0 * ops.sum(w * inter) + EPSILON) / (ops.sum(w * total) + EPSILON)


def focal_loss(y_true, y_pred, weights, gamma: float):
    """Weighted focal loss, mean over all pixels; y_true sparse, y_pred softmax."""
    onehot = _one_hot(y_true, y_pred)
    # Clip away from 1 too: d/dp (1 - p)^gamma is infinite at p = 1 when gamma < 1.
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    w = ops.convert_to_tensor(weights, dtype=y_pred.dtype)
    per_pixel = -ops.sum(w * onehot * ops.power(1.0 - p, gamma) * ops.log(p), axis=-1)
    return ops.mean(per_pixel)


class SegmentationLoss(keras.losses.Loss):
    """alpha * GDL + beta * focal, over one softmax head or several stacked ones."""

    def __init__(self, config: LossConfig, weights: Sequence[float], n_classes: int = 5, name: str = "segmentation_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.config = config
        self.weights = np.asarray(weights, dtype="float32")
        self.n_classes = n_classes

    def single(self, y_true, y_pred):
        """The loss of one (B, H, W, n_classes) head."""
        cfg = self.config
        total = 0.0
        if cfg.alpha:
            total = total + cfg.alpha * generalized_dice_loss(y_true, y_pred, self.weights)
        if cfg.beta:
            total = total + cfg.beta * focal_loss(y_true, y_pred, self.weights, cfg.gamma)
        return total

    def call(self, y_true, y_pred):
        n_heads = y_pred.shape[-1] // self.n_classes
        heads = [y_pred[..., k * self.n_classes : (k + 1) * self.n_classes] for k in range(n_heads)]
        total = self.single(y_true, heads[0])
        for aux in heads[1:]:
            total = total + AUX_LOSS_WEIGHT / (n_heads - 1) * self.single(y_true, aux)
        return total

    def get_config(self) -> dict:
        return {"name": self.name, "n_classes": self.n_classes, "weights": self.weights.tolist(), "config": vars(self.config)}

    @classmethod
    def from_config(cls, config: dict) -> SegmentationLoss:
        return cls(LossConfig(**config["config"]), config["weights"], config["n_classes"], config["name"])


def build_loss(config: LossConfig, class_pixel_share: Sequence[float] | None = None, n_classes: int = 5) -> SegmentationLoss:
    """The combined loss of `config`; `class_pixel_share` (n_classes shares) drives class weighting."""
    if not isinstance(config, LossConfig):
        raise TypeError(f"config must be a LossConfig, got {type(config).__name__}")
    return SegmentationLoss(config, class_weights(config, class_pixel_share, n_classes), n_classes)
