"""KerasTuner as a second engine on the same space, training and storage as Optuna.

`SpaceHyperModel.build(hp)` declares the space (`search_spaces.declare_keras_tuner`, the only
place that calls `hp.*`), turns the params into configs with `configs_from_params` and
builds the model with `harness._training.build`, as the Optuna objective does. Its
`fit(hp, model, ...)` records the KerasTuner trial as a trial of an Optuna study: it
enqueues the params and runs the Optuna objective (`KerasTunerObjective`, the real
`Objective` fed KerasTuner's model, callbacks and epochs) through `study.optimize`, so the
same training loop, the same attributes and per-epoch `val_miou` land in the storage.
`make_tuner(kind, ...)` builds RandomSearch, BayesianOptimization or Hyperband, stopped once
the study has consumed an epoch budget. This module imports KerasTuner at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras_tuner as kt

from harness.analytics import epochs_consumed
from harness._budgets import Budget
from harness._configs import configs_from_params
from harness._objective import Objective
from harness.common import KERAS_TUNER_METHODS, attrs
from marsseg_models import VAL_MIOU

_SCHEDULE_PREFIX = "tuner/"


@dataclass
class KerasTunerObjective(Objective):
    """The Optuna objective for one KerasTuner trial: trains the model KerasTuner built (or
    restored) with KerasTuner's callbacks and epochs; everything else is `Objective`."""

    fit: Mapping[str, Any] = field(default_factory=dict)

    def _train(self, trial: Any, configs: Any, **fit: Any) -> float:
        return super()._train(trial, configs, **{**self.fit, **fit})


class SpaceHyperModel(kt.HyperModel):
    """A `SearchSpace` as a KerasTuner HyperModel whose trials are recorded in `study`.

    make_objective(fit) returns the Optuna objective of one trial (`KerasTunerObjective`
    bound to the run; tests pass a fake); build_model(configs, image_shape) is
    `harness._training.build` unless a test passes a cheap one.
    """

    def __init__(self, space: Any, budget: Budget, image_shape: tuple[int, int], seed: int, study: Any,
                 make_objective: Callable[[Mapping[str, Any]], Any],
                 build_model: Callable[[Any, tuple[int, int]], Any] | None = None) -> None:
        super().__init__(name=f"marsseg_{space.name}")
        self.space = space.resolve(budget.fixed_params)  # as the Optuna objective: a budget's fixed dims are not searched
        self.budget, self.image_shape, self.seed, self.study = budget, image_shape, seed, study
        self.make_objective = make_objective
        self.build_model = build_model
        self.kt_trial_id: str | None = None

    def declare_hyperparameters(self, hp: Any) -> None:
        self.params(hp)

    def params(self, hp: Any) -> dict[str, Any]:
        """Declare the space on `hp` (idempotent); the active params of its values."""
        from search_spaces import declare_keras_tuner

        return declare_keras_tuner(self.space, hp)

    def build(self, hp: Any) -> Any:
        from harness._training import build

        trial_seed = self.seed + len(self.study.get_trials(deepcopy=False))  # the trial `fit` will record
        try:
            configs = configs_from_params(self.params(hp), self.budget, seed=self.seed, trial_seed=trial_seed)
            return (self.build_model or build)(configs, self.image_shape)
        except ValueError as exc:  # configs or builders reject the combination (ConfigRejected included)
            raise kt.errors.FailedTrialError(f"invalid config: {exc}") from None

    def fit(self, hp: Any, model: Any, *args: Any, callbacks: Any = None, epochs: int | None = None,
            initial_epoch: int = 0, **kwargs: Any) -> dict[str, float]:
        params = self.params(hp)
        schedule = {k: v for k, v in hp.values.items() if k.startswith(_SCHEDULE_PREFIX)}
        fit = {"model": model, "callbacks": list(callbacks or []), "epochs": epochs, "initial_epoch": initial_epoch}
        tags = {attrs.KT_TRIAL_ID: self.kt_trial_id, **({attrs.KT_SCHEDULE: schedule} if schedule else {})}
        before = len(self.study.get_trials(deepcopy=False))  # the enqueued trial's number
        fixed = dict(self.space.fixed)  # decided by the budget: not trial params
        self.study.enqueue_trial({k: v for k, v in params.items() if k not in fixed}, user_attrs=tags)
        self.study.optimize(self.make_objective(fit), n_trials=1, catch=(Exception,))
        trial = self.study.get_trials(deepcopy=False)[before]
        if trial.state.name != "COMPLETE":
            reason = trial.user_attrs.get(attrs.FAIL_REASON) or trial.user_attrs.get(attrs.PRUNED_REASON) or "?"
            raise kt.errors.FailedTrialError(f"trial {trial.number} {trial.state.name.lower()}: {reason}")
        return {VAL_MIOU: float(trial.value)}


class _EpochBudget:
    """Mixin of the tuners: create no trial once the recording study has consumed `epoch_budget` epochs."""

    epoch_budget: int

    def pre_create_trial(self) -> None:
        if epochs_consumed(self.hypermodel.study.get_trials(deepcopy=False)) >= self.epoch_budget:
            self.oracle.max_trials = max(1, len(self.oracle.trials))  # the oracle answers STOPPED
        super().pre_create_trial()

    def _configure_tensorboard_dir(self, callbacks: list[Any], trial: Any, execution: int = 0) -> None:
        # KerasTuner 1.4 imports tensorboard here even without a TensorBoard callback, and
        # tensorflow-cpu does not ship it; marsseg passes none.
        if any(type(c).__name__ == "TensorBoard" for c in callbacks):
            super()._configure_tensorboard_dir(callbacks, trial, execution)

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        self.hypermodel.kt_trial_id = trial.trial_id  # recorded by `SpaceHyperModel.fit`
        return super().run_trial(trial, *args, **kwargs)


class _RandomSearch(_EpochBudget, kt.RandomSearch):
    pass


class _Bayesian(_EpochBudget, kt.BayesianOptimization):
    pass


class _Hyperband(_EpochBudget, kt.Hyperband):
    pass


_MANY = 10_000  # trials or Hyperband iterations: the epoch budget stops the search first


def _random(budget: Budget, seed: int) -> tuple[type, dict[str, Any]]:
    return _RandomSearch, {"max_trials": _MANY, "seed": seed}


def _bayes(budget: Budget, seed: int) -> tuple[type, dict[str, Any]]:
    # as many random start points as the TPE sampler's n_startup_trials (studies' registry)
    return _Bayesian, {"max_trials": _MANY, "seed": seed, "num_initial_points": 8}


def _hyperband(budget: Budget, seed: int) -> tuple[type, dict[str, Any]]:
    return _Hyperband, {"max_epochs": budget.max_epochs, "factor": 3, "hyperband_iterations": _MANY, "seed": seed}


TUNERS: dict[str, Callable[[Budget, int], tuple[type, dict[str, Any]]]] = dict(
    zip(KERAS_TUNER_METHODS, (_random, _bayes, _hyperband), strict=True))


def make_tuner(kind: str, hypermodel: SpaceHyperModel, *, epoch_budget: int, directory: str, seed: int,
               fresh: bool = False) -> Any:
    """The KerasTuner tuner `kind` (see `TUNERS`) maximizing `val_miou`, resuming from `directory`
    (`fresh`: discard what is there, e.g. the folder of a deleted study of the same name)."""
    try:
        factory = TUNERS[kind]
    except KeyError:
        raise ValueError(f"unknown KerasTuner method {kind!r}; valid: {', '.join(TUNERS)}") from None
    cls, options = factory(hypermodel.budget, seed)
    tuner = cls(hypermodel=hypermodel, objective=kt.Objective(VAL_MIOU, direction="max"), directory=directory,
                project_name=kind, overwrite=fresh, max_consecutive_failed_trials=10, **options)
    tuner.epoch_budget = epoch_budget
    return tuner
