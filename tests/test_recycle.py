"""A worker whose objective trains with TensorFlow runs its trials in processes replaced every N trials."""

from __future__ import annotations

import itertools
import os

import optuna
import pytest
from optuna.trial import TrialState

from harness.common import attrs, open_storage
from studies import SearchRequest, WorkerSpec, run_search, run_worker
from studies.testing import FakeObjective, TensorFlowFakeObjective

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


def _study(tmp_path, trials: int) -> str:
    journal = str(tmp_path / "r.journal")
    assert run_search(SearchRequest(study="r", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    sampler="random", trials=trials, create_only=True)) == 0
    return journal


def _processes(journal: str) -> list[int]:
    """How many consecutive trials each worker process ran, in trial order."""
    trials = optuna.load_study(study_name="r", storage=open_storage(journal)).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * len(trials)
    return [len(list(group)) for _, group in itertools.groupby(t.user_attrs[attrs.WORKER] for t in trials)]


def test_a_worker_hands_its_trials_to_a_fresh_process_every_n_trials(tmp_path) -> None:
    journal = _study(tmp_path, trials=5)
    assert run_worker(WorkerSpec(journal, "r", objective=TensorFlowFakeObjective, recycle=2)) == 5
    assert _processes(journal) == [2, 2, 1]
    trials = optuna.load_study(study_name="r", storage=open_storage(journal)).trials
    assert all(not t.user_attrs[attrs.WORKER].endswith(f":{os.getpid()}") for t in trials)  # none ran here
    # each trial records the resident memory of its process after it: a process with TensorFlow loaded
    assert all(100 < t.user_attrs[attrs.WORKER_RSS_MB] < 20_000 for t in trials)


def test_recycle_0_and_objectives_without_tensorflow_run_in_the_worker_itself(tmp_path) -> None:
    journal = _study(tmp_path, trials=3)
    assert run_worker(WorkerSpec(journal, "r", objective=FakeObjective, recycle=2)) == 3
    assert _processes(journal) == [3]
    (tmp_path / "zero").mkdir()
    journal = _study(tmp_path / "zero", trials=3)
    assert run_worker(WorkerSpec(journal, "r", objective=TensorFlowFakeObjective, recycle=0)) == 3
    trials = optuna.load_study(study_name="r", storage=open_storage(journal)).trials
    assert {t.user_attrs[attrs.WORKER] for t in trials} == {trials[0].user_attrs[attrs.WORKER]}
    assert trials[0].user_attrs[attrs.WORKER].endswith(f":{os.getpid()}")


def test_a_user_error_in_a_recycled_worker_process_is_raised_by_the_worker_as_in_one_process(tmp_path) -> None:
    import dataclasses

    from harness.common import MarssegError

    journal = _study(tmp_path, trials=2)
    spec = WorkerSpec(journal, "r", objective=TensorFlowFakeObjective, recycle=1, data=str(tmp_path / "no.npz"))
    with pytest.raises(MarssegError) as in_one_process:
        run_worker(dataclasses.replace(spec, recycle=0))
    assert "no.npz" in str(in_one_process.value)
    with pytest.raises(MarssegError) as recycled:
        run_worker(spec)
    assert str(recycled.value) == str(in_one_process.value)
