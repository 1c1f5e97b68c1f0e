"""A trial's inference model rebuilt from its stored configs and weights, and test-time
prediction: test-time augmentations (a registry), the (weighted) softmax average of several
models, and greedy ensemble selection on a validation split (`select_ensemble`).

Images go in as uint8 (B, H, W) and are scaled like the training pipeline (/255); every
function returns softmax probabilities (B, H, W, 5) or labels, never keeps more than a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness._configs import TrialConfigs
from harness.data import N_CLASSES, scale_images


class WeightsMismatch(ValueError):
    """The weights file does not fit the model rebuilt from the configs."""


def load_inference_model(configs: TrialConfigs, weights_path: str, image_shape: tuple[int, int]) -> Any:
    """The single-output Keras model of `configs` (auxiliary heads dropped) with the weights
    at `weights_path` (a `.weights.h5` saved from the trial's inference model)."""
    from marsseg_models import build_model, inference_model

    height, width = image_shape
    model = inference_model(build_model(configs.model, input_shape=(height, width, 1), n_classes=N_CLASSES))
    try:
        model.load_weights(weights_path)
    except (ValueError, KeyError) as exc:  # Keras reports layer-by-layer shape or count mismatches
        raise WeightsMismatch(" ".join(str(exc).split())[:300]) from None
    return model


def _no_tta(model: Any, images: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_on_batch(scale_images(images)))


def _flip_tta(model: Any, images: np.ndarray) -> np.ndarray:
    """Mean of the image's and its left-right mirror's softmax (the mirror's mapped back); one call."""
    both = np.asarray(model.predict_on_batch(scale_images(np.concatenate([images, images[:, :, ::-1]]))))
    plain, mirrored = both[:len(images)], both[len(images):]
    return (plain + mirrored[:, :, ::-1]) / 2


TTA: dict[str, Callable[[Any, np.ndarray], np.ndarray]] = {"none": _no_tta, "flip": _flip_tta}


def get_tta(name: str) -> Callable[[Any, np.ndarray], np.ndarray]:
    """The test-time augmentation `name`: (model, uint8 images) -> softmax; unknown names list the valid ones."""
    try:
        return TTA[name]
    except KeyError:
        raise ValueError(f"unknown test-time augmentation {name!r}; valid: {', '.join(TTA)}") from None


def _checked_weights(n: int, weights: Sequence[float] | None) -> np.ndarray:
    """`weights` as an array summing to 1 (None: equal weights)."""
    if n == 0:
        raise ValueError("an ensemble needs at least one model")
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"need {n} non-negative weights with a positive sum, got {weights!r}")
    return w / w.sum()


def weighted_probs(probs: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> np.ndarray:
    """The weighted mean (float32) of softmax maps of equal shape (None: equal weights)."""
    w = _checked_weights(len(probs), weights)
    total = None
    for p, wi in zip(probs, w):
        if wi > 0:  # a zero weight's map is never read (it may be a placeholder)
            part = wi * np.asarray(p, np.float64)
            total = part if total is None else total + part
    return np.asarray(total, np.float32)


def ensemble_probs(models: Sequence[Any], images: np.ndarray, tta: str = "none",
                   weights: Sequence[float] | None = None) -> np.ndarray:
    """Weighted mean softmax (B, H, W, 5) of `models` on uint8 `images` (B, H, W), each under `tta`
    (weights None: the plain mean; a zero weight skips its model)."""
    w = _checked_weights(len(models), weights)
    augment = get_tta(tta)
    return weighted_probs([augment(m, images) if wi > 0 else 0.0 for m, wi in zip(models, w)], w)


def predict_masks(models: Sequence[Any], images: np.ndarray, tta: str = "none",
                  foreground_only: bool = False, weights: Sequence[float] | None = None) -> np.ndarray:
    """uint8 labels (B, H, W): arg-max of `ensemble_probs` (over classes 1-4 with
    `foreground_only`, the course's background post-processing)."""
    from marsseg_models import predict_labels

    probs = ensemble_probs(models, images, tta, weights)
    return predict_labels(probs, foreground_only=foreground_only).astype(np.uint8)


def probs_miou(probs: np.ndarray, masks: np.ndarray, foreground_only: bool = False) -> float:
    """mIoU over the scored classes (`marsseg_models.mean_iou`) of the arg-max of `probs` against `masks`."""
    from marsseg_models import confusion_matrix, mean_iou, predict_labels

    return mean_iou(confusion_matrix(masks, predict_labels(probs, foreground_only=foreground_only)))


ENSEMBLE_ROUNDS = 20  # picks of greedy selection (with replacement), the first one included


@dataclass(frozen=True)
class Ensemble:
    """What `select_ensemble` chose: `picks[i]`, how often candidate i was picked (0: left out),
    the val mIoU of the weighted softmax, and each candidate's val mIoU alone."""

    picks: tuple[int, ...]
    val_miou: float
    single_mious: tuple[float, ...]

    @property
    def weights(self) -> tuple[float, ...]:
        """Each candidate's weight: its share of the picks (they sum to 1)."""
        return tuple(p / sum(self.picks) for p in self.picks)

    @property
    def best_single(self) -> int:
        """The index of the best candidate alone (the first pick)."""
        return int(np.argmax(self.single_mious))


def select_ensemble(val_probs: Sequence[np.ndarray], masks: np.ndarray, rounds: int = ENSEMBLE_ROUNDS,
                    foreground_only: bool = False) -> Ensemble:
    """Greedy ensemble selection with replacement (Caruana et al. 2004, as auto-sklearn does).

    `val_probs[i]`: candidate i's softmax on the validation images whose labels are `masks`.
    Start with the best single candidate; each round adds (again, possibly) the candidate whose
    addition gives the best val mIoU of the mean softmax; the result is the best ensemble over
    all rounds (on a tie the earlier, smaller one), so its val mIoU is never below the best
    candidate's. A candidate's weight is its share of the picks.
    """
    if not val_probs:
        raise ValueError("select_ensemble needs at least one candidate")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    singles = tuple(probs_miou(p, masks, foreground_only) for p in val_probs)
    first = int(np.argmax(singles))
    counts = np.zeros(len(val_probs), np.int64)
    counts[first] = 1
    total = np.asarray(val_probs[first], np.float32).copy()
    best_counts, best_score = counts.copy(), singles[first]
    for _ in range(rounds - 1 if len(val_probs) > 1 else 0):  # one candidate: nothing to add
        # the arg-max of a sum equals that of its mean: no division needed to score
        scores = [probs_miou(total + p, masks, foreground_only) for p in val_probs]
        pick = int(np.argmax(scores))
        counts[pick] += 1
        total += val_probs[pick]
        if scores[pick] > best_score:
            best_counts, best_score = counts.copy(), scores[pick]
    return Ensemble(tuple(int(c) for c in best_counts), float(best_score), singles)
