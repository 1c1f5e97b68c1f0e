"""Training-side glue the trial harness calls, so compile details live with the models.

- `compile_model(model, loss_config, lr=..., weight_decay=...)` returns the model to `fit`:
  AdamW, the combined loss on every output, `MeanIoU` (named `miou`, so `val_miou` is
  logged) on the main output. A model with auxiliary heads is wrapped so that its heads are
  concatenated into one (H, W, 5 * k) tensor: the dataset keeps yielding plain
  `(image, mask)` pairs, no target expansion needed, and the metric names stay unprefixed.
  The wrapper shares the layers (and weights) of `model`.
- `inference_model(model)` returns the single-output model (main head "mask") of a built or
  compiled model, sharing its weights; use it for prediction and to save best weights.
- `default_jit_compile()`: XLA off on CPU, where it measured slower; Keras' "auto" on GPU.
- `evaluate_confusion(model, dataset)` is the 5x5 confusion matrix of a model on a dataset.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from marsseg_models._loss_config import LossConfig
from marsseg_models._losses import build_loss
from marsseg_models._metrics import MeanIoU
from marsseg_models._scoring import confusion_matrix, predict_labels

MAIN_OUTPUT = "mask"
# benchmarks/bench_models.py on the 2-core CPU (BENCHMARKS.md): XLA was slower
# for every family (7-16 % on an idle machine) and added 4-7 s of warm-up to every trial.
CPU_JIT_COMPILE = False


def default_jit_compile() -> bool | str:
    """`CPU_JIT_COMPILE` on CPU; Keras' own "auto" when a GPU is visible."""
    import tensorflow as tf

    return "auto" if tf.config.list_physical_devices("GPU") else CPU_JIT_COMPILE


def n_outputs(model: keras.Model) -> int:
    """Number of softmax heads of a built model (1 for a single-head model)."""
    return len(model.outputs)


def training_model(model: keras.Model) -> keras.Model:
    """`model` itself, or for several heads a wrapper concatenating them on the channel axis."""
    if n_outputs(model) == 1:
        return model
    stacked = keras.layers.Concatenate(axis=-1, name="stacked_heads", dtype="float32")(list(model.outputs))
    return keras.Model(model.input, stacked, name=f"{model.name}_train")


def inference_model(model: keras.Model) -> keras.Model:
    """The single-output model (main head) of `model` or of its training wrapper."""
    if n_outputs(model) == 1 and model.outputs[0].shape[-1] == model.get_layer(MAIN_OUTPUT).output.shape[-1]:
        return model
    return keras.Model(model.input, model.get_layer(MAIN_OUTPUT).output, name=model.name.removesuffix("_train"))


def compile_model(
    model: keras.Model,
    loss_config: LossConfig,
    *,
    lr: float,
    weight_decay: float,
    class_pixel_share: Sequence[float] | None = None,
    jit_compile: bool | str | None = None,
    foreground_only: bool = False,
    build_optimizer: bool = True,
) -> keras.Model:
    """Compile (a training wrapper of) `model` with AdamW, the combined loss and `miou`; return it.

    build_optimizer: create AdamW's slot variables now. Keras' TensorFlow backend otherwise
    creates them inside the first traced step, and TensorFlow then traces the step twice:
    5-6 s of every trial's warm-up (BENCHMARKS.md). False keeps Keras' default.
    """
    n_classes = model.get_layer(MAIN_OUTPUT).output.shape[-1]
    train = training_model(model)
    train.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=lr, weight_decay=weight_decay),
        loss=build_loss(loss_config, class_pixel_share, n_classes),
        metrics=[MeanIoU(n_classes, foreground_only=foreground_only)],
        jit_compile=default_jit_compile() if jit_compile is None else jit_compile,
    )
    if build_optimizer:
        train.optimizer.build(train.trainable_variables)
    return train


def evaluate_confusion(model: keras.Model, dataset, *, foreground_only: bool = False) -> np.ndarray:
    """Confusion matrix (rows truth, columns prediction) of the main head over `(image, mask)` batches."""
    infer = inference_model(model)
    n_classes = infer.outputs[0].shape[-1]
    total = np.zeros((n_classes, n_classes), dtype=np.int64)
    for images, masks in dataset:
        probs = infer(images, training=False)
        total += confusion_matrix(np.asarray(masks), predict_labels(np.asarray(probs), foreground_only), n_classes)
    return total
