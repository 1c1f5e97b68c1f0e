"""Keras callbacks of a trial: pruning on `val_miou`, stopping on a signal, and a recorder of the epochs.

This module imports Keras and optuna-integration at import time; the objective imports it
only when a trial trains.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from optuna_integration import KerasPruningCallback

_log = logging.getLogger("marsseg")


class LoudPruningCallback(KerasPruningCallback):
    """optuna-integration's `KerasPruningCallback`, plus a loud one-time warning.

    Checked with Keras 3.15 / optuna-integration 5.0: the callback subclasses
    `keras.callbacks.Callback`, reports `logs[monitor]` at step = epoch and raises
    `optuna.TrialPruned` out of `fit`, which is what we want. Two additions: a missing
    metric is only a quiet `warnings.warn` per epoch there, and since then nothing is ever
    pruned we also log an error once (e.g. a model whose heads prefix the metric name);
    and after the final epoch we only report, never prune (nothing left to save).
    """

    def __init__(self, trial: Any, monitor: str, prune: bool = True) -> None:
        super().__init__(trial, monitor)
        self.missing = False
        self.prune = prune  # False: only report (a trial its time plan trains to its own end)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        monitor = self._monitor
        if monitor not in (logs or {}) and not self.missing:
            self.missing = True
            _log.error("metric %r is missing from the training logs (have %s): this trial "
                       "can never be pruned", monitor, sorted(logs or {}))
        last = epoch + 1 >= int((self.params or {}).get("epochs") or 0) > 0
        if (last or not self.prune) and monitor in (logs or {}):
            # Pruning after the final epoch saves nothing and throws away a finished
            # result: report the value, let the trial complete.
            self._trial.report(float(logs[monitor]), step=epoch)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore" if self.missing else "default")
            super().on_epoch_end(epoch, logs)


class StopAtEpochBudget(keras.callbacks.Callback):
    """End the trial's training once its run has no epoch of its equal budget left
    (`epochs_left()`, `StudyPolicy.epochs_left`), instead of letting the last trial run to its own
    end. Place it after the pruning callback, so that this epoch's report is counted."""

    def __init__(self, trial: Any, epochs_left: Callable[[], int]) -> None:
        super().__init__()
        self.trial = trial
        self.epochs_left = epochs_left

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from harness.common.attrs import BUDGET_STOPPED

        if self.epochs_left() <= 0:
            self.model.stop_training = True
            self.trial.set_user_attr(BUDGET_STOPPED, True)
            _log.info("trial %d: the run's budget of epochs is spent; training stops after epoch %d",
                      self.trial.number, epoch + 1)


class StopAtDeadline(keras.callbacks.Callback):
    """End training at the end of the first epoch that finishes at or after `deadline`
    (`time.time()`), so a timed run never cuts an epoch short; `within_epoch`: end it at the first
    batch that ends past the deadline instead (Keras still validates that partial epoch), as a
    time plan does to keep its phases; `clock` is for tests."""

    def __init__(self, deadline: float, clock: Any = None, within_epoch: bool = False) -> None:
        super().__init__()
        import time

        self.deadline = deadline
        self.clock = clock or time.time
        self.within_epoch = within_epoch
        self.stopped_at: int | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.within_epoch and self.clock() >= self.deadline:
            self.model.stop_training = True
            self.stopped_at = self._epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.clock() >= self.deadline:
            self.model.stop_training = True
            self.stopped_at = epoch


class CostRecorder(keras.callbacks.Callback):
    """Counts the images trained and writes the trial's cumulative cost after each epoch
    (`attrs.EPOCH_COST`: forward GFLOP per image x images, `marsseg_models.forward_gflop`), so
    that cost-based rungs compare trials at equal cost. `gflop_per_image` is set once the model
    is built; `start` is the cost already spent (a continuation's source)."""

    def __init__(self, trial: Any, batch_size: int, start: float = 0.0) -> None:
        super().__init__()
        self.trial, self.batch_size = trial, batch_size
        self.gflop_per_image = 0.0
        self.images = 0
        self.start = float(start)
        self.costs: list[float] = []

    @property
    def cost(self) -> float:
        return self.start + self.images * self.gflop_per_image

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.images += self.batch_size

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from harness.common.attrs import EPOCH_COST

        self.costs.append(round(self.cost, 3))
        self.trial.set_user_attr(EPOCH_COST, self.costs)


class StopAtCost(keras.callbacks.Callback):
    """A time plan's exploring trial: training ends at the batch whose cumulative cost (`cost`'s
    recorder) reaches `cap` (the first rung), and that epoch is validated there, so that the
    plan compares every candidate at the same cost, whatever its family costs per image. Place
    it after `cost`'s recorder."""

    def __init__(self, cost: CostRecorder, cap: float) -> None:
        super().__init__()
        self.cost, self.cap = cost, float(cap)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.cost.cost >= self.cap:
            self.model.stop_training = True


class PlanCheck(StopAtCost):
    """A time plan's anchor: after the first epoch, what the plan does at the training rate and
    pass time measured (`harness._timeplan.plan_decision` of its `check`); it records the decision
    (`attrs.PLAN_DECISION`). To explore, it ends training at the batch that reaches the first rung
    (`check["first_rung"]`: `StopAtCost`'s cap from then on), so that the anchor is screened at the
    same cost as the candidates; for an ensemble, it moves `deadline` (the anchor's
    `StopAtDeadline`) to the end of the anchor's share. The pass time leaves out the first batch's
    one-off cost (tracing the graph: 6 s of a 47 s first pass on a 2-core Xeon, where later passes
    took 41 s), which every later pass is spared. Place it after `cost`'s recorder; `clock` is for
    tests."""

    def __init__(self, trial: Any, cost: CostRecorder, check: dict[str, Any], clock: Any = None,
                 deadline: StopAtDeadline | None = None) -> None:
        import math
        import time

        super().__init__(cost, math.inf)  # no cap until the anchor decides to explore
        self.trial, self.check, self.deadline = trial, check, deadline
        self.clock = clock or time.time
        self.started = 0.0
        self.first_batch: tuple[int, float] | None = None  # (batches seen, end of the first)
        self.decided = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.started = self.clock()

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if not self.decided:
            seen, first_end = self.first_batch or (0, self.clock())
            self.first_batch = (seen + 1, first_end)
        super().on_train_batch_end(batch, logs)

    def pass_seconds(self, now: float) -> float:
        """A pass's seconds from the first epoch, the first batch counted at the others' rate."""
        seen, first_end = self.first_batch or (0, self.started)
        return (now - first_end) * seen / (seen - 1) if seen > 1 else now - self.started

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from harness._timeplan import plan_decision
        from harness.common.attrs import ENSEMBLE, EXPLORE, PLAN_DECISION, PLAN_END

        if not self.decided:
            self.decided = True
            now = self.clock()
            rate = (self.cost.cost - self.cost.start) / max(now - self.started, 1e-9)
            decision = plan_decision(self.check, rate, self.cost.cost - self.cost.start, now,
                                     pass_s=self.pass_seconds(now))
            self.trial.set_user_attr(PLAN_DECISION, decision)
            if decision["decision"] == EXPLORE:
                self.cap = float(self.check["first_rung"])
            elif decision["decision"] == ENSEMBLE and self.deadline is not None:
                self.deadline.deadline = decision["end"]
                self.trial.set_user_attr(PLAN_END, decision["end"])
                self.deadline.on_epoch_end(epoch)  # its rule, at the moved deadline
        super().on_train_batch_end(epoch)


class RestoreOptimizer(keras.callbacks.Callback):
    """A continuation: before training, build the optimizer and load its source's state (slots and
    step count) from `values` (the arrays of `optimizer.variables`, in order)."""

    def __init__(self, values: list[np.ndarray]) -> None:
        super().__init__()
        self.values = values

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        restore_optimizer(self.model.optimizer, self.model.trainable_variables, self.values)


def optimizer_state(optimizer: Any) -> list[np.ndarray]:
    """The optimizer's variables (step count, slots) as arrays."""
    return [np.asarray(v.numpy()) for v in optimizer.variables]


def restore_optimizer(optimizer: Any, trainable: list[Any], values: list[np.ndarray]) -> None:
    """Build `optimizer` for `trainable` and assign `values` (its step count and slots; the
    learning rate stays this trial's own); ValueError when they do not fit."""
    if not optimizer.built:
        optimizer.build(trainable)
    variables = optimizer.variables
    if len(variables) != len(values) or any(tuple(v.shape) != a.shape for v, a in zip(variables, values)):
        raise ValueError(f"the source's optimizer state ({len(values)} arrays) does not fit this model's "
                         f"optimizer ({len(variables)} variables)")
    for variable, value in zip(variables, values):
        if variable.name != "learning_rate":
            variable.assign(value)


class StopOnSignal(keras.callbacks.Callback):
    """Raise KeyboardInterrupt between batches once `stop.is_set()` (see `StopFlag`)."""

    def __init__(self, stop: Any) -> None:
        super().__init__()
        self.stop = stop

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt

    on_test_batch_end = on_train_batch_end


def find_metric(model: Any, metric_type: type) -> Any | None:
    """The compiled metric object of `metric_type` inside `model` (Keras 3 nests them)."""
    stack = list(getattr(model, "metrics", []))
    while stack:
        metric = stack.pop()
        if isinstance(metric, metric_type):
            return metric
        stack.extend(getattr(metric, "metrics", []) or [])
    return None


class EpochRecorder(keras.callbacks.Callback):
    """Keeps every epoch's logs, the best epoch of `monitor`, and the validation confusion
    matrix at that epoch (read from the streaming metric's state, which after the
    validation pass holds exactly the validation confusion matrix)."""

    def __init__(self, monitor: str, metric_type: type) -> None:
        super().__init__()
        self.monitor = monitor
        self.metric_type = metric_type
        self.history: list[dict[str, float]] = []
        self.best_epoch = -1
        self.best_value = -math.inf
        self.best_confusion: np.ndarray | None = None
        self.nan_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.history.append(logs)
        if self.nan_epoch is None and any(math.isnan(v) or math.isinf(v) for k, v in logs.items()
                                          if k.endswith("loss")):
            self.nan_epoch = epoch
            self.model.stop_training = True
            return
        value = logs.get(self.monitor)
        if value is not None and value > self.best_value:
            self.best_value, self.best_epoch = value, epoch
            metric = find_metric(self.model, self.metric_type)
            if metric is not None:
                self.best_confusion = metric.confusion_matrix()
