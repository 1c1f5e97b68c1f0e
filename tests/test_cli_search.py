"""`marsseg search` / `marsseg worker` end to end on a journal file, and one-line user errors."""

from __future__ import annotations

import dataclasses

import optuna
import pytest
from optuna.trial import TrialState

from harness.common import open_storage
from studies.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


@pytest.mark.slow
def test_search_then_worker_join_the_same_journal_study(tmp_path, capsys) -> None:
    journal = str(tmp_path / "s.journal")
    args = ["search", "--study", "cli", "--storage", journal, "--space", "smoke", "--data", "synthetic:120",
            "--budget", "tiny", "--trials", "1", "--sampler", "random"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "trials 1/1" in captured.err and "complete" in captured.out
    # raise the cap and let a `worker` (as on another machine) do the rest; the real
    # objective ran above, so the worker may use the fast stand-in
    from studies.testing import FakeObjective

    storage = open_storage(journal)
    optuna.load_study(study_name="cli", storage=storage).set_user_attr("n_trials", 2)
    assert main(["worker", "--study", "cli", "--storage", journal], objective=FakeObjective) == 0
    study = optuna.load_study(study_name="cli", storage=storage)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.COMPLETE]
    assert study.user_attrs["artifact_dir"].startswith(str(tmp_path))
    assert "weights_artifact_id" in study.trials[0].user_attrs
    assert 0.0 <= study.user_attrs["heldout_score.0"]["miou"] <= 1.0  # scored on held-out when `search` ended


def test_a_bad_storage_scheme_is_one_line_error(tmp_path, capsys) -> None:
    assert main(["search", "--study", "x", "--storage", "ftp://u:pw@host/x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("marsseg: error: unknown storage scheme") and "pw" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreachable_database_error_hides_the_password(capsys) -> None:
    assert main(["search", "--study", "x", "--storage", "postgresql://bob:s3cret@127.0.0.1:1/db"]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "bob:***@" in err


def test_unknown_budget_lists_the_valid_ones(tmp_path, capsys) -> None:
    assert main(["search", "--study", "x", "--storage", str(tmp_path / "j.journal"), "--budget", "huge"]) == 2
    assert "tiny, cpu, cpu_short, full" in capsys.readouterr().err


@pytest.mark.parametrize("data", ["synthetic:-5", "synthetic:1", "synthetic:x", "missing.npz"])
def test_bad_data_is_one_line_and_leaves_nothing_behind(tmp_path, monkeypatch, capsys, data) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["search", "--study", "x", "--data", data, "--budget", "tiny", "--trials", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("marsseg: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no journal, no artifact folder


@pytest.mark.parametrize("kind", ["journal", pytest.param("postgres", marks=pytest.mark.services),
                                  pytest.param("redis", marks=pytest.mark.services)])
def test_a_trial_asked_past_the_cap_is_not_left_pending(tmp_path, request, kind) -> None:
    """Two workers race for the last place: the loser's new trial is closed, not handed back as WAITING,
    while a trial someone enqueued goes back to the queue (every storage)."""
    import uuid

    from harness.common import attrs
    from studies import summary_rows
    from studies._session import ask_within_cap
    from studies.testing import delete_study_quietly

    url = str(tmp_path / "s.journal") if kind == "journal" else request.getfixturevalue(f"{kind}_url")
    name = f"cap-{uuid.uuid4().hex[:8]}"
    request.addfinalizer(lambda: kind == "journal" or delete_study_quietly(url, name))
    study = optuna.create_study(study_name=name, storage=open_storage(url))
    first = ask_within_cap(study, cap=1)  # the winner: trial 0, still running
    assert first is not None and first.number == 0
    assert ask_within_cap(study, cap=1) is None  # the loser asked trial 1 past the cap
    study.tell(first, 0.5)
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL]
    assert attrs.is_surplus(trials[1]) and not attrs.is_surplus(trials[0])
    assert [r["#"] for r in summary_rows(study)] == [0]  # the summary shows no trace of it
    study.enqueue_trial({"x": 1.0})  # a queued trial that loses the race stays queued for the next runner
    assert ask_within_cap(study, cap=1) is None
    assert study.get_trials()[-1].state == TrialState.WAITING


def test_a_surplus_trial_is_not_run_by_a_resume_with_more_trials(tmp_path) -> None:
    from studies import SearchRequest, run_search
    from studies._session import ask_within_cap
    from studies.testing import FakeObjective

    journal = str(tmp_path / "s.journal")
    request = SearchRequest(study="r", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                            trials=1, sampler="random", objective=FakeObjective, evaluate_top=0)
    assert run_search(request) == 0
    study = optuna.load_study(study_name="r", storage=open_storage(journal))
    assert ask_within_cap(study, cap=1) is None  # a late worker's ask past the cap
    assert run_search(dataclasses.replace(request, trials=2)) == 0
    states = [t.state for t in optuna.load_study(study_name="r", storage=open_storage(journal)).get_trials()]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
