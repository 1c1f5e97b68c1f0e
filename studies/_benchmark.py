"""`marsseg benchmark`: every method x seed at an equal budget of training epochs.

A benchmark is a small dataclass; methods are a dict of factories (`methods()`: every
`SAMPLER+PRUNER` of the Optuna registries, and the KerasTuner tuners); the runner loops
methods x seeds and tags every run. Each run is one study `B/METHOD/SEED` in one storage,
so a killed benchmark resumes where it stopped and runs spread over machines like studies.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.common import DEFAULT_JOURNAL, MarssegError, attrs, stored_split_groups
from studies._settings import StudySettings


@dataclass(frozen=True)
class Benchmark:
    """What to compare (methods, seeds) on what (space, data, budget), for how many epochs per run."""

    name: str
    space: str
    data: str
    budget: str
    epochs: int
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    storage: str = DEFAULT_JOURNAL
    workers: int = 1

    def __post_init__(self) -> None:
        from harness import get_budget
        from search_spaces import get_space

        if self.epochs < 1:
            raise MarssegError(f"--epochs must be >= 1, got {self.epochs}")
        if not self.methods or not self.seeds:
            raise MarssegError(f"a benchmark needs methods and seeds, got {self.methods!r} and {self.seeds!r}")
        if self.workers < 1:
            raise MarssegError(f"--workers must be >= 1, got {self.workers}")
        if not self.name or self.name.endswith("/"):
            raise MarssegError(f"--name must be a non-empty study-name prefix, got {self.name!r}")
        try:
            get_space(self.space)
            get_budget(self.budget)
        except ValueError as exc:
            raise MarssegError(str(exc)) from None

    def tags(self, method: str) -> dict[str, Any]:
        """Study user attributes tagging a run of this benchmark."""
        return {attrs.BENCHMARK: self.name, attrs.METHOD: method, attrs.EPOCH_BUDGET: self.epochs}


Run = Callable[..., int]  # run(benchmark, seed, objective=..., kt_build=...) -> exit code


def _run_optuna(sampler: str, pruner: str, bench: Benchmark, seed: int, *, objective: Any = None,
                kt_build: Any = None) -> int:
    """One Optuna run: `marsseg search` on `B/SAMPLER+PRUNER/SEED` until it has trained `epochs`."""
    from harness import study_name
    from studies._search import SearchRequest, run_search

    method = f"{sampler}+{pruner}"
    return run_search(SearchRequest(
        study=study_name(bench.name, method, seed), storage=bench.storage, space=bench.space, data=bench.data,
        sampler=sampler, pruner=pruner, budget=bench.budget, seed=seed, workers=bench.workers,
        objective=objective, epoch_budget=bench.epochs))


def _run_keras_tuner(kind: str, bench: Benchmark, seed: int, *, objective: Any = None, kt_build: Any = None) -> int:
    """One KerasTuner run (one process: KerasTuner's own distribution is not used), recorded in `B/kind/SEED`."""
    from harness import (KerasTunerObjective, ObjectiveContext, SpaceHyperModel, StopFlag, configure_tensorflow,
                         epochs_consumed, get_budget, make_tuner, quiet_optuna, study_name)
    from harness.data import load_data, split_heldout
    from search_spaces import get_space
    from studies._evaluate import evaluate_study
    from studies._study import study_policy

    name = study_name(bench.name, kind, seed)
    study, settings = _keras_tuner_study(bench, kind, seed, name)
    artifact_dir = settings.artifact_dir
    if epochs_consumed(study.get_trials(deepcopy=False)) >= bench.epochs:
        print(f"{name}: already consumed its {bench.epochs} epochs", file=sys.stderr)
        evaluate_study(study, settings)  # a no-op unless a kill came between its search and its scoring
        return 0
    if bench.workers > 1:
        print(f"{name}: KerasTuner runs in one process here (--workers applies to Optuna methods)", file=sys.stderr)
    configure_tensorflow(None, False)
    quiet_optuna(False)
    budget, full = get_budget(bench.budget), load_data(bench.data)
    data = split_heldout(full, settings.heldout_fraction, seed, settings.split_groups).search  # as a worker does
    space = get_space(bench.space).resolve(budget.fixed_params)
    stop = StopFlag().install()
    make = objective or KerasTunerObjective

    context = ObjectiveContext(space, data, budget, seed=seed, artifact_dir=artifact_dir, stop=stop,
                               split_groups=settings.split_groups, policy=study_policy(study))

    def make_objective(fit: Any) -> Any:
        return make(context, fit=fit)

    hypermodel = SpaceHyperModel(space, budget, data.image_shape, seed, study, make_objective, kt_build)
    tuner = make_tuner(kind, hypermodel, epoch_budget=bench.epochs, seed=seed,
                       directory=str(Path(artifact_dir) / "keras_tuner"),
                       fresh=not study.get_trials(deepcopy=False))  # nothing recorded: nothing to resume
    print(f"{name}: KerasTuner {kind}, {epochs_consumed(study.get_trials(deepcopy=False))}/{bench.epochs} "
          "epochs done", file=sys.stderr)
    try:
        tuner.search(verbose=0)
    except KeyboardInterrupt:
        return 130
    finally:
        stop.restore()
    if stop.is_set():
        return 130
    evaluate_study(study, settings, data=full)  # the top 5 by val mIoU, as `marsseg search` does at its end
    return 0


def _keras_tuner_study(bench: Benchmark, kind: str, seed: int, name: str) -> tuple[Any, StudySettings]:
    """The run's study (created, or resumed when its settings match) and its settings."""
    import optuna

    from harness.common import GRACE_PERIOD_S, HEARTBEAT_INTERVAL_S, open_storage, storage_kind
    from studies._liveness import Liveness, fail_dead_trials
    from studies._search import NEW_STUDY_DEFAULTS, default_artifact_dir
    from studies._study import create_or_resume

    storage = open_storage(bench.storage)
    try:
        stored = optuna.load_study(study_name=name, storage=storage).user_attrs
    except KeyError:
        stored = {}
    settings = StudySettings(  # a study keeps its splits; one made before KerasTuner runs held images out has none
        space=bench.space, sampler=kind, pruner="none", budget=bench.budget, data=bench.data, seed=seed,
        artifact_dir=stored.get(attrs.ARTIFACT_DIR) or default_artifact_dir(bench.storage, name),
        heldout_fraction=stored.get(attrs.HELDOUT_FRACTION, 0.0) if stored else NEW_STUDY_DEFAULTS[attrs.HELDOUT_FRACTION],
        split_groups=stored_split_groups(stored))
    study, _ = create_or_resume(storage, name, settings)
    for key, value in bench.tags(kind).items():
        if key not in study.user_attrs:
            study.set_user_attr(key, value)
    study = optuna.load_study(study_name=name, storage=storage, sampler=optuna.samplers.RandomSampler(seed=seed),
                              pruner=optuna.pruners.NopPruner())
    dead = fail_dead_trials(study, Liveness(HEARTBEAT_INTERVAL_S, GRACE_PERIOD_S, storage_kind(bench.storage)))
    if dead:
        print(f"{name}: marked trials {dead} FAIL: left RUNNING by a run that died", file=sys.stderr)
    return study, settings


def methods() -> dict[str, Run]:
    """Every method name -> its run factory (imports KerasTuner, hence TensorFlow)."""
    from harness import TUNERS
    from studies._registry import PRUNER_FACTORIES, SAMPLER_FACTORIES

    table: dict[str, Run] = {f"{s}+{p}": functools.partial(_run_optuna, s, p)
                             for s in SAMPLER_FACTORIES for p in PRUNER_FACTORIES}
    table.update({kind: functools.partial(_run_keras_tuner, kind) for kind in TUNERS})
    return table


def run_benchmark(bench: Benchmark, *, objective: Any = None, kt_build: Any = None) -> int:
    """Run every method x seed of `bench` (finished runs are skipped); returns the exit code.

    objective: the objective factory of both engines (None: `harness.Objective` for Optuna,
    `harness.KerasTunerObjective` for KerasTuner; tests pass `studies.testing.FakeCurveObjective`);
    kt_build: KerasTuner's model builder (None: `harness._training.build`).
    """
    import optuna

    from harness import study_name
    from harness.common import open_storage

    table = methods()
    unknown = [m for m in bench.methods if m not in table]
    if unknown:
        raise MarssegError(f"unknown method(s) {unknown}; valid: SAMPLER+PRUNER ({', '.join(sorted(table))})")
    for method in bench.methods:
        for seed in bench.seeds:
            print(f"benchmark {bench.name}: {method} seed {seed}", file=sys.stderr)
            code = table[method](bench, seed, objective=objective, kt_build=kt_build)
            if code:
                return code
            study = optuna.load_study(study_name=study_name(bench.name, method, seed),
                                      storage=open_storage(bench.storage))
            for key, value in bench.tags(method).items():
                study.set_user_attr(key, value)
    return 0


def format_result(result: Any) -> str:
    """The last checkpoint of each method: seeds, mean best, held-out of the best trials, mean rank,
    regret, epochs to the target."""
    to = "epochs to " + format(result.targets[0].target if result.targets else 0.0, ".3f")
    lines = [f"{'method':>16s}  {'seeds':>5s}  {'best (mean)':>11s}  {'held-out (n)':>14s}  {'rank':>5s}  "
             f"{'regret':>6s}  {to:>16s}"]
    for band, regret, target in zip(result.by_epochs, result.regret, result.targets):
        rank = result.ranks[band.method][-1]
        heldout, scored = result.heldout.get(band.method, (float("nan"), 0))
        lines.append(f"{band.method:>16s}  {band.n_seeds:>5d}  {band.mean[-1]:>11.4f}  {heldout:>9.4f} ({scored})  "
                     f"{rank:>5.2f}  {regret.mean[-1]:>6.3f}  "
                     f"{target.mean_epochs:>10.1f} ({target.reached}/{band.n_seeds})")
    return "\n".join(lines)
