"""`marsseg search`: create or resume a study and run K local workers on it."""

from __future__ import annotations

import dataclasses
import multiprocessing
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.common import GRACE_PERIOD_S, HEARTBEAT_INTERVAL_S, MarssegError, attrs, stored_split_groups
from studies._registry import make_sampler
from studies._settings import StudySettings
from studies._plan import anchor_label, begin_plan, plan_rows, plans, run_plan
from studies._study import remaining_trials
from studies._summary import format_table, summary_rows
from studies._worker import (DEFAULT_RECYCLE, WorkerSpec, interrupt_on_sigterm, process_main, run_worker,
                             stop_processes)

NEW_STUDY_DEFAULTS = {attrs.SPACE: "paper", attrs.DATA: "synthetic", attrs.SAMPLER: "tpe", attrs.PRUNER: None,
                      attrs.BUDGET: "cpu", attrs.SEED: 0, attrs.HELDOUT_FRACTION: 0.1}  # pruner None: the budget's


@dataclass(frozen=True)
class SearchRequest:
    """The flags of `marsseg search`; None means "the stored value, or the default"."""

    study: str
    storage: str
    space: str | None = None
    data: str | None = None
    sampler: str | None = None
    pruner: str | None = None
    budget: str | None = None
    seed: int | None = None
    trials: int | None = None
    timeout: float | None = None
    workers: int = 1
    artifact_dir: str | None = None
    verbose: bool = False
    objective: Callable[..., Any] | None = None  # see WorkerSpec.objective
    heldout_fraction: float | None = None
    repeats: int | None = None  # each preset (Table 1 row) this many times, each with its own seed
    evaluate_top: int = 5  # trials scored on the held-out split when the run ends (0: none)
    epoch_budget: int | None = None  # epochs over all trials (pruned included) after which no trial starts
    heartbeat: int | None = None  # lease renewal, seconds (stored in the study)
    grace: int | None = None  # lease expiry, seconds (stored in the study)
    create_only: bool = False  # create or resume the study, enqueue presets, run nothing
    start_with: tuple[str, ...] = ()  # Table 1 rows to enqueue first (once per study)
    recycle: int = DEFAULT_RECYCLE  # trials per worker process (see WorkerSpec.recycle)
    precision: str | None = None  # the trials' training precision (None: $MARSSEG_PRECISION, else auto)
    plan: bool = True  # a new study with a timeout runs the time plan (studies/_plan.py)


def default_artifact_dir(storage_url: str, study: str) -> str:
    """Beside the journal file, else in the working directory: `marsseg_artifacts/<study>`."""
    from harness.common import storage_kind

    base = Path(storage_url).resolve().parent if storage_kind(storage_url) == "journal" else Path.cwd()
    return str(base / "marsseg_artifacts" / study)


def resolve_data(data: str) -> str:
    """A data file as an absolute path (stored in the study); URLs and `synthetic...` as given."""
    if "://" in data or data.startswith("synthetic"):
        return data
    return str(Path(data).resolve())


def _settings(request: SearchRequest, stored: dict[str, Any]) -> StudySettings:
    values = {}
    for key, default in NEW_STUDY_DEFAULTS.items():
        given = getattr(request, key)
        values[key] = given if given is not None else stored.get(key, default)
    if values["pruner"] is None:
        from harness import get_budget

        try:
            values["pruner"] = get_budget(values["budget"]).pruner
        except ValueError as exc:
            raise MarssegError(str(exc)) from None
    if stored and request.heldout_fraction is None:
        values[attrs.HELDOUT_FRACTION] = stored.get(attrs.HELDOUT_FRACTION, 0.0)
    repeats = request.repeats if request.repeats is not None else stored.get(attrs.REPEATS, 1)
    if request.data is not None:
        values["data"] = resolve_data(request.data)
    artifact_dir = (request.artifact_dir or stored.get(attrs.ARTIFACT_DIR)
                    or default_artifact_dir(request.storage, request.study))
    n_trials = request.trials if request.trials is not None else stored.get(attrs.N_TRIALS)
    if request.trials is None and (not stored or request.repeats is not None):
        from search_spaces import get_space  # a space of presets (Table 1) runs each `repeats` times by default

        try:
            n_trials = len(get_space(values["space"]).presets) * repeats or n_trials
        except ValueError as exc:
            raise MarssegError(str(exc)) from None
    timings = {key: given if given is not None else stored.get(key, default) for key, given, default in
               (("heartbeat_s", request.heartbeat, HEARTBEAT_INTERVAL_S), ("grace_s", request.grace, GRACE_PERIOD_S))}
    return StudySettings(**values, artifact_dir=str(artifact_dir), n_trials=n_trials, repeats=repeats, **timings,
                         split_groups=stored_split_groups(stored))  # a study keeps its splits


def _gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU")]


def _stored_attrs(request: SearchRequest) -> dict[str, Any]:
    """The study's stored attributes, {} for a new study; reads without creating a journal file."""
    import optuna

    from harness.common import open_existing_storage, storage_kind

    if storage_kind(request.storage) == "journal" and not Path(request.storage).is_file():
        return {}
    try:
        return optuna.load_study(study_name=request.study, storage=open_existing_storage(request.storage)).user_attrs
    except KeyError:
        return {}


def _search_space(settings: StudySettings, start_with: tuple[str, ...]) -> Any:
    """The study's space with the `--start-with` rows added, resolved against its budget."""
    from harness import get_budget
    from search_spaces import get_space, table1_presets

    space = get_space(settings.space)
    try:
        starts = table1_presets([n for n in start_with if n not in dict(space.presets)])
        space = dataclasses.replace(space, presets=space.presets + starts)
    except ValueError as exc:  # an unknown row, or a row outside this space
        raise MarssegError(f"--start-with: {exc}") from None
    return space.resolve(get_budget(settings.budget).fixed_params)


def _check_request(request: SearchRequest) -> None:
    from harness.common import check_storage_url

    if request.workers < 1:
        raise MarssegError(f"--workers must be >= 1, got {request.workers}")
    if check_storage_url(request.storage) == "sqlite" and request.workers > 1:
        raise MarssegError("SQLite cannot serve parallel workers; use the journal file (default), "
                           "postgresql:// or redis://")


def run_search(request: SearchRequest) -> int:
    """Create or resume the study, then run the workers; returns the exit code.

    Every flag, the space and the data are checked before anything is written, so a bad
    input leaves no journal, artifact folder or study behind.
    """
    from harness import quiet_optuna
    from harness.common import ensure_writable_dir, open_storage
    from harness.data import load_data
    from search_spaces import get_space
    from studies._study import create_or_resume, enqueue_presets

    _check_request(request)
    quiet_optuna(request.verbose)
    stored = _stored_attrs(request)
    settings = _settings(request, stored)
    space = _search_space(settings, request.start_with)
    data = load_data(settings.data)  # a bad --data fails here, once, not in every worker
    make_sampler(settings.sampler, settings.seed, space)  # e.g. gp without torch: fail before creating
    ensure_writable_dir(settings.artifact_dir, "artifact folder", hint="pass --artifacts with a writable folder")
    storage = open_storage(request.storage)
    study, created = create_or_resume(storage, request.study, settings)
    if request.workers > 1:
        data = None  # spawned workers load their own; only the in-process worker reuses it
    if request.epoch_budget is not None:  # read by every worker, remote ones too
        study.set_user_attr(attrs.EPOCH_BUDGET, request.epoch_budget)
    dead = _sweep_dead(request, settings, study)
    anchor = None
    if plans(request, created, attrs.ABLATION_OF in study.user_attrs):  # the anchor stands for its row
        anchor = begin_plan(study, settings, anchor_label(request.start_with), time.time(), request.timeout)
        space = _search_space(settings, plan_rows(request.start_with, get_space(settings.space)))
    added = 0 if attrs.ABLATION_OF in study.user_attrs else enqueue_presets(study, space, settings.repeats)
    threads, gpus = _announce(request, settings, created, dead, added)
    if request.create_only:
        remaining = remaining_trials(study, settings.n_trials)
        print(f"study ready: {remaining if remaining is not None else 'unlimited'} trial(s) to run; "
              "start `marsseg worker` processes on it", file=sys.stderr)
        return 0
    code = _run_trials(request, settings, study, threads, gpus, data, anchor)
    if code:
        return code
    if request.evaluate_top:  # before the summary, which shows the held-out scores and their intervals
        from studies._evaluate import evaluate_study

        evaluate_study(study, settings, top=request.evaluate_top, data=data, data_path=request.data)
    print(format_table(summary_rows(study)))
    return 0


def _sweep_dead(request: SearchRequest, settings: StudySettings, study: Any) -> list[int]:
    """Fail (and retry) the trials a dead worker left RUNNING."""
    import optuna

    from harness.common import open_storage, storage_kind
    from studies._liveness import Liveness, fail_dead_trials

    liveness = Liveness(settings.heartbeat_s, settings.grace_s, storage_kind(request.storage))
    if liveness.optuna_heartbeat:  # the sweep reads Optuna's heartbeat table: a storage with the study's timings
        beating = open_storage(request.storage, heartbeat=(settings.heartbeat_s, settings.grace_s))
        study = optuna.load_study(study_name=request.study, storage=beating)
    return fail_dead_trials(study, liveness)


def _announce(request: SearchRequest, settings: StudySettings, created: bool, dead: list[int],
              added: int) -> tuple[int, list[str]]:
    """Print what the run will do; returns (threads per worker, GPUs)."""
    from harness import available_cores
    from harness.common import redact_url

    cores, gpus = available_cores(), _gpus()
    threads = max(1, cores // request.workers)
    print(f"study {request.study!r} {'created' if created else 'resumed'} in {redact_url(request.storage)}: "
          f"space {settings.space}, budget {settings.budget}, sampler {settings.sampler}, pruner {settings.pruner}, "
          f"data {settings.data}; {request.workers} worker(s) x {threads} thread(s)"
          + (f", GPUs {gpus}" if gpus else ""), file=sys.stderr)
    if gpus and request.workers > len(gpus):
        print(f"{request.workers} workers share {len(gpus)} GPU(s) round-robin, with memory growth on",
              file=sys.stderr)
    if dead:
        print(f"marked trials {dead} FAIL: left RUNNING by a worker that died; retrying them", file=sys.stderr)
    if added:
        print(f"enqueued {added} preset(s) of space {settings.space}", file=sys.stderr)
    return threads, gpus


def _run_trials(request: SearchRequest, settings: StudySettings, study: Any, threads: int, gpus: list[str],
                data: Any, anchor: int | None = None) -> int:
    """Run the workers until the study holds its trials or the deadline passes (with an `anchor`,
    the time plan); the exit code."""
    from studies._progress import ProgressBar

    if remaining_trials(study, settings.n_trials) == 0:
        print(f"study already holds its {settings.n_trials} finished trials; nothing to run "
              "(raise --trials to run more)", file=sys.stderr)
        return 0
    deadline = time.time() + request.timeout if request.timeout else None
    base = WorkerSpec(request.storage, request.study, threads=threads, deadline=deadline,
                      n_trials=settings.n_trials, verbose=request.verbose, objective=request.objective,
                      recycle=request.recycle, precision=request.precision)
    with ProgressBar(study, settings.n_trials):
        if anchor is not None:
            code = _run_workers(lambda: run_plan(base, study, settings,
                                                 lambda spec, n=request.workers: _start_and_wait(spec, n, gpus, None),
                                                 gpus, anchor, request.workers))
        else:
            code = _run_workers(lambda: _start_and_wait(base, request.workers, gpus, data))
    if code == 130:
        print("interrupted: finished trials are saved, interrupted ones are re-enqueued; "
              "run the same command again to resume", file=sys.stderr)
    return code


def _run_workers(run: Callable[[], int]) -> int:
    """`run()` with the first SIGTERM turned into Ctrl-C."""
    import signal

    previous = interrupt_on_sigterm()
    try:
        return run()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _start_and_wait(base: WorkerSpec, workers: int, gpus: list[str], data: Any) -> int:
    """Run the workers: in this process (reusing `data`) when there is one, else spawned.
    Workers beyond the GPU count share the GPUs round-robin (each grows its memory on demand)."""
    if workers == 1:
        try:
            run_worker(dataclasses.replace(base, index=0, gpu=gpus[0] if gpus else None), data=data)
        except KeyboardInterrupt:
            return 130
        return 0
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=process_main, name=f"marsseg-worker-{i}",
                         args=(dataclasses.replace(base, index=i, gpu=gpus[i % len(gpus)] if gpus else None),))
             for i in range(workers)]
    for proc in procs:
        proc.start()
    try:
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:  # Ctrl-C reached the workers too; SIGTERM covers `kill` of this process
        stop_processes(procs)
        return 130
    bad = [(p.name, p.exitcode) for p in procs if p.exitcode]
    if bad:
        print(f"marsseg: error: worker(s) exited abnormally: {bad}", file=sys.stderr)
        return 1
    return 0
