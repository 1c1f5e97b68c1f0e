"""The report reads what trials trained and puts held-out mIoU beside val mIoU."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState

from harness.common import attrs
from reports import collect_comparison, read_trials
from reports._trials import param_column

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _trial(value: float, base_filters_param: int, base_filters_trained: int) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(
        state=TrialState.COMPLETE, value=value,
        params={"model.family": "unet", "model.base_filters": base_filters_param},
        distributions={"model.family": CategoricalDistribution(("unet",)),
                       "model.base_filters": CategoricalDistribution((16, 32))},
        user_attrs={attrs.CONFIGS: {"model": {"family": "unet", "base_filters": base_filters_trained},
                                    "loss": {}, "data": {}, "train": {}}})


def test_params_are_read_from_the_stored_configs_and_held_out_sits_beside_val() -> None:
    study = optuna.create_study(direction="maximize")
    study.add_trial(_trial(0.40, 32, 16))  # e.g. a study from before budgets fixed params
    study.add_trial(_trial(0.45, 16, 16))
    study.set_user_attr(attrs.heldout_key(1), {"miou": 0.41})
    table = read_trials(study)
    assert list(param_column(table, "model.base_filters")) == [16, 16]
    rows = collect_comparison(table)
    assert len(rows) == 1 and rows[0].best == pytest.approx(0.45) and rows[0].best_number == 1
    assert rows[0].heldout == pytest.approx(0.41)


def test_the_held_out_table_lists_scored_pruned_trials_at_their_best_epoch(tmp_path) -> None:
    from reports import collect_heldout, write_study_report

    study = optuna.create_study(direction="maximize")
    study.add_trial(_trial(0.40, 16, 16))
    pruned = _trial(0.40, 16, 16)
    study.add_trial(optuna.trial.create_trial(
        state=TrialState.PRUNED, params=pruned.params, distributions=pruned.distributions,
        user_attrs={**pruned.user_attrs, attrs.EPOCHS_RUN: 3}, intermediate_values={0: 0.30, 1: 0.45, 2: 0.20}))
    study.add_trial(_trial(0.50, 16, 16))  # not scored: not listed
    study.set_user_attr(attrs.heldout_key(0), {"miou": 0.33, "per_class_iou": {"soil": 0.5, "big_rock": None}})
    study.set_user_attr(attrs.heldout_key(1), {"miou": 0.36, "per_class_iou": {}})
    rows = collect_heldout(read_trials(study))
    assert [(r.number, r.state, r.epochs) for r in rows] == [(1, "pruned", 3), (0, "complete", None)]
    assert [r.val for r in rows] == [pytest.approx(0.45), pytest.approx(0.40)]  # the pruned trial's best epoch, not its last
    assert [r.heldout for r in rows] == [pytest.approx(0.36), pytest.approx(0.33)]
    html = write_study_report(study, tmp_path / "r.html").read_text()
    assert "Held-out scores of the top trials" in html and "0.4500" in html
