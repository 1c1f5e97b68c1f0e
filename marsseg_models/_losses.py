"""Dice variants, focal, and their weighted sum `alpha * Dice + beta * focal` (course report, section 3).

Conventions (tests check them against hand computations):
- y_true is a sparse int mask (B, H, W) (a trailing axis of 1 is accepted); y_pred is a softmax
  (B, H, W, C), or C * k channels stacked by `compile_model` for deep supervision, in which
  case the main head (first C channels) has weight 1 and the k - 1 auxiliary heads share
  `AUX_LOSS_WEIGHT` equally.
- Per class c, over the whole batch: n_c = sum_i y_ic, I_c = sum_i y_ic p_ic, T_c = sum_i (y_ic + p_ic).
  s_c are the static class weights of `class_weights` (1, or inverse frequency; 0 for class 0
  with `exclude_background`); every Dice variant multiplies its own per-class weights by s_c.
- `DICE_LOSSES["course"]`, the report's formula: 1 - (2 sum_c s_c I_c + eps) / (sum_c s_c T_c + eps).
  With s_c = 1 it is 1 - mean_i p_i(true class): it does not favour rare classes.
- `DICE_LOSSES["sudre"]` (Sudre et al. 2017): the same ratio with w_c = s_c / n_c^2 from the batch.
  A class absent from the batch (n_c = 0) gets s_c times the largest weight of the present
  classes, as in NiftyNet and MONAI, so predicting it is penalised like predicting a rare class.
  The w_c are scaled to sum 1 (the ratio does not change) so that eps stays negligible.
- `DICE_LOSSES["mean"]`: 1 - sum_c s_c D_c / sum_c s_c with D_c = (2 I_c + 1) / (T_c + 1): a
  smoothing of 1 (not eps) so that a class absent from the batch scores D_c = 1 / (1 + sum_i p_ic),
  near 1 when the network predicts almost none of it, instead of 0.
- Focal: mean over all pixels of -sum_c s_c y_ic (1 - p_ic)^gamma log(p_ic), p clipped to [eps, 1 - eps]
  (so the gradient stays finite for any gamma >= 0, also when p reaches 1).
- `exclude_background`: class 0 (unlabelled) gets weight 0 in both terms, so background
  pixels do not train the network at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

import keras
import numpy as np
from keras import ops

from marsseg_models._loss_config import DICE_VARIANTS, LossConfig, class_weights

AUX_LOSS_WEIGHT = 0.5
EPSILON = 1e-6
MEAN_DICE_SMOOTH = 1.0


def _one_hot(y_true, y_pred):
    labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
    return ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=y_pred.dtype)


def class_sums(y_true, y_pred):
    """(n_c, I_c, T_c) per class over the batch: true pixels, sum y p, sum (y + p)."""
    onehot = _one_hot(y_true, y_pred)
    axes = tuple(range(len(y_pred.shape) - 1))
    return ops.sum(onehot, axis=axes), ops.sum(onehot * y_pred, axis=axes), ops.sum(onehot + y_pred, axis=axes)


def course_dice(counts, inter, total, weights):
    """The report's Generalized Dice with fixed class weights."""
    return 1.0 - (2.0 * ops.sum(weights * inter) + EPSILON) / (ops.sum(weights * total) + EPSILON)


def sudre_dice(counts, inter, total, weights):
    """Generalized Dice with per-batch weights s_c / n_c^2 (absent classes: the largest present weight)."""
    present = counts > 0
    w = weights / ops.square(ops.maximum(counts, 1.0))
    w = ops.where(present, w, weights * ops.max(ops.where(present, w, 0.0)))
    return course_dice(counts, inter, total, w / ops.maximum(ops.sum(w), 1e-30))


def mean_dice(counts, inter, total, weights):
    """One minus the s-weighted mean of the per-class soft Dice scores."""
    per_class = (2.0 * inter + MEAN_DICE_SMOOTH) / (total + MEAN_DICE_SMOOTH)
    return 1.0 - ops.sum(weights * per_class) / ops.maximum(ops.sum(weights), EPSILON)


DiceLoss = Callable[[object, object, object, object], object]
DICE_LOSSES: MappingProxyType[str, DiceLoss] = MappingProxyType({"course": course_dice, "sudre": sudre_dice, "mean": mean_dice})
assert tuple(DICE_LOSSES) == DICE_VARIANTS


def dice_loss(y_true, y_pred, weights, variant: str = "course"):
    """The Dice loss `variant` (a key of DICE_LOSSES) of a sparse mask and a softmax."""
    w = ops.convert_to_tensor(weights, dtype=y_pred.dtype)
    return DICE_LOSSES[variant](*class_sums(y_true, y_pred), w)


def focal_loss(y_true, y_pred, weights, gamma: float):
    """Weighted focal loss, mean over all pixels; y_true sparse, y_pred softmax."""
    onehot = _one_hot(y_true, y_pred)
    # Clip away from 1 too: d/dp (1 - p)^gamma is infinite at p = 1 when gamma < 1.
    p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
    w = ops.convert_to_tensor(weights, dtype=y_pred.dtype)
    per_pixel = -ops.sum(w * onehot * ops.power(1.0 - p, gamma) * ops.log(p), axis=-1)
    return ops.mean(per_pixel)


class SegmentationLoss(keras.losses.Loss):
    """alpha * Dice + beta * focal, over one softmax head or several stacked ones."""

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
            total = total + cfg.alpha * dice_loss(y_true, y_pred, self.weights, cfg.dice)
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
