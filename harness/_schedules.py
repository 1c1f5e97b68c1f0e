"""Learning-rate schedules of a trial (`TrainConfig.schedule`, `search_spaces.SCHEDULES`).

The length of `cosine` and `onecycle` is fixed when the trial starts: `max_epochs` epochs of
`steps_per_epoch` optimizer steps (the budget's, or `marsseg train --epochs`). Early stopping
or a pruner may end the trial before the schedule ends; a continued step count stays at the
schedule's last value.

- `plateau`: `lr`, lowered by ReduceLROnPlateau on val loss (`lr_factor` after `lr_patience`
  epochs without improvement); the callback lives in `harness._training`.
- `cosine`: linear warm-up from 0 to `lr` over `COSINE_WARMUP` of the steps, then cosine decay
  to `COSINE_FINAL * lr` at the last step (Keras' `CosineDecay` with `warmup_steps`/`warmup_target`).
- `onecycle`: cosine rise from `lr / ONECYCLE_DIV` to `lr` over `ONECYCLE_PEAK_AT` of the steps,
  then cosine fall to `lr / ONECYCLE_DIV / ONECYCLE_FINAL_DIV` (PyTorch's `OneCycleLR` defaults).
- `timed`: warm-up, stable, decay over wall-clock time instead of steps, from when training
  starts to the trial's deadline (`TimedSchedule`, set before each batch): linear warm-up over
  `TIMED_WARMUP` of the time, `lr` until the last `TIMED_DECAY` of it, then cosine decay to
  `COSINE_FINAL * lr` at the deadline. A run that only a time limit ends (`marsseg train
  --timeout`) anneals at its end whatever the machine's speed (warm-up-stable-decay, Hägele
  et al. 2024). Measured once each for 30 minutes of a U-Net on 2 cores, this shape and a
  cosine over the whole time both scored below ReduceLROnPlateau (BENCHMARKS.md, "How good is
  a search at equal time?"), so nothing uses it by default.

This module imports Keras at import time; `harness._training` imports it only when a trial trains.
"""

from __future__ import annotations

import math
from typing import Any

import keras

COSINE_WARMUP = 0.05  # share of the steps spent warming up
COSINE_FINAL = 0.01  # last LR as a share of the peak
ONECYCLE_PEAK_AT = 0.3  # share of the steps spent rising
ONECYCLE_DIV = 25.0  # peak / first LR
ONECYCLE_FINAL_DIV = 1e4  # first LR / last LR
TIMED_WARMUP = 0.02  # share of the time spent warming up (`timed`)
TIMED_DECAY = 0.2  # share of the time, at its end, spent decaying (`timed`)


class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """One-cycle: cosine from `peak / div` up to `peak` at step `rise_steps`, then cosine down to
    `peak / div / final_div` at `total_steps` (held there after)."""

    def __init__(self, peak: float, total_steps: int, peak_at: float = ONECYCLE_PEAK_AT, div: float = ONECYCLE_DIV,
                 final_div: float = ONECYCLE_FINAL_DIV) -> None:
        super().__init__()
        if total_steps < 2:
            raise ValueError(f"one-cycle needs at least 2 steps, got {total_steps}")
        if not 0.0 < peak_at < 1.0:
            raise ValueError(f"peak_at must lie in (0, 1), got {peak_at}")
        self.peak, self.total_steps, self.peak_at = float(peak), int(total_steps), float(peak_at)
        self.div, self.final_div = float(div), float(final_div)
        self.rise_steps = min(max(1, round(peak_at * total_steps)), total_steps - 1)

    def __call__(self, step: Any) -> Any:
        from keras import ops

        start, end = self.peak / self.div, self.peak / self.div / self.final_div
        step = ops.minimum(ops.cast(step, "float32"), float(self.total_steps))
        rise = ops.minimum(step / self.rise_steps, 1.0)
        fall = ops.maximum(step - self.rise_steps, 0.0) / (self.total_steps - self.rise_steps)
        up = start + (self.peak - start) * (1.0 - ops.cos(math.pi * rise)) / 2.0
        down = end + (self.peak - end) * (1.0 + ops.cos(math.pi * fall)) / 2.0
        return ops.where(step < self.rise_steps, up, down)

    def get_config(self) -> dict[str, Any]:
        return {"peak": self.peak, "total_steps": self.total_steps, "peak_at": self.peak_at, "div": self.div,
                "final_div": self.final_div}


def timed_fraction(fraction: float) -> float:
    """The `timed` schedule's LR, as a share of the peak, at `fraction` of the time (clipped to [0, 1])."""
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction < TIMED_WARMUP:
        return fraction / TIMED_WARMUP
    if fraction <= 1.0 - TIMED_DECAY:
        return 1.0
    fall = (fraction - (1.0 - TIMED_DECAY)) / TIMED_DECAY
    return COSINE_FINAL + (1.0 - COSINE_FINAL) * (1.0 + math.cos(math.pi * fall)) / 2.0


class TimedSchedule(keras.callbacks.Callback):
    """The `timed` schedule: before each batch, set the optimizer's LR to `peak *
    timed_fraction(elapsed / (deadline - start))`, `start` being when training begins (or the
    given time); `clock` is for tests."""

    def __init__(self, peak: float, deadline: float, start: float | None = None, clock: Any = None) -> None:
        super().__init__()
        import time

        self.peak, self.deadline, self.start = float(peak), float(deadline), start
        self.clock = clock or time.time

    def lr_at(self, now: float) -> float:
        start = now if self.start is None else self.start
        return self.peak * timed_fraction((now - start) / max(self.deadline - start, 1e-9))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.start is None:
            self.start = self.clock()

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.model.optimizer.learning_rate.assign(self.lr_at(self.clock()))


def lr_schedule(train: Any, steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The optimizer's learning rate for `train` (a `TrainConfig`): the float `lr` for `plateau`,
    else a schedule over `train.max_epochs * steps_per_epoch` steps."""
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be >= 1, got {steps_per_epoch}")
    total = train.max_epochs * steps_per_epoch
    if train.schedule in ("plateau", "timed"):  # `timed`: TimedSchedule sets it before each batch
        return float(train.lr)
    if train.schedule == "cosine":
        warmup = max(1, int(COSINE_WARMUP * total))
        return keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, total - warmup), alpha=COSINE_FINAL, warmup_target=float(train.lr),
            warmup_steps=warmup)
    if train.schedule == "onecycle":
        return OneCycle(train.lr, max(2, total))
    raise ValueError(f"unknown schedule {train.schedule!r}")  # TrainConfig validated it: unreachable
