"""Liveness and retry rules, one at a time: leases, stale heartbeats, retry limits, seeds, failure kinds."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from harness.common import open_storage
from studies import (
    MAX_RETRIES,
    Lease,
    Liveness,
    classify_failure,
    dead_trials,
    enqueue_presets,
    fail_dead_trials,
    finished_count,
    may_run,
    next_may_run,
    worker_seed,
)
from studies.testing import delete_study_quietly

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning",
                                        "ignore:Heartbeat of storage:UserWarning")
X = {"x": FloatDistribution(0.0, 1.0)}


def _journal_study(tmp_path: Path) -> optuna.Study:
    return optuna.create_study(storage=open_storage(str(tmp_path / "l.journal")), direction="maximize")


def test_lease_rules_on_a_journal_study(tmp_path: Path) -> None:
    study = _journal_study(tmp_path)
    liveness = Liveness(interval=1, grace=10, kind="journal")
    fresh_new = study.ask(X)  # no worker, no lease yet, just created
    silent = study.ask(X)
    silent.set_user_attr("worker", "other-host:1")
    silent.set_user_attr("heartbeat", time.time() - 30)
    beating = study.ask(X)
    beating.set_user_attr("worker", "other-host:2")
    beating.set_user_attr("heartbeat", time.time())
    now = time.time()
    assert [t.number for t, _ in dead_trials(study, liveness, now)] == [silent.number]
    later = [t.number for t, _ in dead_trials(study, liveness, now + 11)]  # nobody beat for 11 s more
    assert later == [fresh_new.number, silent.number, beating.number]


def test_a_lease_thread_keeps_its_trial_alive(tmp_path: Path) -> None:
    study = _journal_study(tmp_path)
    liveness = Liveness(interval=1, grace=2, kind="journal")
    trial = study.ask(X)
    trial.set_user_attr("worker", "other-host:3")
    with Lease(study._storage, trial._trial_id, liveness):
        time.sleep(3)
        assert dead_trials(study, liveness) == []
    time.sleep(2.5)
    assert [t.number for t, _ in dead_trials(study, liveness)] == [trial.number]


def test_a_stale_optuna_heartbeat_on_postgres_is_found(postgres_url: str) -> None:
    name = f"liveness-{uuid.uuid4().hex[:10]}"
    storage = open_storage(postgres_url, heartbeat=(1, 2))
    try:
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        liveness = Liveness(interval=1, grace=2, kind="rdb")
        trial = study.ask(X)
        Lease(storage, trial._trial_id, liveness).beat()
        trial.set_user_attr("worker", "other-host:4")
        assert dead_trials(study, liveness) == []
        time.sleep(3.5)
        dead = dead_trials(study, liveness)
        assert [t.number for t, _ in dead] == [trial.number] and "stale heartbeat" in dead[0][1]
    finally:
        delete_study_quietly(postgres_url, name)


def _pop(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """Start a WAITING trial as a worker's `ask` would."""
    assert study._storage.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING)


def _kill_until_retries_are_used_up(study: optuna.Study, first_number: int) -> list[optuna.trial.FrozenTrial]:
    liveness, later = Liveness(interval=1, grace=5, kind="journal"), time.time() + 60
    for _ in range(MAX_RETRIES + 1):  # the original and each retry die in turn
        assert fail_dead_trials(study, liveness, now=later)
        copies = [t for t in study.trials if t.system_attrs.get("failed_trial") == first_number]
        if copies and copies[-1].state == TrialState.WAITING:
            _pop(study, copies[-1])
    return [t for t in study.trials if t.system_attrs.get("failed_trial") == first_number]


def test_a_lost_trial_is_retried_at_most_twice_with_its_params(tmp_path: Path) -> None:
    study = _journal_study(tmp_path)
    original = study.ask(X)
    copies = _kill_until_retries_are_used_up(study, original.number)
    assert len(copies) == MAX_RETRIES and all(t.params == original.params for t in copies)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * (MAX_RETRIES + 1)
    assert copies[-1].system_attrs["retry_history"] == [original.number, copies[0].number]
    assert finished_count(study.trials) == 0


def test_failure_kinds() -> None:
    import sqlalchemy.exc
    from redis.exceptions import ConnectionError as RedisConnectionError

    assert classify_failure(KeyboardInterrupt()) == "infra"
    assert classify_failure(sqlalchemy.exc.OperationalError("SELECT 1", None, Exception("down"))) == "infra"
    assert classify_failure(RedisConnectionError("down")) == "infra"
    assert classify_failure(OSError(28, "No space left on device")) == "infra"
    assert classify_failure(RuntimeError("loss became NaN")) == "config"
    assert classify_failure(ValueError("bad shape")) == "config"


def test_joined_workers_get_distinct_seeds_and_local_workers_reproducible_ones(monkeypatch) -> None:
    import harness

    seeds = set()
    for worker in ("host-a:100", "host-b:100", "host-a:101"):
        monkeypatch.setattr(harness, "worker_id", lambda worker=worker: worker)
        seeds.add(worker_seed(7, None, 0))
    assert len(seeds) == 3
    assert [worker_seed(7, i, 5) for i in range(3)] == [7 + 5, 7 + 100_003 + 5, 7 + 2 * 100_003 + 5]


@pytest.mark.slow
def test_a_recycled_process_draws_new_params_where_every_trial_was_enqueued_up_front(tmp_path: Path) -> None:
    import optuna

    from harness.common import open_storage
    from studies import SearchRequest, WorkerSpec, run_search, run_worker
    from studies.testing import TensorFlowFakeObjective

    journal = str(tmp_path / "q.journal")
    assert run_search(SearchRequest(study="q", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    sampler="random", create_only=True)) == 0
    study = optuna.load_study(study_name="q", storage=open_storage(journal))
    for _ in range(4):  # the family fixed, every other choice left to the sampler
        study.enqueue_trial({"model.family": "unet"})
    assert run_worker(WorkerSpec(journal, "q", objective=TensorFlowFakeObjective, recycle=2, index=0, n_trials=4)) == 4
    trials = study.get_trials(deepcopy=False)
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # two processes, two trials each
    drawn = [tuple(sorted((k, str(v)) for k, v in t.params.items() if k != "model.family")) for t in trials]
    assert len(set(drawn)) == 4, drawn  # the second process does not replay the first one's draws


def test_a_preset_whose_retries_are_used_up_is_enqueued_again(tmp_path: Path) -> None:
    from search_spaces import get_space

    study = _journal_study(tmp_path)
    space = get_space("table1")
    assert enqueue_presets(study, space) == len(space.presets)
    first = study.ask()  # the first preset, killed before it even suggested its params
    label, fixed = first.user_attrs["preset"], study.trials[first.number].system_attrs["fixed_params"]
    copies = _kill_until_retries_are_used_up(study, first.number)
    assert all(t.user_attrs["preset"] == label and t.system_attrs["fixed_params"] == fixed for t in copies)
    assert enqueue_presets(study, space) == 1  # only the lost one; the others still wait
    assert study.get_trials(states=(TrialState.WAITING,))[-1].user_attrs["preset"] == label


def test_a_dead_local_worker_is_found_without_waiting_for_the_grace(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    study = _journal_study(tmp_path)
    trial = study.ask(X)
    trial.set_user_attr("worker", f"{socket.gethostname()}:{proc.pid}")
    trial.set_user_attr("heartbeat", time.time())
    dead = dead_trials(study, Liveness(1, 600, "journal"))
    assert [t.number for t, _ in dead] == [trial.number] and "died" in dead[0][1]


def test_the_last_slot_goes_to_the_lower_numbered_trial_and_the_other_waits_in_the_queue(tmp_path: Path) -> None:
    storage = str(tmp_path / "l.journal")
    study = _journal_study(tmp_path)
    other = optuna.load_study(study_name=study.study_name, storage=open_storage(storage))  # a second worker
    first, second = study.ask(X), other.ask(X)  # both asked for the one slot left (cap 1)
    assert may_run(other.get_trials(), first.number, 1) and not may_run(other.get_trials(), second.number, 1)
    assert other._storage.set_trial_state_values(second._trial_id, state=TrialState.WAITING)  # back to the queue
    assert not next_may_run(study.get_trials(), 1)  # the slot is taken while #0 runs
    study.tell(first, 0.5)
    assert finished_count(study.get_trials()) == 1 and not next_may_run(study.get_trials(), 1)
    assert next_may_run(study.get_trials(), 2)  # a raised cap: the queued trial runs next
    assert other.ask().number == second.number


def test_a_result_the_storage_cannot_take_is_kept_and_told_when_it_is_back(tmp_path: Path, monkeypatch) -> None:
    from optuna.storages import JournalStorage

    from studies import SearchRequest, WorkerSpec, run_search, run_worker
    from studies.testing import FakeObjective

    journal = str(tmp_path / "w.journal")
    assert run_search(SearchRequest(study="w", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    sampler="random", trials=2, heartbeat=1, grace=60, create_only=True)) == 0
    real, refused = JournalStorage.set_trial_state_values, []

    def flaky(self, trial_id, state, values=None):  # the disk is full for the first two results
        if state == TrialState.COMPLETE and len(refused) < 2:
            refused.append(trial_id)
            raise OSError(28, "No space left on device")
        return real(self, trial_id, state, values)

    monkeypatch.setattr(JournalStorage, "set_trial_state_values", flaky)
    assert run_worker(WorkerSpec(journal, "w", objective=FakeObjective, patience=30)) == 2
    trials = optuna.load_study(study_name="w", storage=open_storage(journal)).trials
    assert refused == [trials[0]._trial_id] * 2  # the first result was refused twice, then stored
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
