"""One worker's trials against its study: ask within the cap, run a trial under its lease,
and record how it ended, keeping the outcomes in memory while the storage is away."""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

from harness.common import attrs, is_storage_error
from studies._accounting import (
    CONFIG,
    INFRA,
    classify_failure,
    discard_surplus,
    enqueue_retry,
    fail_as_infra,
    may_run,
)
from studies._liveness import Lease, Liveness
from studies._optuna_private import set_trial_state, storage_of, trial_id

_log = logging.getLogger("marsseg")


@dataclass
class Session:
    study: Any
    objective: Any
    liveness: Liveness
    cap: int | None
    policy: Any  # the study's harness.StudyPolicy (its objective obeys the same one)
    unsettled: list[Outcome] = field(default_factory=list)  # trial ends the storage has not recorded yet

    def current_cap(self) -> int | None:
        return self.cap if self.cap is not None else self.study.user_attrs.get(attrs.N_TRIALS)


def ask_within_cap(study: Any, cap: int | None) -> Any:
    """`study.ask()`, or None when another worker took the last place under `cap` meanwhile.

    A trial the ask popped from the queue goes back to WAITING for whoever runs next; a new
    one is closed as surplus (`discard_surplus`), so no pending trial outlives the study.
    """
    from optuna.trial import TrialState

    queued = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.WAITING,))}
    with warnings.catch_warnings():  # Optuna expects heartbeats only under Study.optimize; we beat ourselves
        warnings.filterwarnings("ignore", message="Heartbeat of storage")
        trial = study.ask()
    if may_run(study.get_trials(deepcopy=False), trial.number, cap):
        return trial
    if trial.number in queued:
        set_trial_state(study, trial, TrialState.WAITING)
    else:
        discard_surplus(storage_of(study), trial_id(trial))
    return None


TRIALS_PROCESS = "marsseg-trials"  # the name of a recycled worker's child processes


def worker_name() -> str:
    """The worker running this process's trials, the same for all its recycled child processes
    (the `worker_name` attribute; `worker` is the process): `host/worker-<i>` for local worker i
    of `marsseg search`, else `host/<pid of the worker process>`."""
    import multiprocessing
    import socket

    proc = multiprocessing.current_process()
    if proc.name == TRIALS_PROCESS:
        proc = multiprocessing.parent_process() or proc
    label = str(proc.pid) if proc.name == "MainProcess" else proc.name.removeprefix("marsseg-")
    return f"{socket.gethostname()}/{label}"


def run_trial(session: Session, trial: Any) -> None:
    import gc

    import optuna
    from optuna.trial import TrialState

    from harness import resident_mb, worker_id

    try:
        with Lease(storage_of(session.study), trial_id(trial), session.liveness):
            trial.set_user_attr(attrs.WORKER, worker_id())
            trial.set_user_attr(attrs.WORKER_NAME, worker_name())
            try:
                outcome = Outcome(trial, TrialState.COMPLETE, session.objective(trial))
            except optuna.TrialPruned:
                outcome = Outcome(trial, TrialState.PRUNED)
            except KeyboardInterrupt:
                session.unsettled.append(Outcome(trial, TrialState.FAIL, kind=INFRA, reason=attrs.INTERRUPTED))
                with contextlib.suppress(Exception):  # storage down: the lease expires, another worker retries
                    settle(session)
                raise
            except optuna.exceptions.UpdateFinishedTrialError:  # this worker hung past the grace period
                _log.warning("trial %d was failed as stale by another worker meanwhile; its retry runs instead",
                             trial.number)
                return
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                outcome = Outcome(trial, TrialState.FAIL, kind=classify_failure(exc), reason=reason)
            finally:
                gc.collect()
            rss = resident_mb()
            if rss is not None:
                with contextlib.suppress(Exception):  # a storage error here must not cost the trial its result
                    trial.set_user_attr(attrs.WORKER_RSS_MB, round(rss))
    except Exception as exc:  # the storage went away around the objective: settle this trial when it is back
        if not is_storage_error(exc):
            raise
        session.unsettled.append(Outcome(trial, TrialState.FAIL, kind=INFRA, reason=f"storage error: {exc!r}"[:500]))
        raise
    session.unsettled.append(outcome)  # told at the start of the next step (or when the storage is back)


@dataclass(frozen=True)
class Outcome:
    """A trial's end as this worker saw it, kept until the storage has recorded it."""

    trial: Any
    state: Any
    value: float | None = None
    kind: str = CONFIG  # of a FAIL
    reason: str = ""  # of a FAIL


def settle(session: Session) -> None:
    """Record the outcomes not stored yet (the storage may have been down), oldest first.

    An infrastructure FAIL is retried by this worker if its FAIL took effect; a trial that
    another worker failed as stale meanwhile keeps that FAIL (its retry runs instead).
    """
    while session.unsettled:
        out = session.unsettled[0]
        if out.state.name == "FAIL":
            _record_failure(session, out)
        else:
            frozen = session.study.tell(out.trial, out.value, state=out.state, skip_if_finished=True)
            if frozen.state != out.state:
                _log.warning("trial %d was failed as stale by another worker meanwhile; its retry runs instead",
                             out.trial.number)
        session.unsettled.pop(0)


def _record_failure(session: Session, out: Outcome) -> None:
    from optuna.trial import TrialState

    storage = storage_of(session.study)
    tid = trial_id(out.trial)
    current = storage.get_trial(tid)
    if current.state.is_finished():
        return
    reason = str(current.user_attrs.get(attrs.FAIL_REASON) or out.reason)
    if out.kind == INFRA:
        if fail_as_infra(storage, tid, reason):
            enqueue_retry(session.study, storage.get_trial(tid))
        return
    storage.set_trial_user_attr(tid, attrs.FAIL_REASON, reason)
    storage.set_trial_user_attr(tid, attrs.FAIL_KIND, CONFIG)
    session.study.tell(out.trial, state=TrialState.FAIL, skip_if_finished=True)
