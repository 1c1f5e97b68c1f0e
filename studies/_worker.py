"""One worker: join a study and run trials until it holds its finished trials, a deadline, or Ctrl-C.

Before each trial the worker fails and retries the trials of dead workers (studies/_liveness.py);
while the remaining trials all run elsewhere it waits, since any of them may still be lost.
A storage that goes away is waited for (up to `patience` seconds); a finished trial's
result is kept in memory meanwhile and told when the storage is back.

TensorFlow keeps native memory past `clear_session` (BENCHMARKS.md, "Resident memory"), so a
worker whose objective trains with TensorFlow runs its trials in a child process that it
replaces every `recycle` trials, as Celery's `max_tasks_per_child` does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.common import MarssegError, is_storage_error
from studies._accounting import (
    finished_count,
    next_may_run,
)
from studies._liveness import Liveness, fail_dead_trials
from studies._session import TRIALS_PROCESS, Session, ask_within_cap, run_trial, settle

_log = logging.getLogger("marsseg")
DEFAULT_RECYCLE = 2  # trials per worker process (BENCHMARKS.md, "Resident memory")


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker process needs (picklable, so `spawn` can send it).

    index: the worker's number among the local workers of one `marsseg search` (None: a
    joined `marsseg worker`, whose sampler seed then mixes in its host and pid).
    n_trials: the study's cap of finished trials (None: the cap stored in the study, if any).
    deadline: wall-clock time (time.time()) after which no new trial starts.
    threads: TensorFlow intra-op threads, set before TensorFlow is imported.
    data / artifact_dir: override the study's data path and artifact folder (a remote
    machine may keep them elsewhere).
    objective: the objective class or factory, called as `objective(context)` with a
    `harness.ObjectiveContext` (None: `harness.Objective`; tests pass the fakes of
    `studies.testing`). Spawned workers need it picklable (a module-level name).
    precision: the training precision of this worker's trials (None: `$MARSSEG_PRECISION`, else auto).
    A factory with `uses_tensorflow = False` runs without importing TensorFlow.
    patience: seconds to wait for an unreachable storage before giving up.
    recycle: run the trials in a child process replaced every `recycle` trials (0: in this
    process); applies only to objectives that use TensorFlow, and needs `objective` picklable.
    max_trials: the trials this process may run before it hands over (set for the child).
    """

    storage_url: str
    study_name: str
    index: int | None = None
    threads: int | None = None
    deadline: float | None = None
    n_trials: int | None = None
    data: str | None = None
    verbose: bool = False
    gpu: str | None = None
    objective: Callable[..., Any] | None = None
    artifact_dir: str | None = None
    patience: float = 600.0
    recycle: int = DEFAULT_RECYCLE
    max_trials: int | None = None
    precision: str | None = None


def worker_seed(study_seed: int, index: int | None, n_started: int) -> int:
    """The sampler seed of one worker process, derived from the study seed and a unique worker id.

    A local worker of `marsseg search` is identified by its index and the trials started so far
    (`started_trials`; reproducible); a joined worker by its `host:pid`, so workers started
    together on several machines never replay each other's draws.
    """
    from harness import worker_id

    if index is not None:
        return study_seed + 100_003 * index + n_started
    digest = hashlib.sha256(f"{study_seed}:{worker_id()}:{n_started}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def started_trials(trials: Any) -> int:
    """Trials that have left the queue (any state but WAITING). A recycled process of a worker
    opens after its predecessor started at least one, so it never reuses that one's seed, also
    where every trial was enqueued up front (the count of all trials would not move there, and
    the new process would draw the old one's parameters again)."""
    return sum(t.state.name != "WAITING" for t in trials)


def run_worker(spec: WorkerSpec, data: Any = None) -> int:
    """Run trials of `spec.study_name`; returns how many this worker ran.

    data: the study's `MarsData` when the caller has loaded it already (None: load it here).
    """
    if spec.recycle > 0 and _uses_tensorflow(spec):
        return _run_recycled(spec)
    return _work(spec, data)[0]


def _work(spec: WorkerSpec, data: Any = None) -> tuple[int, bool]:
    """Run trials in this process: (how many ran, whether it stopped at `spec.max_trials` with work left)."""
    from harness import StopFlag, quiet_optuna

    quiet_optuna(spec.verbose)
    stop = StopFlag().install()
    try:
        session = _open(spec, stop, data)
        ran, handed_over = _loop(spec, session, stop)
    finally:
        stop.restore()
    if stop.is_set():
        raise KeyboardInterrupt
    return ran, handed_over


def _uses_tensorflow(spec: WorkerSpec) -> bool:
    """Whether the objective trains with TensorFlow (the fakes of `studies.testing` do not)."""
    if spec.objective is None:
        return True
    return getattr(getattr(spec.objective, "func", spec.objective), "uses_tensorflow", True)  # a partial: its class


def _run_recycled(spec: WorkerSpec) -> int:
    """Run the trials in child processes of `spec.recycle` trials each; returns how many ran.

    Ctrl-C reaches the child too (same process group); SIGTERM is passed on to it. A user
    error in a child (a missing study or data file) is raised here, as in one process."""
    import multiprocessing
    import signal

    ctx = multiprocessing.get_context("spawn")
    child = dataclasses.replace(spec, recycle=0, max_trials=spec.recycle)
    total = 0
    previous = interrupt_on_sigterm()
    try:
        while True:
            results = ctx.SimpleQueue()
            proc = ctx.Process(target=_child_main, args=(child, results), name=TRIALS_PROCESS)
            proc.start()
            try:
                proc.join()
            except KeyboardInterrupt:
                stop_processes([proc])
                raise
            outcome = None if results.empty() else results.get()
            if proc.exitcode == 130:
                raise KeyboardInterrupt
            if outcome is None or proc.exitcode:
                raise MarssegError(f"worker process {proc.pid} exited abnormally (exit code {proc.exitcode}; -9: killed, "
                                   "e.g. out of memory); finished trials are saved: run the same command again to "
                                   "resume")
            if outcome[0] == "error":
                raise MarssegError(outcome[1])
            _, ran, handed_over = outcome
            total += ran
            if not handed_over:
                return total
            _log.info("worker process %d ran %d trial(s); a fresh process takes over", proc.pid, ran)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def stop_processes(procs: list[Any]) -> None:
    """Ask worker processes to stop (SIGTERM: each ends its trial between batches); kill
    those still alive after 60 s."""
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=60)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _stop_with_parent() -> None:
    """Linux: SIGTERM this process when its parent dies (a `kill -9` of the worker), so it
    stops between batches as on Ctrl-C instead of training on unattended."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _child_main(spec: WorkerSpec, results: Any) -> None:
    """Entry point of a recycled worker's child process: puts ("ran", trials, handed over) or
    ("error", message) on `results`; exit 130 on Ctrl-C or SIGTERM."""
    import sys

    _stop_with_parent()
    try:
        ran, handed_over = _work(spec)
    except KeyboardInterrupt:
        sys.exit(130)
    except MarssegError as exc:
        results.put(("error", str(exc)))
        return
    results.put(("ran", ran, handed_over))


def _prepare_tensorflow(spec: WorkerSpec) -> None:
    from harness import configure_tensorflow, enable_memory_growth

    if spec.gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = spec.gpu
    configure_tensorflow(spec.threads, spec.verbose)
    enable_memory_growth()  # before any op: workers sharing a GPU must not each take all its memory


def _open(spec: WorkerSpec, stop: Any, data: Any = None) -> Session:
    import optuna

    from harness import Objective, ObjectiveContext, get_budget
    from harness.common import ensure_writable_dir, load_existing_study, open_storage, storage_kind
    from harness.data import load_data, split_heldout
    from search_spaces import get_space
    from studies._registry import make_pruner, make_sampler
    from studies._study import load_settings, study_policy

    probe = load_existing_study(spec.study_name, spec.storage_url)
    settings = load_settings(probe)
    if settings.keras_tuner:
        raise MarssegError(f"study {spec.study_name!r} is a KerasTuner run ({settings.sampler}); "
                           "`marsseg benchmark` resumes it, not a worker")
    liveness = Liveness(settings.heartbeat_s, settings.grace_s, storage_kind(spec.storage_url))
    storage = open_storage(spec.storage_url, heartbeat=(settings.heartbeat_s, settings.grace_s))
    budget = get_budget(settings.budget)
    space = get_space(settings.space).resolve(budget.fixed_params)  # inert dimensions are never sampled
    seed = worker_seed(settings.seed, spec.index, started_trials(probe.get_trials(deepcopy=False)))
    _log.info("worker sampler seed %d", seed)
    study = optuna.load_study(study_name=spec.study_name, storage=storage,
                              sampler=make_sampler(settings.sampler, seed, space),
                              pruner=make_pruner(settings.pruner, budget.warmup_epochs, budget.max_epochs,
                                                 budget.first_rung_gflop))
    artifact_dir = spec.artifact_dir or settings.artifact_dir
    ensure_writable_dir(artifact_dir, "artifact folder", hint="pass --artifacts with a folder this machine can write")
    factory = Objective if spec.objective is None else spec.objective
    if _uses_tensorflow(spec):
        _prepare_tensorflow(spec)  # before anything imports TensorFlow
    if data is None:
        data = load_data(spec.data or settings.data)
    # the objective never sees held-out images
    data = split_heldout(data, settings.heldout_fraction, settings.seed, settings.split_groups).search
    policy = study_policy(study)
    objective = factory(ObjectiveContext(space, data, budget, seed=settings.seed, artifact_dir=artifact_dir,
                                         stop=stop, precision=spec.precision, split_groups=settings.split_groups,
                                         policy=policy))
    return Session(study, objective, liveness, spec.n_trials, policy)


def _loop(spec: WorkerSpec, session: Session, stop: Any) -> tuple[int, bool]:
    """Run, wait or stop, step by step; wait out storage outages up to `spec.patience`.
    Returns (trials run, whether it stopped at `spec.max_trials` with a trial left to run)."""
    from harness.common import redact_url

    ran, down_since, handed_over = 0, None, False
    poll = min(5.0, float(session.liveness.interval))
    while not stop.is_set():
        try:
            step = _step(session, spec.deadline, full=spec.max_trials is not None and ran >= spec.max_trials)
        except Exception as exc:
            if not is_storage_error(exc):
                raise
            if down_since is None:
                down_since = time.time()
                _log.warning("storage %s unreachable (%s); waiting up to %.0f s for it", redact_url(spec.storage_url),
                             type(exc).__name__, spec.patience)
            if time.time() - down_since > spec.patience:
                raise MarssegError(f"storage {redact_url(spec.storage_url)} unreachable for {spec.patience:.0f} s "
                                   f"({type(exc).__name__}); finished trials are saved: run the same command "
                                   "again to resume") from None
            stop.wait(poll)
            continue
        if down_since is not None:
            _log.warning("storage reachable again after %.0f s", time.time() - down_since)
            down_since = None
        if step == "done":
            break
        if step == "full":
            handed_over = True
            break
        if step == "ran":
            ran += 1
        else:
            stop.wait(poll)
    with contextlib.suppress(Exception):  # stopped by Ctrl-C right after a trial: store its result
        settle(session)
    return ran, handed_over


def _step(session: Session, deadline: float | None, full: bool = False) -> str:
    """One step: "ran" a trial, "wait" (the remaining trials run elsewhere), "done" (the
    study holds its finished trials, or the deadline has passed and every result is stored),
    or "full" (a trial could run, but this process has run its share: `full`)."""
    study = session.study
    settle(session)
    if deadline is not None and time.time() >= deadline:
        return "done"
    fail_dead_trials(study, session.liveness)
    epochs_left = session.policy.epochs_left  # a benchmark run's equal budget of epochs
    if epochs_left is not None and epochs_left() <= 0:
        return "done"
    trials = study.get_trials(deepcopy=False)
    cap = session.current_cap()
    if cap is not None and finished_count(trials) >= cap:
        return "done"
    if not next_may_run(trials, cap):
        return "wait"
    if full:
        return "full"
    trial = ask_within_cap(study, cap)
    if trial is None:  # another worker was faster
        return "wait"
    run_trial(session, trial)
    return "ran"


def interrupt_on_sigterm() -> Any:
    """Turn the first SIGTERM into KeyboardInterrupt in the `search` parent process (which
    only waits on its workers), so `kill` stops it as cleanly as Ctrl-C. Returns the
    previous handler (None outside the main thread, where nothing changes). Workers use
    `harness.StopFlag` instead, which stops training between batches."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def process_main(spec: WorkerSpec) -> None:
    """Entry point of a spawned worker process (quiet exit on Ctrl-C or SIGTERM, one line on a user error)."""
    import sys

    try:  # run_worker sets TensorFlow's environment before importing it
        run_worker(spec)
    except KeyboardInterrupt:
        sys.exit(130)
    except MarssegError as exc:
        print(f"marsseg: error: {exc}", file=sys.stderr)
        sys.exit(2)
