"""Names of the user attributes every trial carries (ARCHITECTURE.md, "Trials").

The objective writes them; `studies` and `reports` read them. One place, so a rename
cannot silently split writer and readers.
"""

from __future__ import annotations

PER_CLASS_IOU = "per_class_iou"
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"
TRAIN_SECONDS = "train_seconds"
N_PARAMS = "n_params"
WORKER = "worker"
CONFUSION_MATRIX = "confusion_matrix"
WEIGHTS_ARTIFACT = "weights_artifact_id"
PREDICTIONS_ARTIFACT = "predictions_artifact_id"
FAIL_REASON = "fail_reason"
PRUNED_REASON = "pruned_reason"
PRECISION = "precision"

ATTR_NAMES = (PER_CLASS_IOU, EPOCHS_RUN, BEST_EPOCH, TRAIN_SECONDS, N_PARAMS, WORKER, CONFUSION_MATRIX,
              WEIGHTS_ARTIFACT, PREDICTIONS_ARTIFACT, FAIL_REASON, PRUNED_REASON, PRECISION)
