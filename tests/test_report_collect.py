"""The data behind each report section, checked against fake studies with a known truth."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from harness.analytics import bootstrap_diff_ci
from reports import (
    PUBLISHED_MIOU,
    ReportConfig,
    collect_comparison,
    collect_compare_series,
    collect_curves,
    collect_effects,
    collect_history,
    collect_importances,
    collect_parallel,
    match_table1,
    collect_predictions,
    collect_report,
    collect_rungs,
    collect_summary,
    collect_timeline,
    read_trials,
    render_report,
    table1_rows,
    variant_label,
)
from reports.testing import TRUE_EFFECTS, make_fake_study

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> optuna.Study:
    art = tmp_path_factory.mktemp("artifacts")
    return make_fake_study(80, artifact_dir=art, running=1, seed=0)


@pytest.fixture(scope="module")
def big_study() -> optuna.Study:
    return make_fake_study(400, seed=1, max_epochs=6, fail_fraction=0.0, prune_fraction=0.2)


def _trials(study: optuna.Study, state: TrialState) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(states=(state,))


def _best_reported(t: optuna.trial.FrozenTrial) -> float | None:
    """Written out independently of harness.best_val: a complete trial's value, a pruned one's best epoch."""
    if t.state == TrialState.COMPLETE:
        return t.value
    if t.state == TrialState.PRUNED and t.intermediate_values:
        return max(t.intermediate_values.values())
    return None


def _scored(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in study.trials if _best_reported(t) is not None]


def test_summary_counts_every_state_and_the_epochs_pruning_saved(study: optuna.Study) -> None:
    s = collect_summary(read_trials(study), "mem")
    assert s.counts["COMPLETE"] == len(_trials(study, TrialState.COMPLETE))
    assert s.counts["PRUNED"] == len(_trials(study, TrialState.PRUNED))
    assert s.counts["FAIL"] == len(_trials(study, TrialState.FAIL)) > 0
    assert s.counts["RUNNING"] == 1
    max_epochs = study.user_attrs["max_epochs"]
    assert s.epochs_saved_by_pruning == sum(max_epochs - t.user_attrs["epochs_run"]
                                            for t in _trials(study, TrialState.PRUNED))
    best = max(_scored(study), key=lambda t: (_best_reported(t), -t.number))
    assert s.best_value == pytest.approx(_best_reported(best)) and s.best_number == best.number
    assert s.attrs["sampler"] == "tpe" and s.attrs["pruner"] == "sha" and s.attrs["budget"] == "cpu"
    trained = {(r.section, r.name): (r.value, r.source) for r in s.best_config}
    assert trained[("model", "family")] == (best.params["model.family"], "searched")
    assert trained[("data", "geometric")] == (best.params["aug.geometric"], "searched")
    assert trained[("model", "depth")] == (4, "fixed by the budget")  # the cpu budget fixes the depth
    assert trained[("train", "steps_per_epoch")][1] == "fixed by the space"
    fit = {t.number: t.user_attrs.get("train_seconds", 0.0) for t in study.trials}
    assert s.time.winner == pytest.approx(fit[best.number])
    assert s.time.exploring == pytest.approx(sum(fit.values()) - fit[best.number])
    wall = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in study.trials if t.datetime_complete)
    assert s.time.overhead == pytest.approx(wall - sum(fit.values()))
    assert sum(s.fail_reasons.values()) == s.counts["FAIL"]
    assert all("OOM" in reason for reason in s.fail_reasons)


def test_comparison_groups_complete_and_pruned_trials_by_architecture_variant(study: optuna.Study) -> None:
    rows = collect_comparison(read_trials(study))
    scored = _scored(study)
    assert sum(r.n + r.n_pruned for r in rows) == len(scored)
    for r in rows:
        mine = [t for t in scored if variant_label(t.params) == r.variant]
        complete = [t.value for t in mine if t.state == TrialState.COMPLETE]
        assert (r.n, r.n_pruned) == (len(complete), len(mine) - len(complete))
        best = max(mine, key=lambda t: (_best_reported(t), -t.number))
        assert (r.best_number, r.best_state) == (best.number, best.state.name.lower())
        assert r.best == pytest.approx(_best_reported(best))
        assert r.mean == pytest.approx(np.mean(complete)) if complete else np.isnan(r.mean)
        assert r.per_class == pytest.approx(best.user_attrs["per_class_iou"])
        assert r.n_params == best.user_attrs["n_params"]
    assert [r.best for r in rows] == sorted((r.best for r in rows), reverse=True)


def test_table1_column_shows_published_miou_only_for_matching_architectures(study: optuna.Study) -> None:
    rows = collect_comparison(read_trials(study))
    matched = {r.reported_label: r.reported for r in rows if r.reported is not None}
    # the fake study's first seven trials take Table 1's architectures (some may be pruned/failed)
    assert matched, "no Table 1 architecture matched"
    for label, miou in matched.items():
        assert PUBLISHED_MIOU[label] == miou
    for r in rows:
        if r.reported is None:
            assert r.reported_label is None


def test_table1_rows_carry_the_seven_published_figures() -> None:
    rows = table1_rows()
    assert [r.miou for r in rows] == [0.61892, 0.62356, 0.62784, 0.63169, 0.67663, 0.70139, 0.70329]
    assert len({r.key for r in rows}) == 7


def test_effects_recover_the_true_residual_effect_with_a_ci(big_study: optuna.Study) -> None:
    effects = {(e.param, e.with_value): e for e in collect_effects(read_trials(big_study), ReportConfig())}
    res = effects[("model.residual", "on")]
    assert res.without_value == "off" and res.ci is not None
    assert res.ci[0] < TRUE_EFFECTS["model.residual"] < res.ci[1]
    assert res.ci[0] > 0
    complete = _trials(big_study, TrialState.COMPLETE)
    assert res.n_with == sum(t.params["model.residual"] for t in complete)
    assert res.n_with + res.n_without == len(complete)
    aspp = effects[("model.bottleneck", "aspp")]
    assert aspp.without_value == "plain"
    assert {("model.bottleneck", v) for v in ("dilated", "aspp", "pp")} <= set(effects)


def test_effects_say_too_few_trials_instead_of_a_ci() -> None:
    tiny = make_fake_study(6, seed=3, prune_fraction=0.0, fail_fraction=0.0, table1_first=False)
    effects = collect_effects(read_trials(tiny), ReportConfig(min_group=5))
    assert effects and all(e.ci is None and "too few trials" in e.note for e in effects)


def test_bootstrap_ci_covers_the_true_difference_and_is_reproducible() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.7, 0.02, 200), rng.normal(0.65, 0.02, 150)
    ci = bootstrap_diff_ci(a, b, n_boot=2000, seed=1)
    assert ci[0] < 0.05 < ci[1]
    assert ci == bootstrap_diff_ci(a, b, n_boot=2000, seed=1)
    narrow = bootstrap_diff_ci(np.r_[a, a, a, a], np.r_[b, b, b, b], n_boot=2000, seed=1)
    assert narrow[1] - narrow[0] < ci[1] - ci[0]


def test_importances_side_by_side_and_fanova_subsamples_large_studies(big_study: optuna.Study) -> None:
    config = ReportConfig(fanova_max_trials=100, fanova_trees=8)
    table = read_trials(big_study)
    rungs = collect_rungs(table, config).rungs
    # 320-odd complete trials: the end of training; no epoch has twice as many trials, so it is the only rung
    assert [r.step for r in rungs] == [None]
    [at_end] = collect_importances(table, rungs, config)
    ped, fanova = at_end.results
    assert ped.method == "PED-ANOVA" and fanova.method == "fANOVA"
    n_complete = len(_trials(big_study, TrialState.COMPLETE))
    assert ped.n_trials == n_complete and fanova.n_trials == 100
    assert "subsample of 100" in fanova.note
    assert "model.dropout_rate" in ped.importances  # conditional params are kept by PED-ANOVA
    assert "model.residual" in sorted(ped.importances, key=ped.importances.get)[-4:]
    assert sum(fanova.importances.values()) == pytest.approx(1.0)


def test_importances_explain_why_they_are_missing_for_a_tiny_study() -> None:
    data = collect_report(make_fake_study(5, seed=2))
    assert data.fidelities.rungs == [] and data.importances == [] and data.effects == []
    html = render_report(data)
    assert "need at least 8 trials at one fidelity" in html


def test_history_best_so_far_is_exact_even_when_points_are_sampled(big_study: optuna.Study) -> None:
    h = collect_history(read_trials(big_study), ReportConfig(max_history_points=50))
    scored = _scored(big_study)
    assert len(h.values) == 50 < h.n_total == len(scored)
    assert np.all(np.diff(h.best_so_far[:-1]) > 0)  # every improvement, then the last trial
    assert h.best_numbers[-1] == max(t.number for t in scored)
    assert h.best_so_far[-1] == pytest.approx(max(_best_reported(t) for t in scored))
    assert set(h.best_numbers[:-1]) <= set(h.numbers)
    assert {"COMPLETE", "PRUNED"} == set(h.states)


def test_learning_curves_mark_pruned_trials_and_keep_the_best(big_study: optuna.Study) -> None:
    c = collect_curves(read_trials(big_study), ReportConfig(max_curves=40))
    assert len(c.numbers) == 40 and c.n_total > 40
    assert "PRUNED" in c.states and "COMPLETE" in c.states
    assert big_study.best_trial.number in c.numbers
    trials = big_study.get_trials(deepcopy=False)
    for number, steps, values in zip(c.numbers, c.steps, c.values):
        trial = trials[number]
        assert list(steps) == sorted(trial.intermediate_values)
        assert values[-1] == pytest.approx(trial.intermediate_values[max(trial.intermediate_values)])


def test_parallel_coordinates_code_absent_conditional_params_as_na(study: optuna.Study) -> None:
    p = collect_parallel(read_trials(study), ReportConfig())
    scored = _scored(study)
    assert p.names[:2] == ["state", "epochs run"] and len(p.objective) == len(scored)
    assert sorted(p.objective) == pytest.approx(sorted(_best_reported(t) for t in scored))
    i = p.names.index("model.dropout_rate")
    tickvals, ticktext = p.ticks[i]
    assert ticktext[0] == "n/a"
    n_absent = sum("model.dropout_rate" not in t.params for t in scored)
    assert int(np.sum(p.columns[i] == tickvals[0])) == n_absent
    fam = p.names.index("model.family")
    assert set(p.ticks[fam][1]) == {t.params["model.family"] for t in scored}
    assert int(np.sum(p.columns[0] == p.ticks[0][1].index("pruned"))) == sum(
        t.state == TrialState.PRUNED for t in scored)


def test_timeline_has_every_started_trial_on_its_worker(study: optuna.Study) -> None:
    t = collect_timeline(read_trials(study))
    assert len(t.numbers) == len(study.trials)
    assert set(t.workers) == {tr.user_attrs["worker_name"] for tr in study.trials}
    assert t.restarts == []  # one process per worker
    running = t.states.index("RUNNING")
    assert t.ends[running] >= t.starts[running]
    assert all(e >= s for s, e in zip(t.starts, t.ends))


def test_predictions_come_from_the_best_trial_with_saved_artifacts(study: optuna.Study) -> None:
    p = collect_predictions(read_trials(study), None, k=3)
    saved = [t for t in study.get_trials(states=(TrialState.COMPLETE,)) if "weights_artifact_id" in t.user_attrs]
    assert p.trial_number == max(saved, key=lambda t: t.value).number
    assert p.images.shape == p.masks.shape == p.preds.shape == (3, 64, 128)
    assert p.masks.max() <= 4 and p.note == ""
    assert p.confusion.shape == (5, 5)
    assert p.confusion.tolist() == study.trials[p.trial_number].user_attrs["confusion_matrix"]


def test_predictions_without_artifact_store_fall_back_to_the_confusion_matrix(tmp_path) -> None:
    s = make_fake_study(20, seed=4, artifact_dir=tmp_path / "gone")
    (tmp_path / "gone").rename(tmp_path / "moved")
    p = collect_predictions(read_trials(s), None, k=2)
    assert p.images is None and p.confusion is not None
    assert str(tmp_path / "gone") in p.note and "--artifacts DIR" in p.note
    moved = collect_predictions(read_trials(s), str(tmp_path / "moved"), k=2)
    assert moved.images is not None and moved.images.shape[0] == 2


def test_compare_series_counts_pruned_epochs_as_consumed(study: optuna.Study) -> None:
    s = collect_compare_series(read_trials(study))
    finished = study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    assert s.epochs_total == sum(t.user_attrs["epochs_run"] for t in finished)
    assert s.epochs[-1] == s.epochs_total and np.all(np.diff(s.epochs) >= 0)
    finite = s.best_so_far[np.isfinite(s.best_so_far)]
    assert np.all(np.diff(finite) >= 0) and finite[-1] == pytest.approx(max(_best_reported(t) for t in finished))


def test_a_study_of_pruned_trials_only_still_has_a_best_trial_a_table_and_a_history() -> None:
    s = make_fake_study(6, seed=5, prune_fraction=0.7, fail_fraction=0.3)
    assert not s.get_trials(states=(TrialState.COMPLETE,))
    data = collect_report(s)
    pruned = _scored(s)
    assert pruned and data.summary.best_state == "pruned"
    assert sum(r.n_pruned for r in data.comparison) == len(pruned) == data.history.n_total


def test_report_of_a_study_without_a_reported_value_collects_empty_sections() -> None:
    s = make_fake_study(4, seed=5, prune_fraction=0.0, fail_fraction=1.0)
    data = collect_report(s)
    assert data.summary.best_value is None and data.comparison == []
    assert data.history.n_total == 0 and data.parallel.n_total == 0
    assert data.predictions.trial_number is None
    assert data.importances == []


def test_report_of_an_empty_study_collects_without_error() -> None:
    data = collect_report(optuna.create_study(direction="maximize"))
    assert sum(data.summary.counts.values()) == 0 and data.curves.n_total == 0 and len(data.timeline.numbers) == 0


def test_report_config_rejects_bad_limits() -> None:
    with pytest.raises(ValueError, match="max_curves must be a positive int, got 0"):
        ReportConfig(max_curves=0)
    with pytest.raises(ValueError, match="min_group"):
        ReportConfig(min_group=1)


def test_effects_of_a_fixed_toggle_say_it_was_not_varied() -> None:
    study = optuna.create_study(direction="maximize")
    dist = optuna.distributions.CategoricalDistribution((False, True))
    for i in range(8):
        study.add_trial(optuna.trial.create_trial(
            value=0.5 + 0.01 * i, params={"aug.geometric": False, "model.residual": i % 2 == 0},
            distributions={"aug.geometric": dist, "model.residual": dist}))
    effects = {e.param: e for e in collect_effects(read_trials(study), ReportConfig())}
    assert effects["aug.geometric"].note == "not varied in these trials (always False)"
    assert effects["aug.geometric"].ci is None
    assert effects["model.residual"].ci is not None and effects["model.residual"].n_with == 4


def test_every_table1_preset_of_the_search_space_matches_its_published_row() -> None:
    from search_spaces import TABLE1_PRESETS

    assert len(TABLE1_PRESETS) == 7
    for label, params in TABLE1_PRESETS:
        row = match_table1(params)
        assert row is not None and row.label == label
        assert row.miou == PUBLISHED_MIOU[label]
