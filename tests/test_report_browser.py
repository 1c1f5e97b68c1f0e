"""The report in headless Chromium: every figure renders and the console shows no error."""

from __future__ import annotations

import os
from pathlib import Path

import optuna
import pytest

from reports import write_study_report
from reports.testing import check_in_browser, find_chromium, make_fake_study

optuna.logging.set_verbosity(optuna.logging.WARNING)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if IN_CI:
            pytest.fail("chromium is missing, and CI=true requires the browser test", pytrace=False)
        pytest.skip("chromium not installed")
    return path


@pytest.mark.browser
def test_every_figure_renders_without_console_errors(tmp_path: Path, chromium: str) -> None:
    study = make_fake_study(50, artifact_dir=tmp_path / "art", running=1, seed=0)
    other = make_fake_study(30, study_name="other", seed=1, sampler="random")
    out = write_study_report(study, tmp_path / "report.html", compare=[other])
    check = check_in_browser(out, chromium)
    assert check.errors == []
    assert check.figures == 10  # rank agreement by epoch included
    assert check.rendered == check.figures
    assert check.overflowing == 0  # at a desktop width no figure is cut off by its row


@pytest.mark.browser
def test_page_without_complete_trials_renders_without_errors(tmp_path: Path, chromium: str) -> None:
    study = make_fake_study(5, seed=5, prune_fraction=0.7, fail_fraction=0.3)
    check = check_in_browser(write_study_report(study, tmp_path / "r.html"), chromium)
    assert check.errors == [] and check.rendered == check.figures >= 2  # curves and timeline


@pytest.mark.browser
def test_browser_probe_reports_script_errors_and_undrawn_figures(tmp_path: Path, chromium: str) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head></head><body><div class="plotly-graph-div"></div>'
                    "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    check = check_in_browser(page, chromium)
    assert check.figures == 1 and check.rendered == 0
    assert any("boom" in e for e in check.errors) and any("undefinedFunction" in e for e in check.errors)


@pytest.mark.browser
def test_benchmark_figures_that_share_a_row_fit_their_boxes(tmp_path: Path, chromium: str) -> None:
    """Each figure used to be drawn before the next ones of its row existed, at the whole row's width."""
    from studies.cli import main
    from test_report_benchmark import _store

    journal = str(tmp_path / "b.journal")
    _store(journal)
    out = tmp_path / "bench.html"
    assert main(["report", "--benchmark", "B", "--storage", journal, "-o", str(out)]) == 0
    check = check_in_browser(out, chromium)
    assert check.errors == [] and check.rendered == check.figures == 4
    assert check.overflowing == 0
