"""One ranking rule: the report's headline, `evaluate`, `predict` and `ablate` name the same best
trial of a study whose best trial was pruned (its best epoch beats every complete trial)."""

from __future__ import annotations

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from harness import configs_from_params, get_budget, ranked_trials
from harness.common import attrs, open_storage
from search_spaces import TABLE1_PRESETS


def _study(tmp_path) -> optuna.Study:
    storage = open_storage(str(tmp_path / "s.journal"))
    study = optuna.create_study(study_name="best", storage=storage, direction="maximize")
    params = dict(TABLE1_PRESETS[0][1])
    configs = configs_from_params(params, get_budget("tiny")).to_dict()
    curves = [  # (state, intermediate values): trial 1 was pruned at a best epoch above every complete value
        (TrialState.COMPLETE, {0: 0.30, 1: 0.40}),
        (TrialState.PRUNED, {0: 0.33, 1: 0.45, 2: 0.41}),
        (TrialState.COMPLETE, {0: 0.20, 1: 0.42}),
        (TrialState.PRUNED, {0: 0.10}),
    ]
    for state, values in curves:
        study.add_trial(create_trial(
            state=state, value=max(values.values()) if state == TrialState.COMPLETE else None,
            params={"train.lr": 1e-3}, distributions={"train.lr": FloatDistribution(1e-4, 1e-2, log=True)},
            intermediate_values=values,
            user_attrs={attrs.CONFIGS: configs, attrs.WEIGHTS_ARTIFACT: "w", attrs.EPOCHS_RUN: len(values)}))
    return study


def test_report_evaluate_predict_and_ablate_agree_on_the_best_trial(tmp_path) -> None:
    from reports import collect_summary, read_trials
    from studies import choose_trials
    from studies._ablate import _baseline
    from studies._evaluate import pick_trials

    study = _study(tmp_path)
    assert [t.number for t in ranked_trials(study.get_trials())] == [1, 2, 0, 3]  # by hand: 0.45, 0.42, 0.40, 0.10
    summary = collect_summary(read_trials(study), str(tmp_path / "s.journal"))
    assert summary.best_number == 1 and summary.best_value == 0.45
    assert pick_trials(study, 1)[0].number == 1
    assert choose_trials(study, 1)[0].number == 1
    assert _baseline(study)[1] == 1
