"""marsseg model zoo: configs, builders, losses and the mIoU metric.

Build: `build_model(ModelConfig(family="unet", ...))` -> keras.Model, softmax (H, W, 5) named
"mask" (plus auxiliary heads with `deep_supervision`). `FAMILIES` maps family names to
builders; `TABLE1` holds the course report's seven networks and their published mIoU.
Train: `compile_model(model, LossConfig(...), lr=..., weight_decay=...)` returns the model to
fit on `(image float32 (B,H,W,1), mask int32 (B,H,W))` batches; it logs `miou`/`val_miou`
(`VAL_MIOU`). `inference_model` gives the single-output model; `evaluate_confusion`,
`per_class_iou` and `mean_iou` score it. See each private module's docstring for details.
"""

from marsseg_models._compile import (
    compile_model,
    default_jit_compile,
    evaluate_confusion,
    inference_model,
    n_outputs,
    training_model,
)
from marsseg_models._config import BOTTLENECKS, DROPOUT_PLACEMENTS, FAMILY_NAMES, NORMALIZATIONS, ModelConfig
from marsseg_models._losses import CLASS_WEIGHTINGS, LossConfig, SegmentationLoss, build_loss, class_weights
from marsseg_models._metrics import (
    CLASS_NAMES,
    MIOU,
    SCORED_CLASSES,
    VAL_MIOU,
    MeanIoU,
    confusion_matrix,
    iou_per_class,
    mean_iou,
    per_class_iou,
    predict_labels,
)
from marsseg_models._registry import FAMILIES, build_model
from marsseg_models._table1 import TABLE1, Table1Entry

__all__ = [
    "BOTTLENECKS",
    "CLASS_NAMES",
    "CLASS_WEIGHTINGS",
    "DROPOUT_PLACEMENTS",
    "FAMILIES",
    "FAMILY_NAMES",
    "MIOU",
    "NORMALIZATIONS",
    "SCORED_CLASSES",
    "TABLE1",
    "VAL_MIOU",
    "LossConfig",
    "MeanIoU",
    "ModelConfig",
    "SegmentationLoss",
    "Table1Entry",
    "build_loss",
    "build_model",
    "class_weights",
    "compile_model",
    "confusion_matrix",
    "default_jit_compile",
    "evaluate_confusion",
    "inference_model",
    "iou_per_class",
    "mean_iou",
    "n_outputs",
    "per_class_iou",
    "predict_labels",
    "training_model",
]
