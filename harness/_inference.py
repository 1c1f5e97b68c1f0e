"""A trial's inference model rebuilt from its stored configs and weights, and test-time
prediction: test-time augmentations (a registry), the (weighted) softmax average of several
models, greedy ensemble selection on a validation split (`select_ensemble`), and per-class
offsets of the decision rule fitted on that split (`fit_class_bias`).

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
                  foreground_only: bool = False, weights: Sequence[float] | None = None,
                  class_bias: Sequence[float] | None = None) -> np.ndarray:
    """uint8 labels (B, H, W): arg-max of `ensemble_probs` (over classes 1-4 with
    `foreground_only`, the course's background post-processing; `class_bias`: `fit_class_bias`'s offsets)."""
    from marsseg_models import predict_labels

    probs = ensemble_probs(models, images, tta, weights)
    return predict_labels(probs, foreground_only=foreground_only, class_bias=class_bias).astype(np.uint8)


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


BIAS_GRID: tuple[float, ...] = tuple(float(v) for v in np.arange(-2.0, 2.001, 0.25))  # offsets tried per class
BIAS_SWEEPS = 3  # coordinate-ascent sweeps over the scored classes (fewer once a sweep moves none)


@dataclass(frozen=True)
class ClassBias:
    """What `fit_class_bias` found: the offset of each class (added to the log-probabilities before
    the arg-max), and the val mIoU with and without them."""

    offsets: tuple[float, ...]
    val_miou: float
    plain_miou: float

    @property
    def used(self) -> bool:
        """Whether any offset moved: otherwise the plain arg-max is as good on val."""
        return any(self.offsets)


def fit_class_bias(probs: np.ndarray, masks: np.ndarray, foreground_only: bool = False,
                   grid: Sequence[float] = BIAS_GRID, sweeps: int = BIAS_SWEEPS) -> ClassBias:
    """Per-class offsets to the log-probabilities that raise the val mIoU of the arg-max.

    mIoU rewards a rare class's recall more than a softmax trained on pixel counts gives it (big
    rock: BENCHMARKS.md), so a shift of the decision rule, fitted on the validation split, pays.
    Coordinate ascent: for each scored class in turn, the best offset on `grid` with the others
    fixed (background stays 0: only differences count), until a sweep moves none or after `sweeps`.
    The val mIoU never falls: an offset is kept only where it raises it.
    """
    from marsseg_models import SCORED_CLASSES, confusion_matrix, log_probs, mean_iou

    logp = log_probs(probs).reshape(-1, N_CLASSES)
    if foreground_only:
        logp[:, 0] = -np.inf
    truth = np.asarray(masks, np.int64).ravel()
    rows = np.arange(len(logp))
    offsets = np.zeros(N_CLASSES, np.float32)
    plain = best = mean_iou(confusion_matrix(truth, np.argmax(logp, axis=1)))
    for _ in range(sweeps):
        moved = False
        for c in SCORED_CLASSES:
            others = logp + offsets
            others[:, c] = -np.inf
            rival = np.argmax(others, axis=1)
            rival_score = others[rows, rival]
            for value in grid:  # the arg-max of logp + offsets with class c's offset at `value`
                score = mean_iou(confusion_matrix(truth, np.where(logp[:, c] + value > rival_score, c, rival)))
                if score > best + 1e-9:
                    best, offsets[c], moved = score, value, True
        if not moved:
            break
    return ClassBias(tuple(float(o) for o in offsets), float(best), float(plain))
