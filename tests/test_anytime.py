"""Benchmark analytics on hand-made recorded curves whose answers are worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from harness import TrialPoint, analyse, epochs_consumed, parse_study_name, run_curve, study_name, trial_points
from harness.analytics import best_at, epochs_to_target, mean_ranks, normalized_regret

# (epochs, seconds, best reported val mIoU) per finished trial, in completion order
RUNS = {
    ("A", 0): [(2, 10, 0.3), (3, 20, 0.5), (1, 25, 0.4)],  # cumulative epochs 2, 5, 6
    ("A", 1): [(3, 5, 0.6)],
    ("B", 0): [(1, 1, None), (2, 3, 0.2), (4, 8, 0.7)],  # 1, 3, 7
    ("B", 1): [(6, 30, 0.1)],
}
NAN = math.nan


def _curves():
    return [run_curve(m, s, [TrialPoint(*p) for p in pts]) for (m, s), pts in RUNS.items()]


def test_study_names_round_trip_and_other_names_are_not_runs() -> None:
    assert parse_study_name(study_name("nightly/v2", "tpe+median", 3)) == ("nightly/v2", "tpe+median", 3)
    assert parse_study_name("demo") is None and parse_study_name("B/kt-random/x") is None


def test_best_so_far_is_a_step_function_of_epochs_consumed() -> None:
    a0, a1, b0, b1 = _curves()
    grid = np.array([1, 2, 3, 5, 6, 7], dtype=float)
    np.testing.assert_allclose(best_at(a0.epochs, a0.best, grid), [NAN, 0.3, 0.3, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(best_at(b0.epochs, b0.best, grid), [NAN, NAN, 0.2, 0.2, 0.2, 0.7])
    np.testing.assert_allclose(best_at(b1.epochs, b1.best, grid), [NAN] * 4 + [0.1, 0.1])


def test_mean_ranks_count_a_run_without_a_value_as_last_and_share_ties() -> None:
    # epochs 1, 3, 7: seed 0 A (nan, .3, .5) vs B (nan, .2, .7); seed 1 A (nan, .6, .6) vs B (nan, nan, .1)
    ranks = mean_ranks({"A": np.array([[NAN, 0.3, 0.5], [NAN, 0.6, 0.6]]),
                        "B": np.array([[NAN, 0.2, 0.7], [NAN, NAN, 0.1]])})
    np.testing.assert_allclose(ranks["A"], [1.5, 1.0, 1.5])
    np.testing.assert_allclose(ranks["B"], [1.5, 2.0, 1.5])


def test_normalized_regret_spans_best_to_worst() -> None:
    np.testing.assert_allclose(normalized_regret(np.array([0.5, 0.6, 0.7, 0.1, NAN]), 0.7, 0.1),
                               [1 / 3, 1 / 6, 0.0, 1.0, 1.0])


def test_epochs_to_target_is_the_first_crossing_or_never() -> None:
    a0, a1, b0, b1 = _curves()
    assert [epochs_to_target(c, 0.55) for c in (a0, a1, b0, b1)] == [math.inf, 3.0, 7.0, math.inf]


def test_analyse_aggregates_seeds_into_bands_ranks_regret_and_targets() -> None:
    result = analyse("B", _curves(), n_points=7)  # epoch grid 1..7
    np.testing.assert_allclose(result.by_epochs[0].x, np.arange(1, 8))
    a = result.by_epochs[0]
    assert a.method == "A" and a.n_seeds == 2
    # epoch 7: A's seeds hold 0.5 and 0.6 -> mean 0.55, t(0.975, 1 dof) = 12.7062 * sd / sqrt(2)
    half = 12.7062 * np.std([0.5, 0.6], ddof=1) / np.sqrt(2)
    assert a.mean[-1] == pytest.approx(0.55) and a.high[-1] == pytest.approx(0.55 + half, rel=1e-4)
    assert (result.best, result.worst) == (pytest.approx(0.7), pytest.approx(0.1))
    regret = {b.method: b.mean[-1] for b in result.regret}
    assert regret == {"A": pytest.approx((1 / 3 + 1 / 6) / 2), "B": pytest.approx(0.5)}
    np.testing.assert_allclose(result.ranks["A"][[0, 2, 6]], [1.5, 1.0, 1.5])
    # default target: the lowest final best (0.1), reached by A at 2 and 3, by B at 3 and 6 epochs
    targets = {t.method: t for t in result.targets}
    assert targets["A"].target == pytest.approx(0.1) and targets["A"].epochs == (2.0, 3.0)
    assert targets["B"].mean_epochs == pytest.approx(4.5) and targets["B"].reached == 2


def _frozen(number, state, start_s, end_s, steps, value=None, epochs_run=None):
    t0 = dt.datetime(2026, 1, 1)
    return optuna.trial.FrozenTrial(
        number=number, state=state, value=value, values=None, datetime_start=t0 + dt.timedelta(seconds=start_s),
        datetime_complete=None if end_s is None else t0 + dt.timedelta(seconds=end_s), params={}, distributions={},
        user_attrs={} if epochs_run is None else {"epochs_run": epochs_run}, system_attrs={},
        intermediate_values=dict(enumerate(steps)), trial_id=number)


def test_trial_points_follow_completion_order_and_credit_pruned_trials_with_what_they_reported() -> None:
    trials = [_frozen(0, TrialState.COMPLETE, 0, 30, [0.2, 0.4, 0.3], value=0.4),
              _frozen(1, TrialState.PRUNED, 2, 10, [0.5]),
              _frozen(2, TrialState.FAIL, 5, 12, [], epochs_run=2),
              _frozen(3, TrialState.RUNNING, 11, None, [0.1])]
    assert trial_points(trials) == [TrialPoint(1, 10.0, 0.5), TrialPoint(2, 12.0, None), TrialPoint(3, 30.0, 0.4)]
    assert epochs_consumed(trials) == 3 + 1 + 2 + 1
