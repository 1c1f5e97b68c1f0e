"""A trial's inference model rebuilt from its stored configs and weights, and test-time
prediction: test-time augmentations (a registry) and the softmax average of several models.

Images go in as uint8 (B, H, W) and are scaled like the training pipeline (/255); every
function returns softmax probabilities (B, H, W, 5) or labels, never keeps more than a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from harness._configs import TrialConfigs
from harness.data import N_CLASSES


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


def _scaled(images: np.ndarray) -> np.ndarray:
    return images[..., None].astype(np.float32) / 255.0


def _no_tta(model: Any, images: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_on_batch(_scaled(images)))


def _flip_tta(model: Any, images: np.ndarray) -> np.ndarray:
    """Mean of the image's and its left-right mirror's softmax (the mirror's mapped back); one call."""
    both = np.asarray(model.predict_on_batch(_scaled(np.concatenate([images, images[:, :, ::-1]]))))
    plain, mirrored = both[:len(images)], both[len(images):]
    return (plain + mirrored[:, :, ::-1]) / 2


TTA: dict[str, Callable[[Any, np.ndarray], np.ndarray]] = {"none": _no_tta, "flip": _flip_tta}


def get_tta(name: str) -> Callable[[Any, np.ndarray], np.ndarray]:
    """The test-time augmentation `name`: (model, uint8 images) -> softmax; unknown names list the valid ones."""
    try:
        return TTA[name]
    except KeyError:
        raise ValueError(f"unknown test-time augmentation {name!r}; valid: {', '.join(TTA)}") from None


def ensemble_probs(models: Sequence[Any], images: np.ndarray, tta: str = "none") -> np.ndarray:
    """Mean softmax (B, H, W, 5) of `models` on uint8 `images` (B, H, W), each under `tta`."""
    if not models:
        raise ValueError("ensemble_probs needs at least one model")
    augment = get_tta(tta)
    total = augment(models[0], images).astype(np.float64)
    for model in models[1:]:
        total += augment(model, images)
    return (total / len(models)).astype(np.float32)


def predict_masks(models: Sequence[Any], images: np.ndarray, tta: str = "none",
                  foreground_only: bool = False) -> np.ndarray:
    """uint8 labels (B, H, W): arg-max of `ensemble_probs` (over classes 1-4 with
    `foreground_only`, the course's background post-processing)."""
    from marsseg_models import predict_labels

    return predict_labels(ensemble_probs(models, images, tta), foreground_only=foreground_only).astype(np.uint8)
