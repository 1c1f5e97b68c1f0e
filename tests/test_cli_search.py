"""`marsseg search` / `marsseg worker` end to end on a journal file, and one-line user errors."""

from __future__ import annotations

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
