"""`marsseg ablate`: controlled ablations of a study's best configuration.

The baseline is the best trial's stored configs (by val mIoU: the held-out split is never
used to choose). Every toggle variant (`harness.TOGGLES`) and the baseline run with the
same seeds, at the study's budget without pruning, as trials of the study
`<study>/ablation` in the same storage: each cell (variant, seed) is an enqueued trial that
carries its configs (`planned_configs`), so `marsseg worker --study <study>/ablation`
joins from any machine, and running `ablate` again enqueues only the cells that are
missing (never run, or FAIL). When the workers end, every complete cell is scored on the
held-out split, which is the parent study's (same data, seed and fraction).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.analytics import DETECT
from harness.common import MarssegError, attrs

SEED_BASE = 10_000  # ablation training seeds: study seed + SEED_BASE + i, apart from search trial seeds
_LIVE = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")  # a cell in one of these states is not run again


@dataclass(frozen=True)
class AblationRequest:
    """The flags of `marsseg ablate`; `toggles` None: every toggle of the registry; `budget` None:
    the ablation study's budget if it exists, else the searched study's."""

    study: str
    storage: str
    seeds: int = 3
    toggles: tuple[str, ...] | None = None
    workers: int = 1
    timeout: float | None = None
    artifact_dir: str | None = None
    data: str | None = None
    budget: str | None = None
    verbose: bool = False
    objective: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Cell:
    """One planned ablation trial."""

    label: str
    seed: int
    configs: dict[str, Any]


def plan_cells(baseline: Any, toggles: tuple[str, ...], seeds: list[int]) -> list[Cell]:
    """(variants + 1) x seeds cells; every cell of a seed trains with that seed."""
    from harness import ablation_variants

    try:
        variants = ablation_variants(baseline, toggles)
    except ValueError as exc:
        raise MarssegError(str(exc)) from None
    cells = []
    for variant in variants:
        for seed in seeds:
            configs = dataclasses.replace(variant.configs, train=dataclasses.replace(variant.configs.train, seed=seed))
            cells.append(Cell(variant.label, seed, configs.to_dict()))
    return cells


def _baseline(parent: Any) -> tuple[Any, int]:
    """The configs of the study's best trial by the one ranking rule (`harness.ranked_trials`)."""
    from harness import TrialConfigs, ranked_trials

    ranked = ranked_trials(parent.get_trials(deepcopy=False))
    if not ranked:
        raise MarssegError(f"study {parent.study_name!r} has no complete or pruned trial with a val mIoU to ablate")
    best = ranked[0]
    if attrs.CONFIGS not in best.user_attrs:
        raise MarssegError(f"trial {best.number} of {parent.study_name!r} has no stored configs "
                           f"(the `{attrs.CONFIGS}` attribute); it was run before configs were recorded")
    return TrialConfigs.from_dict(best.user_attrs[attrs.CONFIGS]), best.number


def _ablation_budget(request: AblationRequest, storage: Any, name: str, searched: str) -> Any:
    """The `--budget` asked for, else the existing ablation study's, else the searched study's."""
    import optuna

    from harness import get_budget
    from studies._study import load_settings

    chosen = request.budget
    if chosen is None:
        try:
            chosen = load_settings(optuna.load_study(study_name=name, storage=storage)).budget
        except KeyError:  # no ablation study yet
            pass
    try:
        return get_budget(chosen or searched)
    except ValueError as exc:
        raise MarssegError(str(exc)) from None


def prepare_ablation(request: AblationRequest) -> tuple[Any, int]:
    """Create or resume the ablation study and enqueue its missing cells; (study, total trials)."""
    from harness import TOGGLES, TrialConfigs, with_budget
    from harness.common import load_existing_study, open_storage, storage_kind
    from studies._accounting import is_lost
    from studies._liveness import Liveness, fail_dead_trials
    from studies._search import default_artifact_dir
    from studies._settings import StudySettings
    from studies._study import create_or_resume, load_settings

    if request.seeds < 1:
        raise MarssegError(f"--seeds must be >= 1, got {request.seeds}")
    parent = load_existing_study(request.study, request.storage)
    storage = open_storage(request.storage)
    if attrs.ABLATION_OF in parent.user_attrs:
        raise MarssegError(f"{request.study!r} is itself an ablation study; name the searched study")
    settings = load_settings(parent)
    name = attrs.ablation_study_name(request.study)
    budget = _ablation_budget(request, storage, name, settings.budget)
    ablation_settings = StudySettings(
        space=settings.space, sampler="random", pruner="none", budget=budget.name, data=settings.data,
        seed=settings.seed, artifact_dir=request.artifact_dir or default_artifact_dir(request.storage, name),
        heldout_fraction=settings.heldout_fraction, heartbeat_s=settings.heartbeat_s, grace_s=settings.grace_s,
        split_groups=settings.split_groups)
    study, created = create_or_resume(storage, name, ablation_settings)
    if created:
        baseline, number = _baseline(parent)
        study.set_user_attr(attrs.ABLATION_OF, request.study)
        study.set_user_attr(attrs.ABLATION_BASELINE, baseline.to_dict())
        study.set_user_attr(attrs.ABLATION_BASELINE_TRIAL, number)
    baseline = with_budget(TrialConfigs.from_dict(study.user_attrs[attrs.ABLATION_BASELINE]), budget)
    seeds = [settings.seed + SEED_BASE + i for i in range(request.seeds)]
    study.set_user_attr(attrs.ABLATION_SEEDS, sorted(set(study.user_attrs.get(attrs.ABLATION_SEEDS, [])) | set(seeds)))
    fail_dead_trials(study, Liveness(settings.heartbeat_s, settings.grace_s, storage_kind(request.storage)))
    cells = plan_cells(baseline, tuple(request.toggles or TOGGLES), seeds)
    taken = {(t.user_attrs.get(attrs.ABLATION_TOGGLE), t.user_attrs.get(attrs.ABLATION_SEED))
             for t in study.get_trials(deepcopy=False) if t.state.name in _LIVE}
    for cell in cells:
        if (cell.label, cell.seed) not in taken:
            study.enqueue_trial({}, user_attrs={attrs.ABLATION_TOGGLE: cell.label, attrs.ABLATION_SEED: cell.seed,
                                               attrs.PLANNED_CONFIGS: cell.configs})
    # every trial counts but those lost to the infrastructure (their retries are queued), so
    # the cap is reached exactly when the queue is empty
    total = sum(not is_lost(t) for t in study.get_trials(deepcopy=False))
    study.set_user_attr(attrs.N_TRIALS, total)  # what joining workers obey
    return study, total


def run_ablation(request: AblationRequest) -> int:
    """Enqueue the missing cells, run the workers on them, score them on the held-out split."""
    from studies._evaluate import evaluate_study
    from studies._search import SearchRequest, run_search
    from studies._study import load_settings

    study, total = prepare_ablation(request)
    print(f"ablation study {study.study_name!r}: {total} cell(s) planned, "
          f"{sum(t.state.name == 'WAITING' for t in study.get_trials(deepcopy=False))} to run", file=sys.stderr)
    code = run_search(SearchRequest(study=study.study_name, storage=request.storage, trials=total,
                                    workers=request.workers, timeout=request.timeout, verbose=request.verbose,
                                    objective=request.objective, evaluate_top=0))
    if code:
        return code
    evaluate_study(study, load_settings(study), top=None, data_path=request.data)
    print(format_power(study), file=sys.stderr)
    return 0




def format_power(study: Any, effect: float = DETECT) -> str:
    """Per variant: seed pairs, paired sd, and the seeds a two-sided paired t-test at 0.05 needs to detect
    `effect` with 80% power at that sd (`harness.analytics.ablation_power`)."""
    from harness.analytics import ablation_pairs, ablation_power

    rows = ablation_power({p.variant: p.diffs for p in ablation_pairs(study)}, effect)
    lines = [f"seeds needed to detect a held-out mIoU difference of {effect} (80% power, paired t-test, two-sided 0.05):"]
    for r in rows:
        spread = "sd unknown (fewer than 2 seed pairs)" if r.seeds_needed is None else (
            f"paired sd {r.sd:.4f}: {r.seeds_needed} seeds (this n detects {r.mde:.4f})")
        lines.append(f"  {r.name:<28s} n={r.n}  mean {r.mean:+.4f}  {spread}")
    return "\n".join(lines)
