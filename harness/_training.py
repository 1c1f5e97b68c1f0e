"""One trial's training, shared by both engines: the Optuna objective and the KerasTuner HyperModel.

`build(configs, image_shape)` builds the model to fit (seeded, after a fresh Keras session);
`train(configs, data, ...)` makes the datasets, compiles, and fits it with the recorder,
early stopping and the learning-rate schedule (`harness._schedules`; ReduceLROnPlateau for
`plateau`), plus the caller's callbacks (Optuna's pruning callback, KerasTuner's
checkpointing). Neither knows Optuna or KerasTuner.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness._runtime import seed_everything
from harness.data import N_CLASSES


class TrialFailed(RuntimeError):
    """Training diverged (NaN loss) or otherwise cannot give a value."""


class ConfigRejected(ValueError):
    """The model builders reject this combination of configs (no training happened)."""


@dataclass(frozen=True)
class TrainResult:
    """What one fit leaves: the fitted model, the epoch recorder, the data info, the seconds."""

    model: Any
    recorder: Any
    info: Any
    seconds: float

    @property
    def best_value(self) -> float:
        return float(self.recorder.best_value)


def build(configs: Any, image_shape: tuple[int, int], precision: str | None = None) -> Any:
    """The model to fit (its training wrapper when it has auxiliary heads), seeded by the trial
    seed, its layers in `precision` (None: `marsseg_models.resolve_precision()`, i.e.
    `$MARSSEG_PRECISION`, else auto), so both engines build in the same precision."""
    import keras
    from marsseg_models import build_model, precision_policy, resolve_precision, training_model

    keras.backend.clear_session()
    seed_everything(configs.train.seed)
    height, width = image_shape
    try:
        with precision_policy(resolve_precision(precision)):  # layers keep their policy; the global is restored
            return training_model(build_model(configs.model, input_shape=(height, width, 1), n_classes=N_CLASSES))
    except ValueError as exc:
        raise ConfigRejected(str(exc)) from None


def train(configs: Any, data: Any, *, model: Any = None, callbacks: Sequence[Any] = (), stop: Any = None,
          epochs: int | None = None, initial_epoch: int = 0, on_built: Callable[[Any], None] | None = None,
          on_end: Callable[[Any, float], None] | None = None, precision: str | None = None) -> TrainResult:
    """Fit one trial's model on `data` as `configs` say; raises TrialFailed on NaN or a missing metric.

    model: an already built model (KerasTuner builds it, or restores it for Hyperband);
    None builds it here. epochs / initial_epoch: KerasTuner's Hyperband resumes a model
    (default: `configs.train.max_epochs` from 0). on_built(model) runs before fitting,
    on_end(recorder, seconds) after it, also when a callback (pruning) ends the fit; the model
    then holds its best epoch's weights, as after a finished fit.
    precision: the model's and the optimizer's precision (float16 adds loss scaling; None: resolved as in `build`).
    """
    import keras
    from marsseg_models import VAL_MIOU, MeanIoU, compile_model, precision_policy, resolve_precision

    from harness._callbacks import EpochRecorder, StopOnSignal
    from harness._schedules import lr_schedule
    from harness.data import make_datasets

    precision = resolve_precision(precision)
    if model is None:
        model = build(configs, data.image_shape, precision)
    seed_everything(configs.train.seed)
    train_ds, val_ds, info = make_datasets(data, configs.data, configs.train.batch_size)
    if configs.train.steps_per_epoch is not None:
        train_ds = train_ds.repeat()
    if on_built is not None:
        on_built(model)
    steps = configs.train.steps_per_epoch or math.ceil(info.n_train / configs.train.batch_size)
    with precision_policy(precision):
        fit_model = compile_model(model, configs.loss, lr=lr_schedule(configs.train, steps),
                                  weight_decay=configs.train.weight_decay, class_pixel_share=info.class_share)
    recorder = EpochRecorder(VAL_MIOU, MeanIoU)
    stopper = keras.callbacks.EarlyStopping(monitor=VAL_MIOU, mode="max", patience=configs.train.patience,
                                            restore_best_weights=True)
    all_callbacks = [recorder, stopper]
    if configs.train.schedule == "plateau":
        all_callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=configs.train.lr_factor,
                                                               patience=configs.train.lr_patience, min_lr=1e-6))
    all_callbacks.extend(callbacks)
    if stop is not None:
        all_callbacks.append(StopOnSignal(stop))
    start = time.perf_counter()
    try:
        fit_model.fit(train_ds, validation_data=val_ds, epochs=epochs or configs.train.max_epochs,
                      initial_epoch=initial_epoch, steps_per_epoch=configs.train.steps_per_epoch,
                      callbacks=all_callbacks, verbose=0, shuffle=False)  # the pipeline shuffles
    except BaseException:
        # Pruned (or interrupted) out of `fit`: `on_train_end` never ran, so restore the best
        # epoch's weights here, as a finished fit does; the caller may still save them.
        if stopper.best_weights is not None:
            fit_model.set_weights(stopper.best_weights)
        raise
    finally:
        if on_end is not None:
            on_end(recorder, time.perf_counter() - start)
    if recorder.nan_epoch is not None:
        raise TrialFailed(f"loss became NaN or infinite at epoch {recorder.nan_epoch}")
    if recorder.best_epoch < 0:
        logged = sorted(recorder.history[-1]) if recorder.history else []
        raise TrialFailed(f"{VAL_MIOU} was never logged (logged: {logged})")
    return TrainResult(fit_model, recorder, info, time.perf_counter() - start)
