"""Test helpers: fast stand-ins for the trial objective (no training, same constructor), and
a supplier of every storage kind, so one test body runs against each of them."""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from harness import ObjectiveContext, UsesContext, record_artifact_error, worker_id
from harness.common import attrs

from studies._session import worker_name

STORAGE_KINDS = ("journal", "postgresql", "redis")


@dataclass
class _FakeBase(UsesContext):
    """Built as `harness.Objective` is, from an `ObjectiveContext`; fakes need no TensorFlow."""

    uses_tensorflow: ClassVar[bool] = False

    context: ObjectiveContext

    def __post_init__(self) -> None:  # as `harness.Objective`: a budget's fixed dimensions are not searched
        if self.budget is not None:
            self._resolve_space()
        else:
            self.space = self.context.space


@dataclass
class FakeObjective(_FakeBase):
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
        trial.set_user_attr(attrs.WORKER_NAME, worker_name())
        self.called.append(trial.number)
        if trial.number in self.interrupt_at:
            trial.set_user_attr(attrs.FAIL_REASON, attrs.INTERRUPTED)
            raise KeyboardInterrupt
        if trial.number in self.raise_at:
            trial.set_user_attr(attrs.FAIL_REASON, "RuntimeError: boom")
            raise RuntimeError("boom")
        if planned is not None:  # an ablation cell: score its configs, suggest nothing
            trial.set_user_attr(attrs.CONFIGS, planned)
            return float(planned["train"]["lr"]) * 10 + 0.05 * bool(planned["model"]["residual"])
        if self.budget is not None:
            from harness import configs_from_params

            configs = configs_from_params(params, self.budget, seed=self.seed, trial_seed=self.seed + trial.number,
                                          split_groups=self.split_groups)
            trial.set_user_attr(attrs.CONFIGS, configs.to_dict())
        trial.set_user_attr(attrs.EPOCHS_RUN, 1)
        return score(params, trial.number)


@dataclass
class FakePlanObjective(FakeObjective):
    """`FakeObjective` in a time plan: an anchor decides as `harness.Objective`'s does, at
    `gflop_per_s` of training and `pass_s` seconds a pass (0: unknown, no ensemble); every trial
    takes `seconds`, reports its value after one epoch whose cost is the policy's cap (an exploring
    trial's first rung; else 1 GFLOP), and keeps (fake) weights."""

    gflop_per_s: float = 1.0
    seconds: float = 0.0
    pass_s: float = 0.0

    def __call__(self, trial: Any) -> float:
        from harness import plan_decision

        check = trial.user_attrs.get(attrs.PLAN_CHECK)
        if check is not None:
            trial.set_user_attr(attrs.PLAN_DECISION, plan_decision(check, self.gflop_per_s, pass_s=self.pass_s))
        time.sleep(self.seconds)
        value = super().__call__(trial)
        trial.report(value, 0)
        trial.set_user_attr(attrs.EPOCH_COST, [self.context.policy.explore_cost or 1.0])
        trial.set_user_attr(attrs.WEIGHTS_ARTIFACT, f"fake-weights-{trial.number}")
        return value


@dataclass
class TensorFlowFakeObjective(FakeObjective):
    """`FakeObjective` declared as a TensorFlow objective, so its worker recycles processes
    (`WorkerSpec.recycle`); its child processes import TensorFlow as real ones do."""

    uses_tensorflow: ClassVar[bool] = True


def score(params: dict[str, Any], number: int) -> float:
    """The fakes' value of a trial: a plain function of its params (and number, to break ties)."""
    return float(params.get("train.lr", 0.001)) * 10 + 0.01 * number


@dataclass
class FakeCurveObjective(_FakeBase):
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
        trial.set_user_attr(attrs.WORKER_NAME, worker_name())
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


@dataclass
class SlowObjective(_FakeBase):
    """A trial that takes `epochs` x `epoch_seconds`, reporting a value each epoch, so a
    `kill -9` or Ctrl-C lands mid-trial. Stops between epochs on the worker's StopFlag, as
    the real objective stops between batches.

    peers: the first trial of each worker waits (up to `peers_timeout` s) until that many
    workers run trials at once, so every worker of a test does work however late it starts.
    With an artifact folder it uploads a small file per trial as the real objective uploads
    its weights, and records an upload error on the trial the same way (the value is kept).
    Configure it for spawned workers with `functools.partial(SlowObjective, ...)`.
    """

    epochs: int = 3
    epoch_seconds: float = 0.3
    peers: int = 0
    peers_timeout: float = 90.0
    _waited: bool = False

    def __call__(self, trial: Any) -> float:
        params = self.space.suggest(trial)
        trial.set_user_attr(attrs.WORKER, worker_id())
        trial.set_user_attr(attrs.WORKER_NAME, worker_name())
        if self.peers and not self._waited:
            self._wait_for_peers(trial)
        value = score(params, 0)
        for epoch in range(self.epochs):
            if self.stop is not None and self.stop.is_set():
                trial.set_user_attr(attrs.FAIL_REASON, attrs.INTERRUPTED)
                raise KeyboardInterrupt
            time.sleep(self.epoch_seconds)
            trial.report(value * (epoch + 1) / self.epochs, epoch)
        trial.set_user_attr(attrs.EPOCHS_RUN, self.epochs)
        if self.artifact_dir:
            self._save_artifact(trial)
        return value

    def _wait_for_peers(self, trial: Any) -> None:
        from optuna.trial import TrialState

        self._waited = True
        end = time.time() + self.peers_timeout
        while time.time() < end:
            running = trial.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if len({t.user_attrs.get(attrs.WORKER) for t in running} - {None}) >= self.peers:
                return
            time.sleep(0.2)

    def _save_artifact(self, trial: Any) -> None:
        from harness.common import upload

        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"trial{trial.number}.txt"
                path.write_text(f"trial {trial.number}\n")
                trial.set_user_attr(attrs.WEIGHTS_ARTIFACT, upload(self.artifact_dir, path, trial))
        except Exception as exc:
            record_artifact_error(trial, exc)


@dataclass
class SlowTensorFlowObjective(SlowObjective):
    """`SlowObjective` declared as a TensorFlow objective, so its worker recycles processes."""

    uses_tensorflow: ClassVar[bool] = True


def delete_study_quietly(url: str, name: str) -> None:
    """Delete study `name` from `url` if it is there (service storages outlive a test)."""
    import optuna

    from harness.common import open_storage

    with contextlib.suppress(KeyError):
        optuna.delete_study(study_name=name, storage=open_storage(url))

