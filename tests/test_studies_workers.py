"""Two worker processes on the real PostgreSQL share one study (the distributed path)."""

from __future__ import annotations

import uuid

import optuna
import pytest
from optuna.trial import TrialState

from harness.common import attrs, open_storage
from studies import SearchRequest, run_search

pytestmark = [pytest.mark.slow, pytest.mark.services,
              pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")]


def test_two_worker_processes_on_postgres_run_the_requested_total(postgres_url: str, tmp_path) -> None:
    name = f"marsseg-test-{uuid.uuid4().hex[:10]}"
    request = SearchRequest(study=name, storage=postgres_url, space="smoke", data="synthetic:120", budget="tiny",
                            sampler="random", pruner="none", trials=3, workers=2, seed=0,
                            artifact_dir=str(tmp_path / "artifacts"))
    try:
        assert run_search(request) == 0
        study = optuna.load_study(study_name=name, storage=open_storage(postgres_url))
        trials = study.get_trials(deepcopy=False)
        finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
        assert len(finished) == 3, [(t.state, t.user_attrs.get("fail_reason")) for t in trials]
        # a worker that asked for a trial when the other had taken the last place closes it unrun
        # (`ask_within_cap`): a surplus FAIL without params, never RUNNING, never trained
        unrun = [t for t in trials if t not in finished]
        assert all(attrs.is_surplus(t) and not t.params and not t.intermediate_values for t in unrun), \
            [(t.state, t.user_attrs) for t in unrun]
        assert len({t.user_attrs["worker"] for t in finished}) == 2  # both processes trained
    finally:
        try:
            optuna.delete_study(study_name=name, storage=open_storage(postgres_url))
        except KeyError:
            pass
