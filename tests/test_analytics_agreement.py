"""Rank agreement of early epochs with the final ranking (harness.analytics.rank_agreement)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from harness.analytics import kendall_rows, rank_agreement, spearman_rows

CURVES = [  # hand-made: five trials, the third stops early (early stopping), a tie at epoch 0
    [0.10, 0.30, 0.35, 0.36],
    [0.20, 0.25, 0.28, 0.40],
    [0.15, 0.20],
    [0.20, 0.35, 0.45, 0.44],
    [0.05, 0.10, 0.12, 0.20],
]


def test_agreement_at_each_epoch_equals_scipy_on_the_trials_that_reached_it() -> None:
    rows = rank_agreement(CURVES, n_boot=200)
    finals = [max(c) for c in CURVES]
    assert [r.epoch for r in rows] == [0, 1, 2, 3]
    for r in rows:
        have = [i for i, c in enumerate(CURVES) if len(c) > r.epoch]
        x, y = [CURVES[i][r.epoch] for i in have], [finals[i] for i in have]
        assert r.n == len(have)
        assert r.spearman == pytest.approx(stats.spearmanr(x, y).statistic)
        assert r.kendall == pytest.approx(stats.kendalltau(x, y).statistic)
    assert rows[2].n == 4 and rows[3].spearman == pytest.approx(1.0)  # the last epoch vs the best: same order here


def test_the_vectorised_statistics_equal_scipy_row_by_row() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (30, 9)).astype(float)  # many ties
    y = x + rng.normal(0, 2, x.shape)
    rho, tau = spearman_rows(x, y), kendall_rows(x, y)
    for b in range(30):
        assert rho[b] == pytest.approx(stats.spearmanr(x[b], y[b]).statistic, nan_ok=True)
        assert tau[b] == pytest.approx(stats.kendalltau(x[b], y[b]).statistic, nan_ok=True)


def test_intervals_bracket_the_estimate_and_too_few_trials_give_none() -> None:
    rng = np.random.default_rng(1)
    curves = [np.cumsum(rng.normal(0.05, 0.02, 8)) + q for q in rng.normal(0, 0.1, 20)]
    rows = rank_agreement(curves, n_boot=500, seed=2)
    for r in rows:
        assert r.spearman_ci[0] <= r.spearman <= r.spearman_ci[1]
        assert r.kendall_ci[0] <= r.kendall <= r.kendall_ci[1]
    assert rows == rank_agreement(curves, n_boot=500, seed=2)
    short = rank_agreement([[0.1, 0.2], [0.3, 0.1]], n_boot=50)
    assert all(r.n == 2 and math.isnan(r.spearman) and r.spearman_ci is None for r in short)


def test_leaving_kendall_out_keeps_spearman_and_its_interval() -> None:
    both, rho_only = rank_agreement(CURVES, n_boot=300, seed=4), rank_agreement(CURVES, n_boot=300, seed=4, kendall=False)
    assert [(r.spearman, r.spearman_ci) for r in rho_only] == [(r.spearman, r.spearman_ci) for r in both]
    assert all(math.isnan(r.kendall) and r.kendall_ci is None for r in rho_only)


def test_replay_prints_the_rank_agreement_beside_the_replayed_pruners(tmp_path, capsys) -> None:
    import optuna
    from optuna.trial import TrialState, create_trial

    from harness.common import open_storage
    from studies.cli import main

    journal = str(tmp_path / "j.journal")
    study = optuna.create_study(study_name="np", storage=open_storage(journal), direction="maximize")
    for key, value in {"pruner": "none", "budget": "tiny"}.items():
        study.set_user_attr(key, value)
    for curve in CURVES:
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=max(curve),
                                     intermediate_values=dict(enumerate(curve))))
    assert main(["replay", "--study", "np", "--storage", journal, "--pruners", "median"]) == 0
    out = capsys.readouterr().out
    expected = rank_agreement(CURVES, n_boot=1000, seed=0)[1]
    assert "Rank agreement" in out and "median" in out
    assert f"{expected.spearman:+.2f} [{expected.spearman_ci[0]:+.2f}, {expected.spearman_ci[1]:+.2f}]" in out


def test_replay_prints_the_agreement_within_each_family_that_has_enough_trials(tmp_path, capsys) -> None:
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.trial import TrialState, create_trial

    from harness.common import open_storage
    from studies.cli import main

    journal = str(tmp_path / "j.journal")
    study = optuna.create_study(study_name="np", storage=open_storage(journal), direction="maximize")
    for key, value in {"pruner": "none", "budget": "tiny"}.items():
        study.set_user_attr(key, value)
    families = ["unet", "unet_pp", "unet", "unet_pp", "unet"]  # U-Net: curves 0, 2, 4; U-Net++: 1, 3 (too few)
    dist = {"model.family": CategoricalDistribution(["unet", "unet_pp"])}
    for curve, family in zip(CURVES, families):
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=max(curve), params={"model.family": family},
                                     distributions=dist, intermediate_values=dict(enumerate(curve))))
    assert main(["replay", "--study", "np", "--storage", journal, "--pruners", "median"]) == 0
    out = capsys.readouterr().out
    assert "Within family unet (3 trials)" in out and "Within family unet_pp" not in out
    unet = [CURVES[i] for i in (0, 2, 4)]
    x, y = [c[1] for c in unet], [max(c) for c in unet]  # epoch 2, computed here by scipy
    row = out.split("Within family unet (3 trials)")[1].splitlines()[3]
    assert row.split()[:2] == ["2", "3"]
    assert float(row.split()[2]) == pytest.approx(stats.spearmanr(x, y).statistic, abs=0.005)
    assert float(row.split("]")[1].split()[0]) == pytest.approx(stats.kendalltau(x, y).statistic, abs=0.005)
