"""The trial objective: params -> configs -> data, model, loss -> fit with early stopping and pruning."""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.common.attrs import (
    BEST_EPOCH,
    CONFUSION_MATRIX,
    EPOCHS_RUN,
    FAIL_REASON,
    N_PARAMS,
    PER_CLASS_IOU,
    PRECISION,
    PREDICTIONS_ARTIFACT,
    PRUNED_REASON,
    TRAIN_SECONDS,
    WEIGHTS_ARTIFACT,
    WORKER,
)
from harness._budgets import Budget
from harness._runtime import seed_everything, worker_id

_log = logging.getLogger("marsseg")

_INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)"


class TrialFailed(RuntimeError):
    """Training diverged (NaN loss) or otherwise cannot give a value."""


def _rejected(trial: Any, exc: ValueError) -> Exception:
    """Record why a config was rejected before training; the `TrialPruned` to raise."""
    import optuna

    trial.set_user_attr(PRUNED_REASON, f"invalid config: {exc}")
    trial.set_user_attr(EPOCHS_RUN, 0)
    return optuna.TrialPruned(f"invalid config: {exc}")


@dataclass
class Objective:
    """Callable objective for `study.optimize`; data are loaded once per worker.

    space: a `search_spaces.SearchSpace`; data: `harness.MarsData`; seed: study seed (data
    split), the trial seed is `seed + trial.number`; artifact_dir: filesystem artifact
    store for best weights and prediction previews (None: save nothing); stop: a
    `StopFlag` checked between batches.
    """

    space: Any
    data: Any
    budget: Budget
    seed: int = 0
    artifact_dir: str | None = None
    stop: Any = None  # a StopFlag: Ctrl-C / SIGTERM end the trial between batches
    precision: str | None = None

    def __call__(self, trial: Any) -> float:
        import optuna

        trial.set_user_attr(WORKER, worker_id())
        try:
            return self._run(trial)
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt:
            trial.set_user_attr(FAIL_REASON, _INTERRUPTED)
            raise
        except Exception as exc:
            if self.stop is not None and self.stop.is_set():  # interrupted inside TensorFlow
                trial.set_user_attr(FAIL_REASON, _INTERRUPTED)
                raise KeyboardInterrupt from exc
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            trial.set_user_attr(FAIL_REASON, reason)
            _log.warning("trial %d failed: %s", trial.number, reason)
            raise

    def _run(self, trial: Any) -> float:
        from harness._configs import configs_from_params

        params = self.space.suggest(trial)
        try:
            configs = configs_from_params(params, self.budget, seed=self.seed, trial_seed=self.seed + trial.number)
        except ValueError as exc:  # a combination the configs reject: not worth a FAIL
            raise _rejected(trial, exc) from None
        return self._train(trial, configs)

    def _train(self, trial: Any, configs: Any) -> float:
        import keras
        from marsseg_models import (VAL_MIOU, MeanIoU, build_model, compile_model, inference_model,
                                    precision_policy, resolve_precision)

        from harness._callbacks import EpochRecorder, LoudPruningCallback, StopOnSignal
        from harness.data import make_datasets

        keras.backend.clear_session()
        seed_everything(configs.train.seed)
        train_ds, val_ds, info = make_datasets(self.data, configs.data, configs.train.batch_size)
        if configs.train.steps_per_epoch is not None:
            train_ds = train_ds.repeat()
        height, width = self.data.image_shape
        precision = resolve_precision(self.precision)
        trial.set_user_attr(PRECISION, precision)
        with precision_policy(precision):  # layers keep their policy; the global one is restored
            try:
                model = build_model(configs.model, input_shape=(height, width, 1), n_classes=5)
            except ValueError as exc:  # a combination the builders reject
                raise _rejected(trial, exc) from None
            trial.set_user_attr(N_PARAMS, int(model.count_params()))
            train_model = compile_model(model, configs.loss, lr=configs.train.lr,
                                        weight_decay=configs.train.weight_decay, class_pixel_share=info.class_share)
        recorder = EpochRecorder(VAL_MIOU, MeanIoU)
        callbacks = [
            recorder,
            keras.callbacks.EarlyStopping(monitor=VAL_MIOU, mode="max", patience=configs.train.patience,
                                          restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=configs.train.lr_factor,
                                              patience=configs.train.lr_patience, min_lr=1e-6),
            LoudPruningCallback(trial, VAL_MIOU),
        ]
        if self.stop is not None:
            callbacks.append(StopOnSignal(self.stop))
        start = time.perf_counter()
        try:
            train_model.fit(train_ds, validation_data=val_ds, epochs=configs.train.max_epochs,
                            steps_per_epoch=configs.train.steps_per_epoch, callbacks=callbacks, verbose=0,
                            shuffle=False)  # the pipeline shuffles
        finally:
            self._record(trial, recorder, time.perf_counter() - start)
        if recorder.nan_epoch is not None:
            raise TrialFailed(f"loss became NaN or infinite at epoch {recorder.nan_epoch}")
        if recorder.best_epoch < 0:
            logged = sorted(recorder.history[-1]) if recorder.history else []
            raise TrialFailed(f"{VAL_MIOU} was never logged (logged: {logged})")
        if recorder.best_confusion is not None:
            trial.set_user_attr(CONFUSION_MATRIX, recorder.best_confusion.tolist())
        if self.artifact_dir:
            self._save_artifacts(trial, inference_model(train_model), info)
        return float(recorder.best_value)

    @staticmethod
    def _record(trial: Any, recorder: Any, seconds: float) -> None:
        from marsseg_models import per_class_iou

        trial.set_user_attr(EPOCHS_RUN, len(recorder.history))
        trial.set_user_attr(BEST_EPOCH, int(recorder.best_epoch))
        trial.set_user_attr(TRAIN_SECONDS, round(float(seconds), 3))
        if recorder.best_confusion is not None:
            ious = per_class_iou(recorder.best_confusion)
            trial.set_user_attr(PER_CLASS_IOU, {k: (None if math.isnan(v) else round(v, 6)) for k, v in ious.items()})

    def _save_artifacts(self, trial: Any, model: Any, info: Any) -> None:
        from marsseg_models import predict_labels
        from optuna.artifacts import FileSystemArtifactStore, upload_artifact

        Path(self.artifact_dir).mkdir(parents=True, exist_ok=True)
        store = FileSystemArtifactStore(self.artifact_dir)
        k = min(self.budget.n_preview, len(info.val_images))
        images, masks = info.val_images[:k], info.val_masks[:k]
        probs = model.predict(images[..., None].astype("float32") / 255.0, verbose=0)
        preds = predict_labels(probs).astype(np.uint8)
        with tempfile.TemporaryDirectory() as tmp:
            weights = Path(tmp) / f"trial{trial.number}.weights.h5"
            model.save_weights(weights)
            trial.set_user_attr(WEIGHTS_ARTIFACT, upload_artifact(
                artifact_store=store, file_path=str(weights), study_or_trial=trial))
            preview = Path(tmp) / f"trial{trial.number}_predictions.npz"
            np.savez_compressed(preview, images=images, masks=masks, preds=preds)
            trial.set_user_attr(PREDICTIONS_ARTIFACT, upload_artifact(
                artifact_store=store, file_path=str(preview), study_or_trial=trial))
