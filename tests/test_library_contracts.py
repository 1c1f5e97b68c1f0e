"""The private library API marsseg relies on, called against the installed versions: a release
that moves one fails here, by name, before a worker meets it."""

from __future__ import annotations

import inspect

import optuna
from optuna.trial import TrialState

from harness.common import open_storage
from studies._optuna_private import set_trial_state, stale_trial_ids, storage_of, trial_id


def test_optuna_private_api_still_behaves(tmp_path) -> None:
    study = optuna.create_study(storage=open_storage(str(tmp_path / "s.journal")))
    trial = study.ask()
    frozen = study.get_trials()[0]
    assert trial_id(trial) == trial_id(frozen)
    assert storage_of(study).get_trial(trial_id(frozen)).number == 0
    assert set_trial_state(study, frozen, TrialState.WAITING)
    assert study.get_trials()[0].state == TrialState.WAITING


def test_optuna_heartbeat_stale_ids_are_readable(tmp_path) -> None:
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'h.db'}", heartbeat_interval=1, grace_period=1)
    study = optuna.create_study(storage=storage)
    running = study.ask()
    storage.record_heartbeat(trial_id(running))
    assert stale_trial_ids(study) == set()  # beat just now


def test_keras_tuner_private_hook_keeps_its_signature() -> None:
    import keras_tuner

    hook = keras_tuner.Tuner._configure_tensorboard_dir  # overridden in harness (KerasTuner imports tensorboard)
    assert list(inspect.signature(hook).parameters)[:4] == ["self", "callbacks", "trial", "execution"]
