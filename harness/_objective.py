"""The trial objective: params -> configs -> data, model, loss -> fit with early stopping and pruning."""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.common import SCENES
from harness.data import scale_images
from harness.common.attrs import (
    INTERRUPTED,
    BEST_EPOCH,
    CONFIGS,
    CONFUSION_MATRIX,
    CONTINUES,
    EPOCHS_RUN,
    FAIL_REASON,
    N_PARAMS,
    OPTIMIZER_ARTIFACT,
    PER_CLASS_IOU,
    PLAN_CHECK,
    PLAN_END,
    PLANNED_CONFIGS,
    PRECISION,
    PREDICTIONS_ARTIFACT,
    PRUNED_REASON,
    TRAIN_SECONDS,
    VAL_SCORE,
    WEIGHTS_ARTIFACT,
    WORKER,
)
from harness._artifacts import record_artifact_error
from harness._budgets import Budget
from harness._runtime import worker_id

_log = logging.getLogger("marsseg")



def _plan_callbacks(plan: TrialPlan) -> list[Any]:
    """The Keras callbacks a plan adds: its deadline and its per-epoch progress."""
    import keras

    from harness._callbacks import StopAtDeadline

    callbacks: list[Any] = []
    if plan.deadline is not None:
        callbacks.append(StopAtDeadline(plan.deadline))
    if plan.on_epoch is not None:
        on_epoch = plan.on_epoch
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epoch(epoch, logs or {})))
    return callbacks


def _rejected(trial: Any, exc: ValueError) -> Exception:
    """Record why a config was rejected before training; the `TrialPruned` to raise."""
    import optuna

    trial.set_user_attr(PRUNED_REASON, f"invalid config: {exc}")
    trial.set_user_attr(EPOCHS_RUN, 0)
    return optuna.TrialPruned(f"invalid config: {exc}")


@dataclass(frozen=True)
class TrialPlan:
    """An explicit context for one trial, handed to `Objective.__call__` (`marsseg train`):

    configs: train exactly these (`TrialConfigs`; nothing is suggested); deadline: `time.time()`
    after which training ends with the epoch that crosses it (None: none); keep_on_interrupt:
    Ctrl-C / SIGTERM end the trial with its best epoch so far (weights saved, value returned)
    instead of failing it; on_epoch: called as `on_epoch(epoch, logs)` after each epoch (progress).
    """

    configs: Any
    deadline: float | None = None
    keep_on_interrupt: bool = False
    on_epoch: Callable[[int, dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class StudyPolicy:
    """What a study decides for its trials, read from it by whoever runs the objective (a worker,
    `studies.study_policy`) and handed in: the objective itself never reads the study.

    planned_only: an ablation study, whose only trials are its enqueued cells (`planned_configs`);
    epochs_left: a benchmark run's equal budget, the epochs its study may still train (asked after
    each epoch; None: no budget); keeps_weights(number, value): whether a pruned trial whose best
    epoch reached `value` ranks among the study's best, so that it keeps its weights (None: always);
    deadline: a time plan's end of exploration (`time.time()`): training stops at the first batch
    past it (a trial's own `attrs.PLAN_END` wins); continuable: a time plan's study, whose kept
    trials also keep their optimizer's state, so that a continuation trial can resume them;
    explore_cost: a time plan's exploring trials (those without their own `attrs.PLAN_END`) end
    at the batch whose cumulative training cost reaches it, the first rung (None: no cap).
    """

    planned_only: bool = False
    epochs_left: Callable[[], int] | None = None
    keeps_weights: Callable[[int, float], bool] | None = None
    deadline: float | None = None
    continuable: bool = False
    explore_cost: float | None = None


@dataclass(frozen=True)
class ObjectiveContext:
    """All an objective factory is given: `factory(context)` builds `harness.Objective`, KerasTuner's
    objective or a test's fake alike.

    space: a `search_spaces.SearchSpace` (resolved against the budget's fixed params by the
    objective); data: `harness.MarsData` (workers pass the search split only: the held-out images
    never reach an objective); seed: study seed (data split), the trial seed is `seed +
    trial.number`; artifact_dir: artifact store for best weights and prediction previews (None:
    save nothing); stop: a `StopFlag` checked between batches; precision: the training precision
    (None: `$MARSSEG_PRECISION`, else auto); split_groups: what the train/validation split keeps
    together (the study's); policy: what the study decides (`StudyPolicy`).
    """

    space: Any
    data: Any
    budget: Budget
    seed: int = 0
    artifact_dir: str | None = None
    stop: Any = None  # a StopFlag: Ctrl-C / SIGTERM end the trial between batches
    precision: str | None = None
    split_groups: str = SCENES
    policy: StudyPolicy = StudyPolicy()


class UsesContext:
    """The fields of an objective's `context` as attributes (the space resolved against the budget)."""

    context: ObjectiveContext

    def _resolve_space(self) -> None:
        self.space = self.context.space.resolve(self.context.budget.fixed_params)

    @property
    def data(self) -> Any:
        return self.context.data

    @property
    def budget(self) -> Budget:
        return self.context.budget

    @property
    def seed(self) -> int:
        return self.context.seed

    @property
    def artifact_dir(self) -> str | None:
        return self.context.artifact_dir

    @property
    def stop(self) -> Any:
        return self.context.stop

    @property
    def split_groups(self) -> str:
        return self.context.split_groups

    @property
    def policy(self) -> StudyPolicy:
        return self.context.policy


@dataclass
class Objective(UsesContext):
    """Callable objective for `study.optimize`, built from an `ObjectiveContext`; data are loaded
    once per worker. A trial enqueued with the `planned_configs` attribute (an ablation cell)
    trains exactly those; a `TrialPlan` passed with the trial decides its configs and stopping.
    """

    context: ObjectiveContext

    def __post_init__(self) -> None:
        self._resolve_space()
        if self.artifact_dir:
            # Import it here, outside any trial: optuna's `try_import` keeps the ImportError of
            # an absent optional backend (GCS, boto3) with its traceback, whose frames would
            # otherwise pin the first trial's model, traced graphs and datasets for the life of
            # the worker (BENCHMARKS.md, "Resident memory").
            import optuna.artifacts  # noqa: F401

    def __call__(self, trial: Any, plan: TrialPlan | None = None) -> float:
        import optuna

        trial.set_user_attr(WORKER, worker_id())
        try:
            return self._run(trial, plan)
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt:
            trial.set_user_attr(FAIL_REASON, INTERRUPTED)
            raise
        except Exception as exc:
            if self.stop is not None and self.stop.is_set():  # interrupted inside TensorFlow
                trial.set_user_attr(FAIL_REASON, INTERRUPTED)
                raise KeyboardInterrupt from exc
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            trial.set_user_attr(FAIL_REASON, reason)
            _log.warning("trial %d failed: %s", trial.number, reason)
            raise

    def _run(self, trial: Any, plan: TrialPlan | None) -> float:
        try:
            configs = self._configs(trial) if plan is None else plan.configs
        except ValueError as exc:  # a combination the configs reject: not worth a FAIL
            raise _rejected(trial, exc) from None
        trial.set_user_attr(CONFIGS, configs.to_dict())
        if plan is None:
            return self._train(trial, configs)
        return self._train(trial, configs, plan=plan, callbacks=_plan_callbacks(plan))

    def _configs(self, trial: Any) -> Any:
        """An ablation cell's enqueued `planned_configs`, else the configs of the suggested params."""
        import optuna

        from harness._configs import TrialConfigs, configs_from_params

        planned = trial.user_attrs.get(PLANNED_CONFIGS)
        if planned is not None:
            return TrialConfigs.from_dict(planned)
        if self.policy.planned_only:  # a worker overshot the ablation's queue
            trial.set_user_attr(PRUNED_REASON, "ablation study: no planned cell left to run")
            raise optuna.TrialPruned("ablation study: no planned cell left to run")
        params = self.space.suggest(trial)
        return configs_from_params(params, self.budget, seed=self.seed, trial_seed=self.seed + trial.number,
                                   split_groups=self.split_groups)

    def _train(self, trial: Any, configs: Any, plan: TrialPlan | None = None, **fit: Any) -> float:
        """Train through `harness._training.train`; `fit` goes to it (KerasTuner passes its model,
        callbacks and epochs). The attributes are written here. With `plan.keep_on_interrupt`, an
        interrupt after at least one epoch ends the trial with its best epoch."""
        import optuna
        from marsseg_models import VAL_MIOU, forward_gflop, inference_model, resolve_precision

        from harness._callbacks import CostRecorder, LoudPruningCallback, StopAtEpochBudget
        from harness._training import ConfigRejected, train

        own = trial.user_attrs
        continues = own.get(CONTINUES)
        precision = resolve_precision(self.context.precision)  # None: $MARSSEG_PRECISION, else auto
        trial.set_user_attr(PRECISION, precision)
        cost = CostRecorder(trial, configs.train.batch_size, start=continues["cost"] if continues else 0.0)
        try:
            timing = self._timing(trial, own, configs, plan, cost)
            if continues:
                resumed = self._resumed(configs, continues, precision)
                fit = {**fit, **resumed, "callbacks": [*fit.get("callbacks", ()), *resumed["callbacks"]]}
        except ValueError as exc:
            raise _rejected(trial, exc) from None
        # the cost is recorded before the plan's callbacks and the pruner read it; a trial that a
        # time plan trains to its own end (anchor, continuation, ensemble member) is only reported
        callbacks = [*fit.pop("callbacks", ()), cost, *timing,
                     LoudPruningCallback(trial, VAL_MIOU, prune=PLAN_END not in own)]
        if self.policy.epochs_left is not None:  # a benchmark run: stop where its equal budget ends
            callbacks.append(StopAtEpochBudget(trial, self.policy.epochs_left))
        built: list[Any] = []
        best: list[float] = []
        ended: list[Any] = []

        def on_built(model: Any) -> None:
            built.append(model)
            cost.gflop_per_image = forward_gflop(model)
            trial.set_user_attr(N_PARAMS, int(model.count_params()))

        def on_end(recorder: Any, seconds: float) -> None:
            best.append(recorder.best_value)
            ended.append(recorder)
            self._record(trial, recorder, seconds)

        try:
            result = train(configs, self.data, callbacks=callbacks, stop=self.stop, precision=precision, **fit,
                           on_built=on_built, on_end=on_end)
        except ConfigRejected as exc:  # a combination the builders reject
            raise _rejected(trial, exc) from None
        except optuna.TrialPruned:
            # `train` left the model at its best epoch: keep those weights (no preview) when that
            # epoch ranks among the study's best, so that `marsseg evaluate` can score it.
            keeps = self.policy.keeps_weights
            if self.artifact_dir and built and best and (keeps is None or keeps(trial.number, best[0])):
                self._save_artifacts(trial, inference_model(built[0]), None, built[0].optimizer)
            raise
        except BaseException:
            # `train` left the model at its best epoch: a plan that keeps it ends the trial there.
            interrupted = self.stop is not None and self.stop.is_set()
            if not (plan is not None and plan.keep_on_interrupt and interrupted and built and ended
                    and ended[0].best_epoch >= 0 and ended[0].nan_epoch is None):
                raise
            _log.warning("trial %d interrupted: keeping its best epoch %d (val_miou %.4f)", trial.number,
                         ended[0].best_epoch, ended[0].best_value)
            return self._keep(trial, built[0], ended[0], None)
        return self._keep(trial, result.model, result.recorder, result.info)

    def _timing(self, trial: Any, own: dict[str, Any], configs: Any, plan: TrialPlan | None, cost: Any) -> list[Any]:
        """The callbacks of a time plan's trial: its hard deadline (`attrs.PLAN_END`, else the
        policy's end of exploration, and the policy's cost cap), the `timed` schedule to it (or to
        `plan.deadline`), and the anchor's check of what the plan does (which may move that
        deadline). ValueError: `timed` without a deadline."""
        from search_spaces import TIMED_SCHEDULE

        from harness._callbacks import PlanCheck, StopAtCost, StopAtDeadline
        from harness._schedules import TimedSchedule

        hard = own.get(PLAN_END, self.policy.deadline)
        stop = None if hard is None else StopAtDeadline(hard, within_epoch=True)
        callbacks: list[Any] = [] if stop is None else [stop]
        if PLAN_END not in own and self.policy.explore_cost is not None:
            callbacks.append(StopAtCost(cost, self.policy.explore_cost))
        deadline = hard if hard is not None else (plan.deadline if plan is not None else None)
        if configs.train.schedule == TIMED_SCHEDULE:
            if deadline is None:
                raise ValueError("the timed schedule needs a deadline (marsseg train --timeout, or a time plan)")
            callbacks.append(TimedSchedule(configs.train.lr, deadline))
        check = own.get(PLAN_CHECK)
        if check is not None:
            callbacks.append(PlanCheck(trial, cost, check, deadline=stop))
        return callbacks

    def _resumed(self, configs: Any, continues: dict[str, Any], precision: str) -> dict[str, Any]:
        """The `train` arguments that resume a continuation's source: its model with the source's
        weights, its optimizer state (restored when training begins), its epoch count."""
        from marsseg_models import inference_model

        from harness._callbacks import RestoreOptimizer
        from harness._training import build
        from harness.common import download

        if not self.artifact_dir:
            raise ValueError("a continuation needs the study's artifact store")
        with tempfile.TemporaryDirectory() as tmp:
            weights = Path(tmp) / "source.weights.h5"
            download(self.artifact_dir, continues["weights"], weights)
            model = build(configs, self.data.image_shape, precision)
            inference_model(model).load_weights(weights)
            values: list[Any] = []
            if continues.get("optimizer"):
                state = Path(tmp) / "source_optimizer.npz"
                download(self.artifact_dir, continues["optimizer"], state)
                with np.load(state) as stored:
                    values = [stored[f"arr_{i}"] for i in range(len(stored.files))]
        start = int(continues["epochs"])
        return {"model": model, "initial_epoch": start, "epochs": start + configs.train.max_epochs,
                "callbacks": [RestoreOptimizer(values)] if values else []}

    def _keep(self, trial: Any, model: Any, recorder: Any, info: Any) -> float:
        """A finished trial's confusion matrix and artifacts (`model`: the fitted training model);
        its value (the best epoch's)."""
        from marsseg_models import inference_model

        if recorder.best_confusion is not None:
            trial.set_user_attr(CONFUSION_MATRIX, recorder.best_confusion.tolist())
        model, optimizer, preview = inference_model(model), model.optimizer, None
        if info is not None:  # the val split scored per photograph with the kept (best epoch's) weights
            from harness._heldout import split_record

            labels = _predicted_labels(model, info.val_images)
            trial.set_user_attr(VAL_SCORE, split_record(info.val_images, info.val_masks, labels))
            k = min(self.budget.n_preview, len(labels))
            preview = {"images": info.val_images[:k], "masks": info.val_masks[:k], "preds": labels[:k]}
        self._save_artifacts(trial, model, preview, optimizer)
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

    def _save_artifacts(self, trial: Any, model: Any, preview: dict[str, np.ndarray] | None,
                        optimizer: Any = None) -> None:
        """Store the model's weights, in a time plan's study the `optimizer`'s state and the
        `preview` of its val predictions ({"images", "masks", "preds"}), as trial artifacts; a
        failure (full disk, unwritable folder) is recorded on the trial and keeps its value.
        Nothing without an artifact store."""
        if not self.artifact_dir:
            return
        try:
            self._upload(trial, model, preview, optimizer if self.policy.continuable else None)
        except Exception as exc:
            record_artifact_error(trial, exc)

    def _upload(self, trial: Any, model: Any, preview: dict[str, np.ndarray] | None, optimizer: Any) -> None:
        from harness._callbacks import optimizer_state
        from harness.common import upload

        with tempfile.TemporaryDirectory() as tmp:
            weights = Path(tmp) / f"trial{trial.number}.weights.h5"
            model.save_weights(weights)
            trial.set_user_attr(WEIGHTS_ARTIFACT, upload(self.artifact_dir, weights, trial))
            if optimizer is not None:
                state = Path(tmp) / f"trial{trial.number}_optimizer.npz"
                np.savez(state, *optimizer_state(optimizer))
                trial.set_user_attr(OPTIMIZER_ARTIFACT, upload(self.artifact_dir, state, trial))
            if preview is None:
                return
            path = Path(tmp) / f"trial{trial.number}_predictions.npz"
            np.savez_compressed(path, **preview)
            trial.set_user_attr(PREDICTIONS_ARTIFACT, upload(self.artifact_dir, path, trial))


def _predicted_labels(model: Any, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """(N, H, W) uint8 class labels of `model` on `images`, by direct (eager) calls: `predict` would
    trace a new function for every trial's model."""
    from marsseg_models import predict_labels

    if not len(images):
        return np.zeros(images.shape[:3], np.uint8)
    return np.concatenate([predict_labels(np.asarray(model(scale_images(images[i:i + batch_size]), training=False)))
                           for i in range(0, len(images), batch_size)]).astype(np.uint8)
