"""`marsseg train`: one configuration trained with the single-model recipe, recorded as a
trial of a study, so `evaluate`, `predict`, `report` and `compare` read it like any trial.

The configuration is a Table 1 row (`--preset`), dotted params (`--params`, missing ones take
the configs' defaults) or a trial's stored configs (`--from-trial STUDY:N`). The study's
budget supplies the data subsets, BatchNorm momentum and the params it fixes (they win, as in
`marsseg search`); `TrainRecipe` then sets how it trains: batch 32, one full pass over the
training split per epoch, generous early stopping, ReduceLROnPlateau (patience 4) for the
`plateau` schedule; the learning rate and weight decay are the configuration's (Table 1: AdamW
1e-3). Training runs through `harness.Objective` with an explicit `harness.TrialPlan`
(these configs, a deadline, keep the best epoch on Ctrl-C), without pruning; the trial
records its configs, its val curve, its best weights and, at the end, its held-out score.

`--epochs E` trains at most E epochs; `--timeout S` ends training with the epoch that crosses
S seconds. `cosine` and `onecycle` need their length when training starts, so `--timeout`
alone refuses them: give `--epochs` too (then `--timeout` may still end it sooner).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.common import MarssegError, attrs
from studies._accounting import trial_of
from studies._recipe import RECIPE, UNTIL_TIMEOUT_EPOCHS, budget_configs

@dataclass(frozen=True)
class TrainRequest:
    """The flags of `marsseg train`: exactly one of `preset`, `params` (a JSON object, or a
    `.json` file holding one) and `from_trial` (`STUDY:N`, a study of the same storage); at
    least one of `epochs` and `timeout`. None elsewhere: the stored value, or search's default."""

    study: str
    storage: str
    preset: str | None = None
    params: str | None = None
    from_trial: str | None = None
    epochs: int | None = None
    timeout: float | None = None
    data: str | None = None
    budget: str | None = None
    seed: int | None = None
    schedule: str | None = None
    artifact_dir: str | None = None
    verbose: bool = False
    precision: str | None = None  # None: $MARSSEG_PRECISION, else auto

    def __post_init__(self) -> None:
        from search_spaces import SCHEDULES

        sources = [name for name in ("preset", "params", "from_trial") if getattr(self, name) is not None]
        if len(sources) != 1:
            raise MarssegError(f"give exactly one of --preset, --params, --from-trial (got {len(sources)})")
        if self.epochs is None and self.timeout is None:
            raise MarssegError("give --epochs E, --timeout S, or both")
        if self.epochs is not None and self.epochs < 1:
            raise MarssegError(f"--epochs must be >= 1, got {self.epochs}")
        if self.timeout is not None and self.timeout <= 0:
            raise MarssegError(f"--timeout must be > 0, got {self.timeout}")
        if self.schedule is not None and self.schedule not in SCHEDULES:
            raise MarssegError(f"unknown --schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}")


def _params_of(request: TrainRequest) -> dict[str, Any]:
    """The dotted params of `--preset` or `--params`."""
    from search_spaces import table1_presets

    if request.preset is not None:
        try:
            return dict(table1_presets([request.preset])[0][1])
        except ValueError as exc:
            raise MarssegError(f"--preset: {exc}") from None
    text = str(request.params)
    if text.endswith(".json") and Path(text).is_file():
        text = Path(text).read_text()
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MarssegError(f"--params is not a JSON object: {exc}") from None
    if not isinstance(params, dict):
        raise MarssegError(f"--params must be a JSON object of dotted params, got {type(params).__name__}")
    return params


def _source_configs(request: TrainRequest, budget: Any, settings: Any) -> tuple[Any, str]:
    """(the `TrialConfigs` to train before the recipe (training seed: the study seed), a note on
    the given params the budget overrides, or "")."""
    from harness import TrialConfigs, with_budget
    from harness.common import load_existing_study

    if request.from_trial is None:
        params = _params_of(request)
        overridden = {k: (params[k], v) for k, v in budget.fixed_params.items()
                      if k in params and params[k] != v and k != "train.batch_size"}  # the recipe sets the batch
        note = (f"budget {budget.name} fixes " + ", ".join(f"{k}={v!r} (not {p!r})" for k, (p, v) in overridden.items())
                if overridden else "")
        return budget_configs(params, budget, settings), note
    name, _, number = request.from_trial.rpartition(":")
    if not name or not number.isdigit():
        raise MarssegError(f"--from-trial must be STUDY:N (a trial number), got {request.from_trial!r}")
    source = load_existing_study(name, request.storage)
    trial = trial_of(source, int(number))
    if trial is None or attrs.CONFIGS not in trial.user_attrs:
        raise MarssegError(f"study {name!r} has no trial {number} with stored configs")
    configs = with_budget(TrialConfigs.from_dict(trial.user_attrs[attrs.CONFIGS]), budget)
    data = dataclasses.replace(configs.data, seed=settings.seed, split_groups=settings.split_groups)  # this study's split
    return dataclasses.replace(configs, data=data), ""


def _planned(request: TrainRequest, budget: Any, settings: Any) -> tuple[Any, str]:
    """(the source configs under the recipe, the budget's note); a user error for a schedule whose
    length is unknown when training starts."""
    from search_spaces import TIMED_SCHEDULE

    epochs = request.epochs or UNTIL_TIMEOUT_EPOCHS
    configs, note = _source_configs(request, budget, settings)
    try:
        configs = RECIPE.apply(configs, epochs, request.schedule)
    except ValueError as exc:
        raise MarssegError(f"invalid configuration: {exc}") from None
    if configs.train.schedule == TIMED_SCHEDULE:
        if request.timeout is None:
            raise MarssegError("schedule 'timed' runs to the --timeout: add --timeout S")
    elif request.epochs is None and configs.train.schedule != "plateau":
        raise MarssegError(f"schedule {configs.train.schedule!r} needs its length when training starts: add "
                           "--epochs E (--timeout may still end it sooner), or use --schedule plateau or timed")
    return configs, note


def _settings_of(request: TrainRequest) -> tuple[Any, Any]:
    """(storage, settings): the stored study's, the flags given changing what `marsseg search` lets
    change, or a new study's as `marsseg search` would make it."""
    import optuna

    from harness.common import open_storage
    from studies._search import SearchRequest, _settings

    storage = open_storage(request.storage)
    try:
        stored = optuna.load_study(study_name=request.study, storage=storage).user_attrs
    except KeyError:
        stored = {}
    return storage, _settings(SearchRequest(study=request.study, storage=request.storage, data=request.data,
                                            budget=request.budget, seed=request.seed,
                                            artifact_dir=request.artifact_dir), stored)


def _open_study(request: TrainRequest, storage: Any, settings: Any) -> tuple[Any, Any]:
    """(study without pruning, its Liveness): created, or resumed (a flag that differs from the
    stored study is a user error)."""
    import optuna

    from harness.common import open_storage, storage_kind
    from studies._liveness import Liveness
    from studies._study import create_or_resume

    create_or_resume(storage, request.study, settings)
    liveness = Liveness(settings.heartbeat_s, settings.grace_s, storage_kind(request.storage))
    if liveness.optuna_heartbeat:
        storage = open_storage(request.storage, heartbeat=(settings.heartbeat_s, settings.grace_s))
    study = optuna.load_study(study_name=request.study, storage=storage, pruner=optuna.pruners.NopPruner(),
                              sampler=optuna.samplers.RandomSampler(settings.seed))
    waiting = [t.number for t in study.get_trials(deepcopy=False) if t.state.name == "WAITING"]
    if waiting:  # `ask` would hand out the first of them instead of a new trial
        raise MarssegError(f"study {request.study!r} has queued trials {waiting} for its workers; train into "
                           "another --study (or run the search to the end first)")
    return study, liveness


def _progress(start: float) -> Any:
    from marsseg_models import VAL_MIOU

    best = [-1.0]

    def on_epoch(epoch: int, logs: dict[str, Any]) -> None:
        value = float(logs.get(VAL_MIOU, float("nan")))
        best[0] = max(best[0], value)
        print(f"epoch {epoch + 1}: val_miou {value:.4f} (best {best[0]:.4f}), loss {float(logs.get('loss', 0)):.4f}, "
              f"{time.time() - start:.0f} s", file=sys.stderr)

    return on_epoch


def run_train(request: TrainRequest) -> int:
    """Train the configuration as a new trial of the study, score it on the held-out split; the exit code."""
    from harness import (Objective, ObjectiveContext, StopFlag, TrialPlan, configure_tensorflow, enable_memory_growth, get_budget,
                         quiet_optuna)
    from harness.common import ensure_writable_dir
    from harness.data import load_data, split_heldout
    from search_spaces import get_space
    from studies._evaluate import evaluate_study

    quiet_optuna(request.verbose)
    storage, settings = _settings_of(request)
    budget = get_budget(settings.budget)
    configs, note = _planned(request, budget, settings)  # a bad configuration fails before any study is made
    ensure_writable_dir(settings.artifact_dir, "artifact folder", hint="pass --artifacts with a writable folder")
    data = load_data(settings.data)
    search = split_heldout(data, settings.heldout_fraction, settings.seed, settings.split_groups).search
    study, liveness = _open_study(request, storage, settings)
    if note:
        print(note, file=sys.stderr)
    configure_tensorflow(verbose=request.verbose)
    enable_memory_growth()
    stop = StopFlag().install()
    try:
        objective = Objective(ObjectiveContext(get_space(settings.space), search, budget, seed=settings.seed,
                                               artifact_dir=settings.artifact_dir, stop=stop,
                                               precision=request.precision, split_groups=settings.split_groups))
        limits = ([f"at most {request.epochs} epoch(s)"] if request.epochs else []) + (
            [f"{request.timeout:g} s"] if request.timeout else [])
        trial = study.ask()  # from here on, `_run` records how the trial ends
        configs = dataclasses.replace(configs, train=dataclasses.replace(configs.train,
                                                                         seed=settings.seed + trial.number))
        print(f"training trial {trial.number} of study {request.study!r}: {configs.model.family}, "
              f"{configs.train.schedule} schedule, batch {configs.train.batch_size}, {' or '.join(limits)}",
              file=sys.stderr)
        start = time.time()
        plan = TrialPlan(configs, deadline=start + request.timeout if request.timeout else None,
                         keep_on_interrupt=True, on_epoch=_progress(start))
        value = _run(study, trial, objective, plan, liveness, request.preset)
    finally:
        stop.restore()
    ua = trial_of(study, trial.number).user_attrs
    print(f"trial {trial.number}: val mIoU {value:.4f} at epoch {ua.get(attrs.BEST_EPOCH, 0) + 1} of "
          f"{ua.get(attrs.EPOCHS_RUN, '?')} ({ua.get(attrs.TRAIN_SECONDS, 0):.0f} s)"
          + ("; interrupted: the best epoch is kept" if stop.is_set() else ""), file=sys.stderr)
    evaluate_study(study, settings, numbers=[trial.number], data=data)
    return 0


def _run(study: Any, trial: Any, objective: Any, plan: Any, liveness: Any, preset: str | None) -> float:
    """Run the objective on `trial` under a lease and record its end (COMPLETE, PRUNED or FAIL)."""
    import optuna
    from optuna.trial import TrialState

    from studies._liveness import Lease
    from studies._optuna_private import storage_of, trial_id

    with Lease(storage_of(study), trial_id(trial), liveness):  # as the workers do
        try:
            if preset is not None:
                trial.set_user_attr(attrs.PRESET, preset)
            value = objective(trial, plan)
        except optuna.TrialPruned as exc:  # the configs or the builders rejected the combination
            study.tell(trial, state=TrialState.PRUNED)
            raise MarssegError(f"trial {trial.number} not trained: {exc}") from None
        except BaseException as exc:
            study.tell(trial, state=TrialState.FAIL)
            if isinstance(exc, Exception) and not isinstance(exc, MarssegError):
                reason = trial_of(study, trial.number).user_attrs.get(attrs.FAIL_REASON, exc)
                raise MarssegError(f"trial {trial.number} failed: {reason}") from exc
            raise
    study.tell(trial, value)
    return value
