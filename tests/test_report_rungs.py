"""A pruned study's report: every trial counts at the fidelity it reached, importances and effects
per rung, one timeline row per worker. The study is built by hand (1 complete trial, 21 pruned at
two rungs), so the expected rows are counted here, not computed by the code under test."""

from __future__ import annotations

import math
import warnings

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from harness.common import attrs
from reports import (ReportConfig, collect_comparison, collect_history, collect_importances, collect_report,
                     collect_rung_effects, collect_rungs, collect_summary, collect_timeline, read_trials)
from reports.testing import BATCH_SIZE, STEPS_PER_EPOCH, fake_configs, make_fake_study

optuna.logging.set_verbosity(optuna.logging.WARNING)
DISTS = {"model.family": CategoricalDistribution(("unet", "unet_pp", "double_unet")),
         "model.residual": CategoricalDistribution((False, True)),
         "aug.geometric": CategoricalDistribution((False, True)),
         "train.lr": FloatDistribution(1e-4, 1e-2, log=True)}
# (family, residual, epochs reached, how many): 1 complete U-Net, then pruned trials
GROUPS = [("unet", False, 10, 1), ("unet", False, 2, 4), ("unet", True, 4, 3), ("unet", True, 2, 2),
          ("unet_pp", False, 4, 6), ("double_unet", False, 2, 6)]


def _curve(ceiling: float, epochs: int) -> dict[int, float]:
    return {s: ceiling * (1 - math.exp(-(s + 1) / 3)) for s in range(epochs)}


def _pruned_study() -> optuna.Study:
    """22 trials: 1 complete (10 epochs), 9 pruned after 4 epochs, 12 after 2; one of the U-Net++
    trials peaks at 0.62 in its third epoch (above the complete trial's 0.60), then drops."""
    rng = np.random.default_rng(0)
    study = optuna.create_study(direction="maximize")
    number = 0
    for family, residual, epochs, count in GROUPS:
        for _ in range(count):
            params = {"model.family": family, "model.residual": residual,
                      "aug.geometric": bool(number % 2), "train.lr": float(10 ** rng.uniform(-4, -2))}
            ceiling = 0.3 + 0.05 * residual + 0.02 * params["aug.geometric"] + 20 * params["train.lr"]
            curve = _curve(ceiling, epochs)
            if number == 0:
                curve = _curve(0.60 / (1 - math.exp(-10 / 3)), 10)
            if number == 10:  # the first U-Net++ trial
                curve = {0: 0.30, 1: 0.50, 2: 0.62, 3: 0.50}
            complete = epochs == 10
            study.add_trial(create_trial(
                state=TrialState.COMPLETE if complete else TrialState.PRUNED,
                value=max(curve.values()) if complete else None, params=params, distributions=DISTS,
                intermediate_values=curve,
                user_attrs={attrs.EPOCHS_RUN: epochs, attrs.CONFIGS: fake_configs(params, 10),
                            attrs.PER_CLASS_IOU: {}, attrs.WORKER: "h:1", attrs.WORKER_NAME: "h/worker-0"}))
            number += 1
    study.add_trial(create_trial(state=TrialState.FAIL, params=params, distributions=DISTS))
    study.add_trial(create_trial(state=TrialState.PRUNED, params=params, distributions=DISTS,
                                 user_attrs={attrs.PRUNED_REASON: "rejected before training"}))
    return study


@pytest.fixture(scope="module")
def pruned() -> optuna.Study:
    return _pruned_study()


def test_every_variant_counts_its_pruned_trials_at_the_fidelity_they_reached(pruned: optuna.Study) -> None:
    rows = collect_comparison(read_trials(pruned))
    counted = [(r.variant, r.n, r.n_pruned, r.best_number, r.best_state, r.best_after) for r in rows]
    # U-Net++ first: trial 10 peaked at 0.62 after 3 epochs; then the complete U-Net (0.60 after 10);
    # the failed trial and the trial rejected before training are in no row
    assert counted[:2] == [("U-Net++", 0, 6, 10, "pruned", 3), ("U-Net", 1, 4, 0, "complete", 10)]
    assert sorted((v, n, k, state) for v, n, k, _, state, _ in counted[2:]) == [
        ("Double U-Net", 0, 6, "pruned"), ("U-Net, residual", 0, 5, "pruned")]
    assert rows[2].best >= rows[3].best
    assert rows[0].best == pytest.approx(0.62) and rows[1].best == pytest.approx(0.60)
    assert rows[1].mean == pytest.approx(0.60) and math.isnan(rows[0].mean)


def test_the_summary_names_the_trial_evaluate_and_predict_pick(pruned: optuna.Study) -> None:
    from harness import ranked_trials

    s = collect_summary(read_trials(pruned), "")
    assert (s.best_number, s.best_state, s.best_value) == (10, "pruned", pytest.approx(0.62))
    assert ranked_trials(pruned.trials)[0].number == s.best_number


def test_rungs_are_the_epochs_enough_trials_reached_deepest_first(pruned: optuna.Study) -> None:
    fid = collect_rungs(read_trials(pruned), ReportConfig())
    # 1 complete trial (< 8): no end-of-training rung; 10 trials reported epoch 4 (step 3), 22 epoch 2
    assert [(r.step, len(r.rows)) for r in fid.rungs] == [(3, 10), (1, 22)]
    images = STEPS_PER_EPOCH * BATCH_SIZE
    assert fid.rungs[0].label == f"after 4 epochs ({4 * images:,} training images)"
    assert fid.rungs[1].label == f"after 2 epochs ({2 * images:,} training images)"
    assert [r.step for r in collect_rungs(read_trials(pruned), ReportConfig(min_rung_trials=11)).rungs] == [1]
    fewer = optuna.create_study(direction="maximize")  # 4 of the 2-epoch trials gone: 18 at epoch 2, < 2 x 10
    fewer.add_trials(t for t in pruned.trials if t.number not in (16, 17, 18, 19))
    assert [r.step for r in collect_rungs(read_trials(fewer), ReportConfig()).rungs] == [3]


def test_importances_at_the_deepest_rung_equal_optunas_evaluators_on_those_values(pruned: optuna.Study) -> None:
    from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator, get_param_importances

    config = ReportConfig()
    table = read_trials(pruned)
    deepest = collect_importances(table, collect_rungs(table, config).rungs, config)[0]
    at_epoch_4 = optuna.create_study(direction="maximize")
    at_epoch_4.add_trials(create_trial(value=t.intermediate_values[3], params=t.params, distributions=t.distributions)
                          for t in pruned.trials if 3 in t.intermediate_values)
    assert len(at_epoch_4.trials) == deepest.rung.values.size == 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ped = get_param_importances(at_epoch_4, evaluator=PedAnovaImportanceEvaluator())
        fanova = get_param_importances(at_epoch_4, evaluator=FanovaImportanceEvaluator(
            n_trees=config.fanova_trees, max_depth=config.fanova_depth, seed=config.seed))
    assert deepest.results[0].importances == pytest.approx(ped)
    assert deepest.results[1].importances == pytest.approx({k: float(v) for k, v in fanova.items()})
    small = ReportConfig(rung_max_trials=15)
    at_epoch_2 = collect_importances(table, collect_rungs(table, small).rungs, small)[1].results[0]
    assert at_epoch_2.n_trials == 15 and "subsample of 15 of 22 trials" in at_epoch_2.note


def test_marginal_effects_at_a_rung_use_the_values_there(pruned: optuna.Study) -> None:
    table = read_trials(pruned)
    config = ReportConfig()
    at_epoch_2 = collect_rung_effects(table, collect_rungs(table, config).rungs, config)[1]
    residual = next(e for e in at_epoch_2.effects if e.param == "model.residual")
    values = {True: [], False: []}
    for t in pruned.trials:
        if 1 in t.intermediate_values:
            values[t.params["model.residual"]].append(t.intermediate_values[1])
    assert (residual.n_with, residual.n_without) == (5, 17)
    assert residual.diff == pytest.approx(np.mean(values[True]) - np.mean(values[False]))


def test_the_history_draws_pruned_trials_at_their_best_reported_value(pruned: optuna.Study) -> None:
    h = collect_history(read_trials(pruned), ReportConfig())
    assert h.n_total == 22 and list(h.numbers) == list(range(22))
    assert list(h.states).count("PRUNED") == 21
    assert h.values[10] == pytest.approx(0.62)  # its best epoch, not its last (0.50)
    assert list(h.best_numbers) == [0, 10, 21] and h.best_so_far[-1] == pytest.approx(0.62)


def test_a_recycled_workers_processes_share_one_timeline_row() -> None:
    study = make_fake_study(12, n_workers=2, recycle=2, fail_fraction=0.0, seed=3)
    t = collect_timeline(read_trials(study))
    assert sorted(set(t.workers)) == ["host/worker-0", "host/worker-1"]
    assert len(set(t.processes)) == 6  # each worker ran 6 trials in 3 processes
    assert sorted(w for w, _ in t.restarts) == ["host/worker-0"] * 2 + ["host/worker-1"] * 2


def test_a_study_from_before_worker_names_has_a_row_per_process() -> None:
    study = make_fake_study(6, n_workers=2, recycle=1, fail_fraction=0.0, seed=3)
    old = optuna.create_study(direction="maximize")
    for tr in study.trials:
        tr.user_attrs.pop(attrs.WORKER_NAME)
        old.add_trial(tr)
    t = collect_timeline(read_trials(old))
    assert t.workers == t.processes and len(set(t.workers)) == 6 and t.restarts == []


def test_the_page_says_which_fidelity_and_how_many_trials(pruned: optuna.Study) -> None:
    from reports import render_report

    html = render_report(collect_report(pruned))
    assert "After 4 epochs (3,200 training images): 10 trials" in html
    assert "how fast a choice starts to pay" in html


@pytest.mark.slow
def test_a_worker_recycling_its_process_gets_one_timeline_row_with_the_restart_marked(tmp_path) -> None:
    from harness.common import open_storage
    from studies import SearchRequest, WorkerSpec, run_search, run_worker
    from studies.testing import TensorFlowFakeObjective

    journal = str(tmp_path / "r.journal")
    assert run_search(SearchRequest(study="r", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    sampler="random", trials=3, create_only=True)) == 0
    assert run_worker(WorkerSpec(journal, "r", objective=TensorFlowFakeObjective, recycle=2)) == 3
    t = collect_timeline(read_trials(optuna.load_study(study_name="r", storage=open_storage(journal))))
    assert len(set(t.processes)) == 2 and len(set(t.workers)) == 1  # two processes, one worker
    assert [w for w, _ in t.restarts] == t.workers[:1]


def test_a_rungs_rank_agreement_is_over_the_trials_that_trained_beyond_it(pruned: optuna.Study) -> None:
    from harness.analytics import rank_agreement

    config = ReportConfig()
    table = read_trials(pruned)
    at_4, at_2 = collect_importances(table, collect_rungs(table, config).rungs, config)
    assert at_4.agreement is None  # only the complete trial went beyond epoch 4
    beyond = [t for t in pruned.trials if len(t.intermediate_values) > 2]
    expected = rank_agreement([[t.intermediate_values[1]] for t in beyond],
                              [max(t.intermediate_values.values()) for t in beyond], seed=config.seed)[0]
    assert at_2.agreement.n == len(beyond) == 10
    assert at_2.agreement.spearman == pytest.approx(expected.spearman)


def _complete_study() -> tuple[optuna.Study, dict[str, list[list[float]]]]:
    """Nine complete trials: 4 U-Nets, 3 U-Net++s, 2 Double U-Nets (too few for their own line), with
    seeded curves whose early epochs rank them only partly as their ends do."""
    rng = np.random.default_rng(3)
    study = optuna.create_study(direction="maximize")
    curves: dict[str, list[list[float]]] = {}
    for family, count in (("unet", 4), ("unet_pp", 3), ("double_unet", 2)):
        for _ in range(count):
            curve = list(np.cumsum(rng.uniform(0.0, 0.1, 5)))
            params = {"model.family": family, "model.residual": False, "aug.geometric": True, "train.lr": 1e-3}
            study.add_trial(create_trial(state=TrialState.COMPLETE, value=max(curve), params=params,
                                         distributions=DISTS, intermediate_values=dict(enumerate(curve)),
                                         user_attrs={attrs.EPOCHS_RUN: 5, attrs.CONFIGS: fake_configs(params, 5)}))
            curves.setdefault(family, []).append(curve)
    return study, curves


def test_the_report_shows_each_epochs_rank_agreement_with_the_end_overall_and_per_family() -> None:
    from scipy import stats

    from reports import render_report

    study, curves = _complete_study()
    data = collect_report(study)
    everything = [c for group in curves.values() for c in group]
    for epoch in (0, 2):  # scipy on the hand-kept curves, independent of the code under test
        x, y = [c[epoch] for c in everything], [max(c) for c in everything]
        assert data.agreement.overall[epoch].spearman == pytest.approx(stats.spearmanr(x, y).statistic)
        assert data.agreement.overall[epoch].n == 9
    assert sorted(data.agreement.by_family) == ["unet", "unet_pp"]  # 2 Double U-Nets: too few
    unet = curves["unet"]
    assert data.agreement.by_family["unet"][1].spearman == pytest.approx(
        stats.spearmanr([c[1] for c in unet], [max(c) for c in unet]).statistic)
    html = render_report(data)
    assert "Can early epochs be trusted?" in html and 'id="fig-agreement"' in html


def test_a_study_without_three_complete_curves_says_what_the_agreement_needs(pruned: optuna.Study) -> None:
    from reports import render_report

    data = collect_report(pruned)
    assert data.agreement.overall == [] and data.agreement.n_complete == 1
    assert "Needs at least 3 complete trials with curves (1 here)" in render_report(data)
