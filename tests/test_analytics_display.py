"""Every place a held-out or val score is shown carries its interval: the search summary, `marsseg evaluate`,
the report's held-out and comparison tables, the benchmark's held-out column."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from harness.analytics import interval_record, t_interval
from harness.common import attrs


def _study_with_scores():
    from reports.testing import make_fake_study

    study = make_fake_study(12, seed=3)
    done = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    cms = np.random.default_rng(0).integers(0, 80, (30, 5, 5)) + np.diag([0, 300, 200, 40, 10])
    record = interval_record(cms, np.arange(30) // 2, "digest")
    for t in done:
        study.set_user_attr(attrs.heldout_key(t.number), {"miou": 0.5, "per_class_iou": {"soil": 0.6, "sand": None},
                                                          "n_images": 30, **record})
    return study, done, record


def _with_val_scores(study, done):
    """`study` rebuilt with a val score (`attrs.VAL_SCORE`, 20 photographs) on its complete trials."""
    import copy

    import optuna

    cms = np.random.default_rng(1).integers(0, 60, (20, 5, 5)) + np.diag([0, 200, 300, 30, 20])
    val = interval_record(cms, None, "val-digest")
    numbers = {t.number for t in done}
    trials = [copy.deepcopy(t) for t in study.get_trials()]
    for t in trials:
        if t.number in numbers:
            t.user_attrs[attrs.VAL_SCORE] = val
    rebuilt = optuna.create_study(direction="maximize")
    rebuilt.add_trials(trials)
    for key, value in study.user_attrs.items():
        rebuilt.set_user_attr(key, value)
    return rebuilt, tuple(val["interval"]["miou"])


def test_val_scores_are_shown_with_their_interval_where_stored() -> None:
    from reports._collect import collect_comparison, collect_heldout
    from reports._sections import heldout_html
    from reports._tables import table_rows
    from reports._trials import read_trials
    from studies import format_table, summary_rows
    from studies._evaluate import format_heldout

    study, done, record = _study_with_scores()
    study, (lo, hi) = _with_val_scores(study, done)
    ci = f"[{lo:.4f}, {hi:.4f}]"
    rows = summary_rows(study)
    assert {r["#"] for r in rows if r["val_ci"] == (lo, hi)} == {t.number for t in done}
    assert all(r["val_ci"] is None for r in rows if r["#"] not in {t.number for t in done})
    assert format_table(rows).count(ci) == len(done)
    val = done[0].value
    assert f"val {val:.4f} {ci}" in format_heldout(done[0].number, {"miou": 0.5, "n_images": 30, **record}, val,
                                                   study.trials[done[0].number].user_attrs[attrs.VAL_SCORE])
    table = read_trials(study)
    scored = collect_heldout(table)
    assert scored and all(r.val_ci == (lo, hi) for r in scored) and ci in heldout_html(scored)
    variants = collect_comparison(table)
    complete = [r for r in variants if r.best_state == "complete"]
    assert complete and all(r.best_ci == (lo, hi) for r in complete)
    assert all(r.best_ci is None for r in variants if r.best_state != "complete")
    assert any(ci in cell for row in table_rows(complete) for cell in row)


def test_the_search_summary_shows_held_out_scores_with_their_interval() -> None:
    from studies import format_table, summary_rows

    study, done, record = _study_with_scores()
    lo, hi = record["interval"]["miou"]
    rows = {r["#"]: r for r in summary_rows(study)}
    assert rows[done[0].number]["held-out [95% CI]"] == f"0.5000 [{lo:.4f}, {hi:.4f}]"
    unscored = [n for n in rows if n not in {t.number for t in done}]
    assert all(rows[n]["held-out [95% CI]"] == "-" for n in unscored)
    assert f"[{lo:.4f}, {hi:.4f}]" in format_table(list(rows.values()))


def test_evaluate_prints_each_score_with_its_interval_or_says_there_is_none() -> None:
    from studies._evaluate import format_heldout

    _, _, record = _study_with_scores()
    line = format_heldout(3, {"miou": 0.5, "per_class_iou": {"soil": 0.6}, "n_images": 30, **record}, 0.45)
    lo, hi = record["interval"]["miou"]
    slo, shi = record["interval"]["per_class_iou"]["soil"]
    assert f"0.5000 [{lo:.4f}, {hi:.4f}]" in line and "15 photographs" in line
    assert f"soil 0.600 [{slo:.3f}, {shi:.3f}]" in line
    assert "no interval" in format_heldout(3, {"miou": 0.5, "per_class_iou": {}, "n_images": 30})


def test_the_report_tables_show_the_held_out_interval() -> None:
    from reports._collect import collect_comparison, collect_heldout
    from reports._sections import heldout_html
    from reports._tables import table_rows
    from reports._trials import read_trials

    study, done, record = _study_with_scores()
    lo, hi = record["interval"]["miou"]
    table = read_trials(study)
    rows = collect_heldout(table)
    assert rows and all(r.interval == record["interval"] for r in rows)
    assert f"0.5000 [{lo:.4f}, {hi:.4f}]" in heldout_html(rows)
    scored = [r for r in collect_comparison(table) if r.heldout is not None]
    assert scored and all(r.heldout_ci == pytest.approx((lo, hi)) for r in scored)
    assert any(f"[{lo:.4f}, {hi:.4f}]" in cell for row in table_rows(scored) for cell in row)


def test_the_benchmark_held_out_column_has_a_t_interval_over_runs() -> None:
    from types import SimpleNamespace

    from reports._benchmark import heldout_cell

    runs = [SimpleNamespace(method="m", heldout=v) for v in (0.40, 0.44, 0.43, math.nan)]
    cell = heldout_cell(SimpleNamespace(runs=runs), "m", 4)
    lo, hi = t_interval(np.array([0.40, 0.44, 0.43]))
    assert cell == f"{np.mean([0.40, 0.44, 0.43]):.4f} [{lo:.4f}, {hi:.4f}] (3/4)"
    assert re.fullmatch(r"0\.4000 \(1/1\)", heldout_cell(SimpleNamespace(runs=runs[:1]), "m", 1))
    assert heldout_cell(SimpleNamespace(runs=runs[3:]), "m", 1) == "not scored"
