"""Score a finished trial on the held-out split: rebuild its model from the stored configs,
load its best weights, predict, and compute the NumPy confusion matrix and mean IoU (the
same definition as `val_miou`). `split_record` is what a score keeps for its interval over
photographs; the objective stores it for the val split too (`attrs.VAL_SCORE`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from harness._configs import TrialConfigs
from harness._inference import load_inference_model


def score_heldout(configs: TrialConfigs, weights_path: str, heldout: Any, batch_size: int = 64) -> dict[str, Any]:
    """{"miou", "per_class_iou", "n_images", "confusion_matrix"} of the weights on `heldout` (a MarsData), and
    what its 95% interval over photographs and paired comparisons need (`harness.analytics.interval_record`)."""
    import keras

    from harness.data import scale_images
    from marsseg_models import confusion_matrix, mean_iou, per_class_iou, predict_labels

    if heldout.n_train == 0:
        raise ValueError("the held-out split is empty")
    keras.backend.clear_session()
    model = load_inference_model(configs, weights_path, heldout.image_shape)
    probs = model.predict(scale_images(heldout.images), batch_size=batch_size, verbose=0)
    labels = predict_labels(probs)
    cm = confusion_matrix(heldout.masks, labels)
    per_class = {k: (None if np.isnan(v) else round(float(v), 6)) for k, v in per_class_iou(cm).items()}
    return {"miou": round(mean_iou(cm), 6), "per_class_iou": per_class, "n_images": int(heldout.n_train),
            "confusion_matrix": cm.tolist(), **split_record(heldout.images, heldout.masks, labels)}


def split_record(images: np.ndarray, masks: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """The interval fields of a score (`harness.analytics.interval_record`) of predicted `labels` on a
    split's `images` and `masks`, its units the split's photographs (`harness.data.scene_ids`)."""
    from harness.analytics import image_confusions, images_digest, interval_record
    from harness.data import scene_ids

    return interval_record(image_confusions(masks, labels), scene_ids(images, masks), images_digest(images, masks))
