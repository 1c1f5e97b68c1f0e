"""One worker: join a study and run trials until the study's cap, a deadline, or Ctrl-C."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger("marsseg")


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker process needs (picklable, so `spawn` can send it).

    n_trials: the study's total cap (None: the cap stored in the study, if any).
    deadline: wall-clock time (time.time()) after which no new trial starts.
    threads: TensorFlow intra-op threads, set before TensorFlow is imported.
    data: overrides the study's data path (a remote machine may keep it elsewhere).
    objective: the objective class or factory, called as `objective(space, data, budget,
    seed=..., artifact_dir=..., stop=...)` (None: `harness.Objective`; tests pass
    `studies.testing.FakeObjective`). Spawned workers need it picklable (a module-level name).
    """

    storage_url: str
    study_name: str
    index: int = 0
    threads: int | None = None
    deadline: float | None = None
    n_trials: int | None = None
    data: str | None = None
    verbose: bool = False
    gpu: str | None = None
    objective: Callable[..., Any] | None = None


class SlotCounter:
    """Trials that the local workers of one `marsseg search` may still start, shared
    through a `multiprocessing.Value`: claiming is atomic, so the cap is exact locally."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def claim(self) -> bool:
        """Take one slot; False when none is left."""
        with self._value.get_lock():
            if self._value.value <= 0:
                return False
            self._value.value -= 1
            return True


def run_worker(spec: WorkerSpec, slots: SlotCounter | None = None, data: Any = None) -> int:
    """Run trials of `spec.study_name`; returns how many this worker ran.

    data: the study's `MarsData` when the caller has loaded it already (None: load it here).
    """
    from harness import StopFlag, configure_tensorflow, quiet_optuna

    if spec.gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = spec.gpu
    configure_tensorflow(spec.threads, spec.verbose)
    quiet_optuna(spec.verbose)
    stop = StopFlag().install()
    ran = 0
    try:
        study, objective = _open(spec, stop, data)
        while not stop.is_set() and _may_start(spec, study, slots):
            study.optimize(objective, n_trials=1, catch=(Exception,), gc_after_trial=True)
            ran += 1
    finally:
        stop.restore()
    if stop.is_set():
        raise KeyboardInterrupt
    return ran


def _open(spec: WorkerSpec, stop: Any, data: Any = None) -> tuple[Any, Any]:
    import optuna
    from harness import Objective, get_budget
    from harness.data import load_data
    from search_spaces import get_space

    from studies._settings import make_pruner, make_sampler
    from harness.common import open_storage
    from studies._study import load_settings

    storage = open_storage(spec.storage_url)
    probe = optuna.load_study(study_name=spec.study_name, storage=storage)
    settings = load_settings(probe)
    space, budget = get_space(settings.space), get_budget(settings.budget)
    # A fresh seed per worker and per resume, so no two samplers replay the same draws.
    seed = settings.seed + 100_003 * spec.index + len(probe.get_trials(deepcopy=False))
    study = optuna.load_study(study_name=spec.study_name, storage=storage,
                              sampler=make_sampler(settings.sampler, seed, space),
                              pruner=make_pruner(settings.pruner, budget.warmup_epochs, budget.max_epochs))
    if data is None:
        data = load_data(spec.data or settings.data)
    make_objective = Objective if spec.objective is None else spec.objective
    return study, make_objective(space, data, budget, seed=settings.seed, artifact_dir=settings.artifact_dir, stop=stop)


def _may_start(spec: WorkerSpec, study: Any, slots: SlotCounter | None) -> bool:
    from studies._study import remaining_trials

    if spec.deadline is not None and time.time() >= spec.deadline:
        return False
    cap = spec.n_trials if spec.n_trials is not None else study.user_attrs.get("n_trials")
    if remaining_trials(study, cap) == 0:
        return False
    return slots is None or slots.claim()


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


def process_main(spec: WorkerSpec, counter: Any | None) -> None:
    """Entry point of a spawned worker process (quiet exit on Ctrl-C or SIGTERM)."""
    import sys

    try:  # run_worker sets TensorFlow's environment before importing it
        run_worker(spec, SlotCounter(counter) if counter is not None else None)
    except KeyboardInterrupt:
        sys.exit(130)
