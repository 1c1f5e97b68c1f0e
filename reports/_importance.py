"""Parameter importances: PED-ANOVA (handles conditional params) and fANOVA, side by side."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from reports._config import ReportConfig
from reports._trials import sampled_study


class Importance(NamedTuple):
    """Normalized importances of one method (empty with a `note` when it could not run)."""

    method: str
    importances: dict[str, float]
    n_trials: int
    note: str


def collect_importances(study: Any, config: ReportConfig) -> list[Importance]:
    """PED-ANOVA on every complete trial, fANOVA on at most `fanova_max_trials` of them."""
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return [_ped_anova(study, len(complete)), _fanova(study, complete, config)]


def _ped_anova(study: Any, n: int) -> Importance:
    from optuna.importance import PedAnovaImportanceEvaluator

    method = "PED-ANOVA"
    if n < 10:
        return Importance(method, {}, n, f"needs at least 10 complete trials, has {n}")
    result, error = _run(study, PedAnovaImportanceEvaluator())
    note = "all complete trials; conditional parameters are included"
    return Importance(method, result, n, error or note)


def _fanova(study: Any, complete: list[Any], config: ReportConfig) -> Importance:
    from optuna.importance import FanovaImportanceEvaluator

    method = "fANOVA"
    n = len(complete)
    if n < 10:
        return Importance(method, {}, n, f"needs at least 10 complete trials, has {n}")
    note = (f"random forest of {config.fanova_trees} trees, depth {config.fanova_depth}; "
            "only parameters present in every trial (conditional ones are left out)")
    target = study
    if n > config.fanova_max_trials:
        target = _subsample_study(study, complete, config)
        n = config.fanova_max_trials
        note = f"on a seeded random subsample of {n} of {len(complete)} complete trials; " + note
    evaluator = FanovaImportanceEvaluator(n_trees=config.fanova_trees, max_depth=config.fanova_depth,
                                          seed=config.seed)
    result, error = _run(target, evaluator)
    return Importance(method, result, n, error or note)


def _subsample_study(study: Any, complete: list[Any], config: ReportConfig) -> Any:
    rng = np.random.default_rng(config.seed)
    pick = rng.choice(len(complete), size=config.fanova_max_trials, replace=False)
    return sampled_study([complete[i] for i in np.sort(pick)], study.direction, curves=False)


def _run(study: Any, evaluator: Any) -> tuple[dict[str, float], str]:
    from optuna.importance import get_param_importances

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError) as exc:
        return {}, f"could not be computed: {exc}"
    return {str(k): float(v) for k, v in raw.items()}, ""
