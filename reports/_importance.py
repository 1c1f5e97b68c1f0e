"""Parameter importances per rung: PED-ANOVA (handles conditional params) and fANOVA, side by side,
each Optuna's evaluator run on an in-memory study of the trials' values at that rung."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from reports._config import ReportConfig
from reports._rungs import Rung
from reports._trials import TrialTable, param_column


class Importance(NamedTuple):
    """Normalized importances of one method (empty with a `note` when it could not run)."""

    method: str
    importances: dict[str, float]
    n_trials: int
    note: str


class RungImportance(NamedTuple):
    """Both methods at one rung; `agreement`: its rank agreement with the end (`harness.analytics.
    Agreement`) over the trials that trained beyond it, None with fewer than 3 (or at the end)."""

    rung: Rung
    results: list[Importance]
    agreement: Any = None


AGREEMENT_TRIALS = 100  # at most this many trials (a seeded sample) in a rank agreement: a rung's, or a line by epoch


def rung_agreement(table: TrialTable, rung: Rung, seed: int = 0) -> Any:
    """Rank agreement (`harness.analytics.rank_agreement`) between the rung's values and the best val
    mIoU of the trials that trained beyond it; None at the end of training or with fewer than 3 such trials."""
    from harness.analytics import MIN_TRIALS, rank_agreement

    if rung.step is None:
        return None
    deeper = [k for k, i in enumerate(rung.rows) if len(table.curves[i][1]) > rung.step + 1]
    if len(deeper) < MIN_TRIALS:
        return None
    deeper = _at_most(np.random.default_rng(seed), deeper, AGREEMENT_TRIALS)
    finals = [float(table.curves[rung.rows[k]][1].max()) for k in deeper]
    return rank_agreement([[rung.values[k]] for k in deeper], finals, seed=seed)[0]


class EpochAgreement(NamedTuple):
    """Rank agreement of each epoch with the end over the complete trials' curves (`overall`) and
    within each family holding enough of them (`by_family`); `n_complete`: complete trials with
    curves, of which at most `AGREEMENT_TRIALS` per group (a seeded sample) are used."""

    overall: list[Any]
    by_family: dict[str, list[Any]]
    n_complete: int


def collect_epoch_agreement(table: TrialTable, config: ReportConfig) -> EpochAgreement:
    """`harness.analytics.rank_agreement` (and `rank_agreement_by` family) of the complete trials:
    does the ranking after each epoch predict the ranking at the end on this study's data?"""
    from harness.analytics import MIN_TRIALS, rank_agreement, rank_agreement_by
    from search_spaces import FAMILY_PARAM

    rows = [i for i, t in enumerate(table.trials) if t.state.name == "COMPLETE" and len(table.curves[i][1])]
    if len(rows) < MIN_TRIALS:
        return EpochAgreement([], {}, len(rows))
    column = param_column(table, FAMILY_PARAM).to_numpy(dtype=object)
    family = {i: column[i] if isinstance(column[i], str) else None for i in rows}  # absent: NaN
    rng = np.random.default_rng(config.seed)
    overall = _at_most(rng, rows, AGREEMENT_TRIALS)
    grouped = sorted(i for f in sorted(set(family.values()), key=str)
                     for i in _at_most(rng, [i for i in rows if family[i] == f], AGREEMENT_TRIALS))
    return EpochAgreement(
        overall=rank_agreement([table.curves[i][1] for i in overall], seed=config.seed, kendall=False),
        by_family=rank_agreement_by([table.curves[i][1] for i in grouped], [family[i] for i in grouped],
                                    seed=config.seed, kendall=False),
        n_complete=len(rows))


def _at_most(rng: np.random.Generator, rows: list[int], limit: int) -> list[int]:
    return rows if len(rows) <= limit else sorted(int(i) for i in rng.choice(rows, limit, replace=False))


def collect_importances(table: TrialTable, rungs: list[Rung], config: ReportConfig,
                        study: Any = None) -> list[RungImportance]:
    """PED-ANOVA on every trial of each rung, fANOVA on at most `fanova_max_trials` of them.

    study: the study of `table`; at the end-of-training rung (its complete trials, their values)
    the evaluators read it directly instead of a copy (None: a copy).
    """
    out = []
    for rung in rungs:
        n, note = len(rung.rows), ""
        if study is not None and rung.step is None:
            whole = study
        else:  # an in-memory copy: at most `rung_max_trials` of the rung's trials (a seeded sample)
            pick = _sample(n, config.rung_max_trials, config.seed)
            whole = rung_study(table, rung.rows[pick], rung.values[pick])
            if len(pick) < n:
                n, note = len(pick), f"on a seeded random subsample of {len(pick)} of {len(rung.rows)} trials; "
        out.append(RungImportance(rung, [_ped_anova(whole, n, note), _fanova(table, rung, config, whole)],
                                  rung_agreement(table, rung, config.seed)))
    return out


def _sample(n: int, limit: int, seed: int) -> np.ndarray:
    """All of range(n), or a sorted seeded sample of `limit` of them."""
    return np.arange(n) if n <= limit else np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def rung_study(table: TrialTable, rows: np.ndarray, values: np.ndarray) -> Any:
    """An in-memory study of the trials `rows` as COMPLETE with `values` (their params kept)."""
    import optuna
    from optuna.trial import TrialState, create_trial

    study = optuna.create_study(direction=table.direction)
    study.add_trials(create_trial(state=TrialState.COMPLETE, value=float(v), params=table.trials[i].params,
                                  distributions=table.trials[i].distributions) for i, v in zip(rows, values))
    return study


def _ped_anova(study: Any, n: int, note: str = "") -> Importance:
    from optuna.importance import PedAnovaImportanceEvaluator

    result, error = _run(study, PedAnovaImportanceEvaluator())
    return Importance("PED-ANOVA", result, n, error or (note or "every trial of the rung; ")
                      + "conditional parameters are included")


def _fanova(table: TrialTable, rung: Rung, config: ReportConfig, whole: Any) -> Importance:
    """fANOVA on `whole` (the rung's study), or on a seeded subsample of the rung when it is large."""
    from optuna.importance import FanovaImportanceEvaluator

    n = len(rung.rows)
    note = (f"random forest of {config.fanova_trees} trees, depth {config.fanova_depth}; "
            "only parameters present in every trial (conditional ones are left out)")
    target = whole
    if n > config.fanova_max_trials:
        pick = _sample(n, config.fanova_max_trials, config.seed)
        target = rung_study(table, rung.rows[pick], rung.values[pick])
        note = f"on a seeded random subsample of {len(pick)} of {n} trials; " + note
    evaluator = FanovaImportanceEvaluator(n_trees=config.fanova_trees, max_depth=config.fanova_depth,
                                          seed=config.seed)
    result, error = _run(target, evaluator)
    return Importance("fANOVA", result, min(n, config.fanova_max_trials), error or note)


def _run(study: Any, evaluator: Any) -> tuple[dict[str, float], str]:
    from optuna.importance import get_param_importances

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError) as exc:
        return {}, f"could not be computed: {exc}"
    return {str(k): float(v) for k, v in raw.items()}, ""
