"""Study machinery with a fast fake objective: caps, resume, dead workers, failures, settings."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from harness.common import MarssegError
from harness.common import open_storage, redact_url
from studies import ProgressState, SearchRequest, render_progress, run_search
from studies.testing import FakeObjective

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


class _Fakes(list):
    """The FakeObjective instances made by workers, and the options for the next ones."""

    uses_tensorflow = False

    def __init__(self) -> None:
        super().__init__()
        self.options: dict = {}

    def __call__(self, context) -> FakeObjective:
        fake = FakeObjective(context, **self.options)
        self.append(fake)
        return fake


@pytest.fixture
def fakes() -> _Fakes:
    """An objective factory for the workers that makes (and keeps) FakeObjectives."""
    return _Fakes()


def _request(tmp_path: Path, fakes: _Fakes, **kw) -> SearchRequest:
    base = dict(study="s", storage=str(tmp_path / "j.journal"), space="smoke", data="synthetic:40",
                budget="tiny", trials=4, sampler="random", objective=fakes)
    return SearchRequest(**{**base, **kw})


def _load(req: SearchRequest) -> optuna.Study:
    return optuna.load_study(study_name=req.study, storage=open_storage(req.storage))


def test_search_runs_the_requested_total_and_records_study_attributes(tmp_path: Path, fakes) -> None:
    req = _request(tmp_path, fakes)
    assert run_search(req) == 0
    study = _load(req)
    assert len(study.trials) == 4 and all(t.state == TrialState.COMPLETE for t in study.trials)
    attrs = study.user_attrs
    for key in ("space", "sampler", "pruner", "budget", "max_epochs", "data", "seed", "artifact_dir"):
        assert key in attrs
    assert attrs["space"] == "smoke" and attrs["budget"] == "tiny" and attrs["max_epochs"] == 3


def test_resume_after_interrupted_run_redoes_nothing_and_reruns_the_interrupted_trial(tmp_path: Path, fakes) -> None:
    req = _request(tmp_path, fakes, trials=5)
    fakes.options["interrupt_at"] = (2,)
    assert run_search(req) == 130
    first = _load(req).trials
    assert [t.state for t in first] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL, TrialState.WAITING]
    assert first[2].user_attrs["fail_reason"].startswith("interrupted")
    assert first[3].params == first[2].params and first[3].system_attrs["failed_trial"] == 2  # its retry
    fakes.options["interrupt_at"] = ()
    assert run_search(req) == 0
    assert fakes[-1].called == [3, 4, 5]  # the retry of #2 first, then new trials; #0 and #1 are not redone
    again = _load(req).trials
    assert len(again) == 6 and len({t.number for t in again}) == 6
    assert sum(t.state == TrialState.COMPLETE for t in again) == 5  # --trials counts finished trials
    for old, new in zip(first[:2], again[:2]):
        assert (old.params, old.value, old.datetime_complete) == (new.params, new.value, new.datetime_complete)
    made = len(fakes)
    assert run_search(req) == 0 and len(fakes) == made  # complete study: no worker even starts
    assert len(_load(req).trials) == 6


def test_a_raising_trial_is_fail_with_reason_and_the_study_goes_on(tmp_path: Path, fakes) -> None:
    req = _request(tmp_path, fakes, trials=3)
    fakes.options["raise_at"] = (0,)
    assert run_search(req) == 0
    trials = _load(req).trials
    assert trials[0].state == TrialState.FAIL and trials[0].user_attrs["fail_reason"] == "RuntimeError: boom"
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE] * 2


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_trial_left_running_by_a_dead_worker_is_failed_and_retried_at_next_start(tmp_path: Path, fakes) -> None:
    import time

    req = _request(tmp_path, fakes, trials=1)
    assert run_search(req) == 0
    study = _load(req)
    dead = study.ask()
    dead.set_user_attr("worker", f"{socket.gethostname()}:{_dead_pid()}")
    alive = study.ask()  # a live worker elsewhere, its lease fresh: must be left alone
    alive.set_user_attr("worker", f"some-other-host:{os.getpid()}")
    alive.set_user_attr("heartbeat", time.time())
    # the timeout only ends the wait for the live trial; long enough for two fake trials on a slow machine
    assert run_search(_request(tmp_path, fakes, trials=4, grace=60, timeout=15)) == 0
    trials = {t.number: t for t in _load(req).trials}
    assert trials[dead.number].state == TrialState.FAIL
    assert "died" in trials[dead.number].user_attrs["fail_reason"]
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == dead.number]
    assert [t.state for t in retries] == [TrialState.COMPLETE]
    assert trials[alive.number].state == TrialState.RUNNING
    # 3 finished; the 4th slot belongs to the live trial, which the worker waited for until its timeout
    assert sum(t.state == TrialState.COMPLETE for t in trials.values()) == 3


def test_table1_space_enqueues_its_seven_presets_once(tmp_path: Path, fakes) -> None:
    req = _request(tmp_path, fakes, space="table1", trials=None, sampler="bruteforce")
    assert run_search(req) == 0
    trials = _load(req).trials
    assert [t.user_attrs["preset"] for t in trials][:2] == ["U-Net", "U-Net++"]
    assert len(trials) == 7 and len({t.user_attrs["preset"] for t in trials}) == 7


def test_start_with_enqueues_the_named_table1_rows_first_and_once(tmp_path: Path, fakes) -> None:
    from search_spaces import TABLE1_PRESETS

    req = _request(tmp_path, fakes, space="paper", trials=3, start_with=("U-Net, residual, SE",))
    assert run_search(req) == 0
    first = _load(req).trials[0]
    row = dict(TABLE1_PRESETS)["U-Net, residual, SE"]
    fixed = {"model.base_filters", "train.batch_size"}  # the tiny budget's, not the row's
    assert first.user_attrs["preset"] == "U-Net, residual, SE"
    assert first.params == {k: v for k, v in row.items() if k not in fixed}
    assert run_search(dataclasses.replace(req, trials=4)) == 0  # resumed: not enqueued again
    assert [t.user_attrs.get("preset") for t in _load(req).trials].count("U-Net, residual, SE") == 1
    with pytest.raises(MarssegError, match=r"--start-with: unknown Table 1 rows \['Nope'\]; valid rows: 'U-Net'"):
        run_search(_request(tmp_path, fakes, study="t", space="paper", start_with=("Nope",)))


def test_resuming_with_another_space_is_a_user_error(tmp_path: Path, fakes) -> None:
    assert run_search(_request(tmp_path, fakes, trials=1)) == 0
    with pytest.raises(MarssegError, match="created with space='smoke'"):
        run_search(_request(tmp_path, fakes, space="paper"))


def test_gp_sampler_without_torch_fails_with_one_line_install_hint(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here")
    with pytest.raises(MarssegError, match=r"pip install 'marsseg\[gp\]'"):
        run_search(_request(tmp_path, fakes, sampler="gp"))


def test_sqlite_is_refused_for_parallel_workers(tmp_path: Path) -> None:
    with pytest.raises(MarssegError, match="SQLite"):
        run_search(_request(tmp_path, fakes, storage=f"sqlite:///{tmp_path}/x.db", workers=2))


def test_search_on_a_redis_journal(redis_url: str, fakes) -> None:
    import uuid

    name = f"marsseg-test-{uuid.uuid4().hex[:8]}"
    req = SearchRequest(study=name, storage=redis_url, space="smoke", data="synthetic:40", budget="tiny",
                        trials=3, sampler="random", objective=fakes)
    try:
        assert run_search(req) == 0
        assert len(_load(req).trials) == 3
    finally:
        optuna.delete_study(study_name=name, storage=open_storage(redis_url))


def test_passwords_are_redacted_and_never_in_storage_errors() -> None:
    assert redact_url("postgresql://bob:s3cret@db:5432/x") == "postgresql://bob:***@db:5432/x"
    assert redact_url("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
    with pytest.raises(MarssegError) as err:
        open_storage("postgresql://bob:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(err.value) and "***" in str(err.value)


def test_progress_line_shows_counts_best_and_eta() -> None:
    line = render_progress(ProgressState(3, 1, 1, 2, 0.4321, 2), total=10, finished_at_start=0, elapsed=50.0)
    assert "trials 5/10" in line and "pruned 1" in line and "failed 1" in line
    assert "0.4321 (#2)" in line and "ETA 0m50s" in line and "at epoch" not in line
    led = render_progress(ProgressState(0, 0, 0, 1, None, None, leader=(0, 7, 0.4309)), total=None,
                          finished_at_start=0, elapsed=50.0)
    assert "#0 at epoch 7: 0.4309" in led  # a long trial shows its progress (a time plan's anchor)


def test_progress_follows_the_running_trial_furthest_on() -> None:
    import optuna

    from studies._progress import collect_progress

    study = optuna.create_study(direction="maximize")
    for epochs in (2, 5):
        trial = study.ask()
        for epoch in range(epochs):
            trial.report(0.1 * (epoch + 1) if epoch != 3 else 0.9, epoch)
    assert collect_progress(study).leader == (1, 5, 0.9)


def test_bruteforce_on_a_continuous_space_is_a_user_error() -> None:
    from search_spaces import get_space
    from studies import make_sampler

    with pytest.raises(MarssegError, match="finite space"):
        make_sampler("bruteforce", 0, get_space("paper"))


def test_more_workers_than_gpus_share_them_deliberately(tmp_path: Path, monkeypatch, capsys) -> None:
    import functools

    import studies._search
    from studies.testing import SlowObjective

    monkeypatch.setattr(studies._search, "_gpus", lambda: ["0"])
    req = SearchRequest(study="g", storage=str(tmp_path / "g.journal"), space="smoke", data="synthetic:40",
                        budget="tiny", trials=2, sampler="random", workers=2,
                        objective=functools.partial(SlowObjective, epochs=1, epoch_seconds=0.0))
    assert run_search(req) == 0
    err = capsys.readouterr().err
    assert "2 workers share 1 GPU(s) round-robin, with memory growth on" in err
    assert sum(t.state == TrialState.COMPLETE for t in _load(req).trials) == 2


def test_study_attribute_names_are_the_settings_fields() -> None:
    """The study keys readers use (harness.common.attrs) and what `StudySettings` writes are one list."""
    import dataclasses

    from harness.common import attrs
    from studies import StudySettings

    assert [f.name for f in dataclasses.fields(StudySettings)] == list(attrs.STUDY_SETTINGS)


def test_progress_writes_a_line_per_epoch_of_a_long_trial_when_not_a_terminal() -> None:
    import io

    import optuna

    from studies._progress import ProgressBar

    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    stream = io.StringIO()
    bar = ProgressBar(study, None, stream=stream)
    bar.draw()
    bar.draw()  # nothing changed but the clock: no new line
    trial.report(0.3, 0)
    bar.draw()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "#0 at epoch 1: 0.3000" in lines[1]
