"""Learning-rate schedules (`train.schedule`): each LR curve against its closed-form formula,
both as a schedule object and as the optimizer's LR at every step of a real (tiny) trial."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness import TrainConfig, TrialConfigs
from harness.data import DataConfig, synthesize
from marsseg_models import LossConfig, ModelConfig

LR = 2e-3


def cosine_formula(step: int, total: int, lr: float = LR) -> float:
    """Linear warm-up from 0 over 5% of the steps (at least 1), then cosine to 1% of lr at `total`."""
    warmup = max(1, int(0.05 * total))
    if step < warmup:
        return lr * step / warmup
    t = min(step - warmup, total - warmup) / (total - warmup)
    return lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))


def onecycle_formula(step: int, total: int, lr: float = LR) -> float:
    """Cosine from lr/25 up to lr over 30% of the steps, then cosine down to lr/25/1e4 at `total`."""
    start, end = lr / 25, lr / 25 / 1e4
    rise = min(max(1, round(0.3 * total)), total - 1)
    step = min(step, total)
    if step < rise:
        return start + (lr - start) * (1 - math.cos(math.pi * step / rise)) / 2
    return end + (lr - end) * (1 + math.cos(math.pi * (step - rise) / (total - rise))) / 2


FORMULAS = {"cosine": cosine_formula, "onecycle": onecycle_formula}


@pytest.mark.parametrize("schedule", list(FORMULAS))
def test_schedule_matches_its_formula_at_every_phase(schedule: str) -> None:
    from harness import lr_schedule

    epochs, steps_per_epoch = 8, 25  # 200 steps: warm-up 10 (cosine), rise 60 (one-cycle)
    total = epochs * steps_per_epoch
    sched = lr_schedule(TrainConfig(lr=LR, max_epochs=epochs, schedule=schedule), steps_per_epoch)
    for step in (0, 1, 5, 9, 10, 11, 59, 60, 61, 100, 150, 199, 200, 260):
        assert float(sched(step)) == pytest.approx(FORMULAS[schedule](step, total), rel=1e-5, abs=1e-10), step
    values = [float(sched(s)) for s in range(total)]
    peak = int(np.argmax(values))
    assert values[peak] == pytest.approx(LR, rel=1e-4)
    assert peak == (10 if schedule == "cosine" else 60)


def test_plateau_is_the_constant_lr() -> None:
    from harness import lr_schedule

    assert lr_schedule(TrainConfig(lr=LR, schedule="plateau"), 7) == LR


def _tiny_configs(schedule: str, epochs: int, lr: float = LR) -> TrialConfigs:
    return TrialConfigs(model=ModelConfig(family="unet", base_filters=4, depth=2),
                        loss=LossConfig(),
                        data=DataConfig(geometric=False, max_train_images=16, max_val_images=8, seed=0),
                        train=TrainConfig(lr=lr, batch_size=4, max_epochs=epochs, steps_per_epoch=3, patience=5,
                                          lr_patience=1, lr_factor=0.5, seed=0, schedule=schedule))


PLATEAU_LR = 0.5  # high enough that the tiny trial's val loss rises in 6 epochs (a reduction to check); at
# 0.2 it fell 4 epochs in a row in float32 on a Xeon with AMX


def _plateau_lrs(val_losses: list[float], epochs: int, steps: int) -> list[float]:
    """ReduceLROnPlateau's rule (min_delta 1e-4, cooldown 0): lr x factor after `lr_patience` (1)
    epochs without a new best val loss; the LR of every step."""
    lr, best, lrs = PLATEAU_LR, math.inf, []
    for epoch in range(epochs):
        lrs += [lr] * steps
        if val_losses[epoch] < best - 1e-4:
            best = val_losses[epoch]
        else:
            lr = max(lr * 0.5, 1e-6)
    return lrs


@pytest.mark.parametrize("schedule", ["plateau", "cosine", "onecycle"])
def test_a_trial_trains_with_its_schedule_at_every_step(schedule: str) -> None:
    import keras

    from harness._training import train

    seen: list[float] = []

    class RecordLR(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None) -> None:
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    epochs, steps = 6, 3
    lr = PLATEAU_LR if schedule == "plateau" else LR
    result = train(_tiny_configs(schedule, epochs, lr), synthesize(n_train=30, n_test=0, seed=4),
                   callbacks=[RecordLR()])
    assert len(result.recorder.history) == epochs and len(seen) == epochs * steps
    if schedule == "plateau":
        expected = _plateau_lrs([h["val_loss"] for h in result.recorder.history], epochs, steps)
        assert min(expected) < PLATEAU_LR  # the val loss rose once: a reduction is checked
    else:
        expected = [FORMULAS[schedule](s, epochs * steps) for s in range(epochs * steps)]
    np.testing.assert_allclose(seen, expected, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("schedule", ["cosine", "timed", "plateau"])
def test_a_refit_follows_the_trials_schedule_over_its_own_length(schedule: str) -> None:
    import keras

    from harness import refit_model

    model, _ = refit_model(_tiny_configs(schedule, epochs=9), synthesize(n_train=30, n_test=0, seed=4), epochs=2)
    lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    # 2 epochs of 3 steps: cosine (and timed, refit as cosine) end at 1% of the peak; plateau stays
    expected = LR if schedule == "plateau" else cosine_formula(6, 6)
    assert lr == pytest.approx(expected, rel=1e-5)
