"""Liveness on every storage: a lease each worker renews while it runs a trial, and the
check every worker makes before each trial, which fails and retries the trials of dead
workers on any host.

PostgreSQL/MySQL use Optuna's heartbeat table (the database's clock decides staleness);
journal-file and Redis studies use a `heartbeat` trial attribute that holds the time of
the worker's last beat. A RUNNING trial without a lease yet is judged by its start time,
so a trial that was just created is never failed before the grace period.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from harness.common import attrs
from studies._accounting import enqueue_retry, fail_as_infra
from studies._optuna_private import stale_trial_ids, storage_of, trial_id

_log = logging.getLogger("marsseg")


@dataclass(frozen=True)
class Liveness:
    """interval: seconds between a worker's beats; grace: age of the last beat after which a
    trial is stale. kind: the storage kind (`harness.common.storage_kind`)."""

    interval: int
    grace: int
    kind: str

    def __post_init__(self) -> None:
        if not 0 < self.interval < self.grace:
            raise ValueError(f"need 0 < interval < grace, got {self.interval} and {self.grace}")

    @property
    def optuna_heartbeat(self) -> bool:
        """Whether the storage keeps Optuna's heartbeat table (RDB) instead of our attribute."""
        return self.kind == "rdb"


class Lease:
    """Context manager: a daemon thread renews the lease of one trial every `interval` s.

    A failed beat (the storage is down) is logged and tried again at the next interval; the
    worker goes on, and reconnects when the storage comes back.
    """

    def __init__(self, storage: Any, trial_id: int, liveness: Liveness) -> None:
        self._storage, self._trial_id, self._liveness = storage, trial_id, liveness
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"marsseg-lease-{trial_id}", daemon=True)

    def beat(self) -> None:
        """Renew the lease now."""
        if self._liveness.optuna_heartbeat:
            self._storage.record_heartbeat(self._trial_id)
        else:
            self._storage.set_trial_user_attr(self._trial_id, attrs.HEARTBEAT, time.time())

    def _run(self) -> None:
        from optuna.exceptions import UpdateFinishedTrialError

        while not self._stop.wait(self._liveness.interval):
            try:
                self.beat()
            except UpdateFinishedTrialError:
                return  # another worker failed the trial as stale: nothing left to renew
            except Exception as exc:  # the storage is down: try again at the next beat
                _log.warning("heartbeat of trial %d not recorded: %s", self._trial_id, type(exc).__name__)

    def __enter__(self) -> Lease:
        self.beat()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_time(trial: Any) -> float:
    start = trial.datetime_start
    return start.timestamp() if start is not None else time.time()


def dead_trials(study: Any, liveness: Liveness, now: float | None = None) -> list[tuple[Any, str]]:
    """(trial, reason) for each RUNNING trial whose worker is dead: a worker process of this
    host that is gone (workers sharing a host name must share a pid namespace), or a lease
    older than the grace period, on any host."""
    from optuna.trial import TrialState

    now = time.time() if now is None else now
    host = socket.gethostname()
    stale_ids = set()
    if liveness.optuna_heartbeat:
        stale_ids = stale_trial_ids(study)
    dead = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get(attrs.WORKER, ""))
        worker_host, _, pid = worker.rpartition(":")
        if worker and worker_host == host and pid.isdigit() and not _pid_alive(int(pid)):
            dead.append((trial, f"worker {worker} died"))
        elif trial_id(trial) in stale_ids:
            dead.append((trial, f"stale heartbeat: worker {worker or '?'} silent for over {liveness.grace} s"))
        elif not (worker and liveness.optuna_heartbeat):
            lease = float(trial.user_attrs.get(attrs.HEARTBEAT, _start_time(trial)))
            if now - lease > liveness.grace:
                dead.append((trial, f"stale heartbeat: worker {worker or '?'} silent for {now - lease:.0f} s "
                                    f"(grace {liveness.grace} s)"))
    return dead


def fail_dead_trials(study: Any, liveness: Liveness, now: float | None = None) -> list[int]:
    """Fail (as infrastructure) the trials of dead workers and enqueue their retries; returns
    the numbers this caller failed. Every worker runs it before each trial."""
    failed = []
    for trial, reason in dead_trials(study, liveness, now):
        if fail_as_infra(storage_of(study), trial_id(trial), reason):
            enqueue_retry(study, trial)
            failed.append(trial.number)
    return failed
