"""The written report: self-contained, escaped, no secrets, tables beside it, and the CLI."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import optuna
import pytest
from conftest import modules_loaded_by

from reports import ReportConfig, collect_comparison, read_trials, to_latex, to_markdown, write_report
from reports.testing import make_fake_study
from harness.common import open_storage
from studies.cli import main

optuna.logging.set_verbosity(optuna.logging.WARNING)
XSS = "<script>alert(1)</script>"


def _journal(tmp_path: Path) -> optuna.storages.JournalStorage:
    return open_storage(str(tmp_path / "s.journal"))


@pytest.fixture(scope="module")
def journal_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("report")
    storage = _journal(tmp)
    make_fake_study(40, study_name="main", storage=storage, artifact_dir=tmp / "art", seed=0)
    make_fake_study(30, study_name="other", storage=storage, seed=1, sampler="random")
    out = write_report("main", str(tmp / "s.journal"), tmp / "out" / "report.html", compare=["other"])
    return out, tmp


def test_report_embeds_plotly_once_and_requests_nothing_outside(journal_report: tuple[Path, Path]) -> None:
    html = journal_report[0].read_text(encoding="utf-8")
    assert html.count("<script type=\"text/javascript\">/**\n* plotly.js") == 1
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<(link|img|iframe)[^>]*\b(href|src)=[\"']?(https?:)?//", html)
    assert not re.search(r"@import|url\((['\"])?https?:", html)
    # every figure is a div drawn by the one embedded plotly.js
    assert html.count('class="plotly-graph-div"') == 10  # rank agreement by epoch included
    for section in ("summary", "comparison", "importance", "ablation", "dynamics", "predictions", "compare"):
        assert f'<section id="{section}">' in html


def test_tables_are_written_beside_the_html(journal_report: tuple[Path, Path]) -> None:
    out, tmp = journal_report
    study = optuna.load_study(study_name="main", storage=_journal(tmp))
    rows = collect_comparison(read_trials(study))
    with open(out.with_name("report_table.csv"), encoding="utf-8") as f:
        parsed = list(csv.DictReader(f))
    assert [r["variant"] for r in parsed] == [r.variant for r in rows]
    assert float(parsed[0]["best"]) == pytest.approx(rows[0].best)
    md = out.with_name("report_table.md").read_text(encoding="utf-8").splitlines()
    assert len(md) == 2 + len(rows) and md[0].startswith("| variant | complete / pruned | best val mIoU")
    tex = out.with_name("report_table.tex").read_text(encoding="utf-8")
    assert tex.startswith("\\begin{tabular}") and "IoU big rock" in tex and "$\\pm$" in tex


def test_markdown_and_latex_escape_their_special_characters() -> None:
    study = make_fake_study(10, seed=2)
    rows = collect_comparison(read_trials(study))
    rows = [rows[0]._replace(variant="a|b & c_d %")]
    assert "a\\|b & c_d %" in to_markdown(rows)
    assert "a|b \\& c\\_d \\%" in to_latex(rows)


def test_names_params_and_attrs_are_html_escaped(tmp_path: Path) -> None:
    storage = _journal(tmp_path)
    study = make_fake_study(15, study_name=XSS, storage=storage, seed=3)
    study.set_user_attr("sampler", XSS)
    study.set_user_attr("space", '"><img src=x onerror=alert(2)>')
    out = write_report(XSS, str(tmp_path / "s.journal"), tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    assert XSS not in html and "onerror=alert(2)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_builds_with_a_clear_message_when_no_trial_reported_a_value(tmp_path: Path) -> None:
    storage = _journal(tmp_path)
    make_fake_study(5, study_name="failed-only", storage=storage, prune_fraction=0.0, fail_fraction=1.0)
    html = write_report("failed-only", str(tmp_path / "s.journal"), tmp_path / "r.html").read_text()
    assert "No complete or pruned trial reported a val mIoU yet" in html
    assert not (tmp_path / "r_table.csv").exists()


def test_a_study_of_pruned_trials_gets_its_comparison_table(tmp_path: Path) -> None:
    storage = _journal(tmp_path)
    make_fake_study(5, study_name="pruned-only", storage=storage, prune_fraction=0.7, fail_fraction=0.3)
    write_report("pruned-only", str(tmp_path / "s.journal"), tmp_path / "r.html")
    assert "(pruned)" in (tmp_path / "r_table.md").read_text()


def test_downsampling_is_said_in_the_page(tmp_path: Path) -> None:
    from reports import write_study_report

    study = make_fake_study(300, seed=4, max_epochs=4)
    cfg = ReportConfig(max_curves=30, max_parcoords=40, max_history_points=50, fanova_max_trials=60,
                       fanova_trees=4)
    html = write_study_report(study, tmp_path / "r.html", config=cfg).read_text()
    assert "30 of " in html and "40 of " in html and "50 of " in html
    assert "subsample of 60 of" in html


@pytest.mark.services
def test_no_storage_password_in_any_output(tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url.replace("postgres@", "postgres:s3cretpw@", 1)  # trust auth ignores it
    name = "report-password-test"
    try:
        optuna.delete_study(study_name=name, storage=url)
    except KeyError:
        pass
    make_fake_study(12, study_name=name, storage=url, seed=5)
    try:
        out = write_report(name, url, tmp_path / "r.html")
        for path in tmp_path.iterdir():
            assert "s3cretpw" not in path.read_text(encoding="utf-8"), path
        assert "postgres:***@" in out.read_text(encoding="utf-8")
    finally:
        optuna.delete_study(study_name=name, storage=url)


def test_cli_report_writes_the_page_and_fails_cleanly_on_unknown_study(
        journal_report: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, tmp = journal_report
    journal = str(tmp / "s.journal")
    assert main(["report", "--study", "main", "--storage", journal, "-o", str(tmp_path / "x.html")]) == 0
    assert (tmp_path / "x.html").stat().st_size > 1_000_000 and (tmp_path / "x_table.md").exists()
    assert main(["report", "--study", "nope", "--storage", journal, "-o", str(tmp_path / "y.html")]) == 2
    err = capsys.readouterr().err
    assert "no study named 'nope'" in err and "stored studies: main" in err and "Traceback" not in err
    assert main(["report", "--study", "main", "--storage", str(tmp_path / "missing.journal")]) == 2


def test_cli_dashboard_resolves_the_storage_and_starts_the_server(
        journal_report: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import optuna_dashboard

    calls = []
    monkeypatch.setattr(optuna_dashboard, "run_server", lambda storage, **kw: calls.append((storage, kw)))
    _, tmp = journal_report
    assert main(["dashboard", "--storage", str(tmp / "s.journal"), "--port", "8123",
                 "--artifacts", str(tmp / "art")]) == 0
    (storage, kw), = calls
    assert sorted(optuna.get_all_study_names(storage)) == ["main", "other"]
    assert kw["port"] == 8123 and kw["host"] == "127.0.0.1"
    assert isinstance(kw["artifact_store"], optuna.artifacts.FileSystemArtifactStore)


def test_cli_dashboard_on_a_missing_journal_is_a_user_error(tmp_path: Path) -> None:
    assert main(["dashboard", "--storage", str(tmp_path / "missing.journal")]) == 2


def test_importing_the_report_package_loads_no_heavy_library() -> None:
    heavy = ("optuna", "pandas", "plotly", "tensorflow", "keras")
    assert modules_loaded_by("import reports, reports._cli", heavy) == []
