"""Test helpers: fast stand-ins for the trial objective (no training), same constructor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness import worker_id
from harness.common import attrs


@dataclass
class _ObjectiveArgs:
    """The constructor of `harness.Objective`, which every fake takes."""

    space: Any
    data: Any = None
    budget: Any = None
    seed: int = 0
    artifact_dir: str | None = None
    stop: Any = None

    def __post_init__(self) -> None:  # as `harness.Objective`: a budget's fixed dimensions are not searched
        if self.budget is not None:
            self.space = self.space.resolve(self.budget.fixed_params)


@dataclass
class FakeObjective(_ObjectiveArgs):
    """Suggests the space's params and scores them instantly (records their configs when it
    has a budget; an enqueued ablation cell is scored from its planned configs).

    `interrupt_at` / `raise_at`: trial numbers at which it raises KeyboardInterrupt /
    RuntimeError (as a user's Ctrl-C or a crashing trial would). `called` lists the trial
    numbers it ran, so tests can check that resuming redoes nothing.
    """

    interrupt_at: tuple[int, ...] = ()
    raise_at: tuple[int, ...] = ()
    called: list[int] = field(default_factory=list)

    def __call__(self, trial: Any) -> float:
        planned = trial.user_attrs.get(attrs.PLANNED_CONFIGS)
        params = {} if planned is not None else self.space.suggest(trial)
        trial.set_user_attr(attrs.WORKER, worker_id())
        self.called.append(trial.number)
        if trial.number in self.interrupt_at:
            trial.set_user_attr(attrs.FAIL_REASON, "interrupted (Ctrl-C)")
            raise KeyboardInterrupt
        if trial.number in self.raise_at:
            trial.set_user_attr(attrs.FAIL_REASON, "RuntimeError: boom")
            raise RuntimeError("boom")
        if planned is not None:  # an ablation cell: score its configs, suggest nothing
            trial.set_user_attr(attrs.CONFIGS, planned)
            return float(planned["train"]["lr"]) * 10 + 0.05 * bool(planned["model"]["residual"])
        if self.budget is not None:
            from harness import configs_from_params

            configs = configs_from_params(params, self.budget, seed=self.seed, trial_seed=self.seed + trial.number)
            trial.set_user_attr(attrs.CONFIGS, configs.to_dict())
        trial.set_user_attr(attrs.EPOCHS_RUN, 1)
        return float(params.get("train.lr", 0.001)) * 10 + 0.01 * trial.number


@dataclass
class FakeCurveObjective(_ObjectiveArgs):
    """Reports a learning curve instantly, epoch by epoch, and lets the study's pruner act.

    Same constructor as `harness.Objective`, plus `fit` (what `harness.KerasTunerObjective`
    takes: `epochs` and `initial_epoch` of a Hyperband step; model and callbacks ignored), so
    one fake serves both engines of `marsseg benchmark`. The curve rises towards a ceiling
    set by `train.lr`; `epochs_run` counts the epochs reported.
    """

    fit: Any = field(default_factory=dict)

    def __call__(self, trial: Any) -> float:
        import math

        import optuna

        params = self.space.suggest(trial)
        trial.set_user_attr(attrs.WORKER, worker_id())
        first, last = int(self.fit.get("initial_epoch") or 0), int(self.fit.get("epochs") or self.budget.max_epochs)
        ceiling = 0.2 + 20.0 * float(params.get("train.lr", 0.005)) + 0.01 * (trial.number % 3)
        best = -math.inf
        for epoch in range(first, last):
            value = ceiling * (1.0 - math.exp(-(epoch + 1) / 2.0))
            best = max(best, value)
            trial.report(value, epoch)
            trial.set_user_attr(attrs.EPOCHS_RUN, epoch + 1 - first)
            if epoch + 1 < last and trial.should_prune():
                raise optuna.TrialPruned
        return best
