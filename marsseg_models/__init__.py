"""marsseg model zoo: configs, builders, losses and the mIoU metric.

Build: `build_model(ModelConfig(family="unet", ...))` -> keras.Model, softmax (H, W, 5) named
"mask", plus auxiliary heads with `deep_supervision` (and, always, the serial Double U-Net's
first-network head "stage1"). `FAMILIES` maps family names to
builders (`FAMILY_LABELS` their report names); `TABLE1` holds the course report's seven
networks and their published mIoU, `COURSE_LOSS` the loss they were trained with.
Train: `compile_model(model, LossConfig(...), lr=..., weight_decay=...)` returns the model to
fit on `(image float32 (B,H,W,1), mask int32 (B,H,W))` batches; it logs `miou`/`val_miou`
(`VAL_MIOU`). `inference_model` gives the single-output model; `evaluate_confusion`,
`per_class_iou` and `mean_iou` score it.

The package is also the base every other package builds on: `MarssegError` (the one type of
user-caused error) and `lazy_exports` (PEP 562) live here, so no package below `harness`
imports it. Configs and `TABLE1` are plain data and import eagerly; everything that needs Keras
is imported on first use (PEP 562), so `from marsseg_models import TABLE1, ModelConfig`
never starts TensorFlow. See each private module's docstring for details.
"""

from __future__ import annotations

from marsseg_models._errors import MarssegError
from marsseg_models._lazy import lazy_exports
from marsseg_models._config import BOTTLENECKS, DROPOUT_PLACEMENTS, FAMILY_LABELS, FAMILY_NAMES, NORMALIZATIONS, ModelConfig
from marsseg_models._loss_config import CLASS_WEIGHTINGS, DICE_VARIANTS, LossConfig, class_weights
from marsseg_models._scoring import (
    CLASS_COLORS,
    CLASS_NAMES,
    MIOU,
    SCORED_CLASSES,
    VAL_MIOU,
    confusion_matrix,
    ious_from_confusion,
    log_probs,
    mean_iou,
    per_class_iou,
    predict_labels,
)
from marsseg_models._precision import (
    PRECISION_CHOICES,
    PRECISION_ENV,
    PRECISIONS,
    auto_precision,
    bfloat16_emulated,
    check_precision,
    cpu_flags,
    precision_policy,
    resolve_precision,
)
from marsseg_models._table1 import COURSE_LOSS, TABLE1, TABLE1_ARCH_FIELDS, Table1Entry

_LAZY = {
    "FAMILIES": "marsseg_models._registry",
    "MeanIoU": "marsseg_models._metrics",
    "SegmentationLoss": "marsseg_models._losses",
    "build_loss": "marsseg_models._losses",
    "build_model": "marsseg_models._registry",
    "compile_model": "marsseg_models._compile",
    "default_jit_compile": "marsseg_models._compile",
    "evaluate_confusion": "marsseg_models._compile",
    "forward_gflop": "marsseg_models._flops",
    "inference_model": "marsseg_models._compile",
    "n_outputs": "marsseg_models._compile",
    "training_model": "marsseg_models._compile",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "MarssegError",
    "lazy_exports",
    "BOTTLENECKS",
    "CLASS_COLORS",
    "CLASS_NAMES",
    "CLASS_WEIGHTINGS",
    "COURSE_LOSS",
    "DICE_VARIANTS",
    "DROPOUT_PLACEMENTS",
    "FAMILIES",
    "FAMILY_LABELS",
    "FAMILY_NAMES",
    "MIOU",
    "NORMALIZATIONS",
    "PRECISIONS",
    "PRECISION_CHOICES",
    "PRECISION_ENV",
    "SCORED_CLASSES",
    "TABLE1",
    "TABLE1_ARCH_FIELDS",
    "VAL_MIOU",
    "LossConfig",
    "MeanIoU",
    "ModelConfig",
    "SegmentationLoss",
    "Table1Entry",
    "auto_precision",
    "bfloat16_emulated",
    "build_loss",
    "build_model",
    "check_precision",
    "forward_gflop",
    "cpu_flags",
    "class_weights",
    "compile_model",
    "confusion_matrix",
    "default_jit_compile",
    "evaluate_confusion",
    "inference_model",
    "ious_from_confusion",
    "log_probs",
    "mean_iou",
    "n_outputs",
    "per_class_iou",
    "predict_labels",
    "precision_policy",
    "resolve_precision",
    "training_model",
]
