"""Refit: train a trial's configuration again on every image its search trained and
validated on, for a fixed number of epochs (its best epoch count), without validation."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from harness._configs import TrialConfigs
from harness._runtime import seed_everything


def refit_model(configs: TrialConfigs, data: Any, epochs: int, stop: Any = None) -> tuple[Any, int]:
    """(inference model, training images) of `configs` trained for `epochs` epochs on the
    train and validation images of `data` (a MarsData: pass the search split, never the
    held-out images). The learning rate follows the trial's schedule over the refit's own length:
    `cosine` and `onecycle` as they are, `timed` as `cosine` (a refit has epochs, no deadline),
    `plateau` stays at `configs.train.lr` (no validation loss to lower it on); the seed is the
    trial's, so a refit is reproducible."""
    import keras
    from marsseg_models import build_model, compile_model, inference_model

    from search_spaces import TIMED_SCHEDULE

    from harness._callbacks import StopOnSignal
    from harness._schedules import lr_schedule
    from harness.data import N_CLASSES, make_refit_dataset

    if epochs < 1:
        raise ValueError(f"refit needs at least 1 epoch, got {epochs}")
    keras.backend.clear_session()
    seed_everything(configs.train.seed)
    train_ds, n_images, share = make_refit_dataset(data, configs.data, configs.train.batch_size)
    if configs.train.steps_per_epoch is not None:
        train_ds = train_ds.repeat()
    height, width = data.image_shape
    model = build_model(configs.model, input_shape=(height, width, 1), n_classes=N_CLASSES)
    steps = configs.train.steps_per_epoch or math.ceil(n_images / configs.train.batch_size)
    schedule = "cosine" if configs.train.schedule == TIMED_SCHEDULE else configs.train.schedule
    lr = lr_schedule(dataclasses.replace(configs.train, max_epochs=epochs, schedule=schedule), steps)
    train_model = compile_model(model, configs.loss, lr=lr, weight_decay=configs.train.weight_decay,
                                class_pixel_share=share)
    history = train_model.fit(train_ds, epochs=epochs, steps_per_epoch=configs.train.steps_per_epoch, verbose=0,
                              shuffle=False, callbacks=[StopOnSignal(stop)] if stop is not None else [])
    last = history.history.get("loss", [math.nan])[-1]
    if not math.isfinite(last):
        raise ValueError(f"the refit's loss became NaN or infinite (last epoch: {last})")
    return inference_model(train_model), n_images
