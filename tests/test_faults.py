"""The fault suite: crashes, outages and bad input, injected for real, on every storage.

Each scenario prints what it injected and what it counted (`pytest -s -m faults` shows it).
Workers run a fast stand-in objective (studies.testing.SlowObjective: a few short "epochs"
that report values) so that a `kill -9` or a Ctrl-C lands mid-trial; one test runs the
real objective where only real weights can show the behaviour.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from conftest import IN_CI, REPO
from harness.common import open_storage
from harness import BUDGETS
from search_spaces import SPACES
from studies import PRUNERS, SAMPLERS, SearchRequest, fail_dead_trials, is_finished, is_lost, run_search
from studies.cli import main
from studies.testing import STORAGE_KINDS, SlowObjective, delete_study_quietly

pytestmark = [pytest.mark.faults, pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")]

HEARTBEAT, GRACE = 1, 3  # seconds: a dead worker's trial is retried within a few seconds
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def _worker_code(objective: str = "SlowObjective", **options) -> str:
    return (f"import functools, sys; from studies.cli import main; from studies.testing import {objective}; "
            f"sys.exit(main(sys.argv[1:], objective=functools.partial({objective}, **{options!r})))")


@pytest.fixture(params=STORAGE_KINDS)
def storage(request, tmp_path) -> str:
    """A storage URL of each kind (journal file, PostgreSQL, Redis); its study is deleted afterwards."""
    if request.param == "journal":
        return str(tmp_path / "faults.journal")
    return request.getfixturevalue("postgres_url" if request.param == "postgresql" else "redis_url")


@pytest.fixture
def study_name(storage) -> str:
    name = f"faults-{uuid.uuid4().hex[:10]}"
    yield name
    delete_study_quietly(storage, name)


def _create(storage: str, name: str, trials: int, artifacts: Path, *extra: str) -> None:
    argv = ["search", "--study", name, "--storage", storage, "--space", "smoke", "--data", "synthetic:40",
            "--budget", "tiny", "--trials", str(trials), "--sampler", "random", "--pruner", "none",
            "--heartbeat", str(HEARTBEAT), "--grace", str(GRACE), "--artifacts", str(artifacts), "--create-only",
            *extra]
    assert main(argv) == 0


def _kind(storage: str) -> str:
    return storage.split("://")[0] if "://" in storage else "journal"


def _load(storage: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(storage))


def _spawn_worker(storage: str, name: str, *extra: str, **options) -> subprocess.Popen:
    cmd = [sys.executable, "-c", _worker_code(**options), "worker", "--study", name, "--storage", storage, *extra]
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, timeout: float, what: str):
    end = time.time() + timeout
    while time.time() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _mid_trial(study: optuna.Study, pids: set[int]):
    """A RUNNING trial of one of `pids` that has reported at least one epoch."""
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = str(t.user_attrs.get("worker", ""))
        if t.intermediate_values and worker.rpartition(":")[2].isdigit() and int(worker.rpartition(":")[2]) in pids:
            return t
    return None


def _counts(study: optuna.Study) -> dict[str, int]:
    trials = study.get_trials(deepcopy=False)
    return {"finished": sum(map(is_finished, trials)), "lost": sum(map(is_lost, trials)),
            "running": sum(t.state == TrialState.RUNNING for t in trials),
            "waiting": sum(t.state == TrialState.WAITING for t in trials), "total": len(trials)}


def _finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"worker did not finish in {timeout} s:\n{err[-3000:]}")
    return proc.returncode, err


def _two_workers_one_mid_trial(storage: str, name: str, n: int, tmp_path: Path):
    """A study of `n` trials, 2 `marsseg worker` processes on it, and a trial of the first in mid-epoch."""
    _create(storage, name, n, tmp_path / "artifacts")
    procs = [_spawn_worker(storage, name, epochs=4, epoch_seconds=0.4) for _ in range(2)]
    study = _load(storage, name)
    victim = _wait_for(lambda: _mid_trial(study, {procs[0].pid}), 120, "a trial of worker 1 in mid-epoch")
    return procs, study, victim


def test_kill_9_mid_trial_is_retried_and_the_study_ends_with_n_finished(storage, study_name, tmp_path) -> None:
    n = 4
    procs, study, victim = _two_workers_one_mid_trial(storage, study_name, n, tmp_path)
    os.kill(procs[0].pid, signal.SIGKILL)
    print(f"\n[{_kind(storage)}] injected: kill -9 of worker pid {procs[0].pid} during trial "
          f"#{victim.number} (epoch {max(victim.intermediate_values)})")
    procs[0].wait()
    rc, err = _finish(procs[1])
    assert rc == 0, err[-3000:]
    counts = _counts(_load(storage, study_name))
    trials = {t.number: t for t in _load(storage, study_name).trials}
    killed = trials[victim.number]
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == victim.number]
    print(f"counted: {counts}; trial #{victim.number} -> {killed.state.name} ({killed.user_attrs.get('fail_reason')})"
          f", retried as {[(t.number, t.state.name) for t in retries]}")
    assert counts["finished"] == n and counts["running"] == 0
    assert killed.state == TrialState.FAIL and killed.user_attrs["fail_kind"] == "infra"
    assert len(retries) == 1 and retries[0].params == killed.params and is_finished(retries[0])


def _running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_kill_9_of_a_recycling_worker_stops_its_trial_process_and_the_trial_is_retried(tmp_path) -> None:
    storage, name = str(tmp_path / "recycle.journal"), "recycle"
    _create(storage, name, 2, tmp_path / "artifacts")
    proc = _spawn_worker(storage, name, "--recycle", "2", objective="SlowTensorFlowObjective", epochs=40,
                         epoch_seconds=0.5)
    study = _load(storage, name)
    victim = _wait_for(lambda: next((t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                                     if t.intermediate_values), None), 120, "a trial in mid-epoch")
    child = int(victim.user_attrs["worker"].rpartition(":")[2])
    assert child != proc.pid and _running(child)  # the trial runs in the worker's child process
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    print(f"\ninjected: kill -9 of recycling worker pid {proc.pid}; its trial process {child} ran trial "
          f"#{victim.number} (epoch {max(victim.intermediate_values)} of 40)")
    _wait_for(lambda: not _running(child), 30, "the orphaned trial process to stop")
    killed = _load(storage, name).trials[victim.number]
    print(f"counted: trial #{victim.number} -> {killed.state.name} ({killed.user_attrs.get('fail_reason')})")
    assert killed.state == TrialState.FAIL and killed.user_attrs["fail_kind"] == "infra"
    assert len(killed.intermediate_values) < 40  # stopped, not trained on unattended


def test_a_hung_worker_loses_its_trial_to_the_heartbeat_and_then_wakes_harmlessly(storage, study_name,
                                                                                  tmp_path) -> None:
    """SIGSTOP: the process is alive (no pid check can tell), only its lease stops: the
    heartbeat path that finds dead workers on other hosts."""
    n = 4
    procs, study, victim = _two_workers_one_mid_trial(storage, study_name, n, tmp_path)
    os.kill(procs[0].pid, signal.SIGSTOP)
    stopped = time.time()
    try:
        failed = _wait_for(lambda: next((t for t in study.get_trials(deepcopy=False)
                                         if t.number == victim.number and t.state == TrialState.FAIL), None),
                           60, f"trial #{victim.number} to be failed as stale")
        found_after = time.time() - stopped
    finally:
        os.kill(procs[0].pid, signal.SIGCONT)
    results = [_finish(p) for p in procs]
    counts = _counts(_load(storage, study_name))
    retries = [t for t in _load(storage, study_name).trials if t.system_attrs.get("failed_trial") == victim.number]
    print(f"\n[{_kind(storage)}] injected: SIGSTOP of worker pid {procs[0].pid} during trial #{victim.number} for "
          f"{found_after:.1f} s (grace {GRACE} s), then SIGCONT; counted: {counts}; #{victim.number} -> "
          f"{failed.user_attrs.get('fail_reason')!r}, retried as {[(t.number, t.state.name) for t in retries]}")
    assert all(rc == 0 for rc, _ in results), [err[-2000:] for _, err in results]
    assert "stale heartbeat" in failed.user_attrs["fail_reason"] and failed.user_attrs["fail_kind"] == "infra"
    assert counts["finished"] == n and counts["running"] == 0
    assert len(retries) == 1 and retries[0].params == failed.params and is_finished(retries[0])


def test_four_workers_run_exactly_n_finished_trials_and_all_do_work(storage, study_name, tmp_path) -> None:
    n = 8
    request = SearchRequest(study=study_name, storage=storage, space="smoke", data="synthetic:40", budget="tiny",
                            sampler="random", pruner="none", trials=n, workers=4, seed=0, heartbeat=HEARTBEAT,
                            grace=GRACE, artifact_dir=str(tmp_path / "artifacts"),
                            objective=functools.partial(SlowObjective, epochs=2, epoch_seconds=0.3, peers=4))
    start = time.time()
    assert run_search(request) == 0
    study = _load(storage, study_name)
    trials = study.get_trials(deepcopy=False)
    ran = [t for t in trials if t.state != TrialState.WAITING]
    workers = {t.user_attrs.get("worker") for t in ran}
    counts = _counts(study)
    print(f"\n[{_kind(storage)}] injected: 4 local workers on one study, cap {n}; counted: {counts}, "
          f"{len(workers)} distinct workers, {time.time() - start:.1f} s")
    assert counts["finished"] == n and counts["running"] == 0 and counts["lost"] == 0
    assert len({t.number for t in trials}) == len(trials)
    assert len(workers) == 4


@pytest.fixture
def private_postgres() -> _PrivatePostgres:
    """A PostgreSQL server of our own on a free port, in a temporary folder owned by `postgres`
    (initdb and pg_ctl refuse to run as root). Yields its URL; `.stop()`/`.start()` on the
    returned object inject the outage."""
    initdb, pg_ctl = shutil.which("initdb") or "/usr/local/bin/initdb", shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl"
    if not (Path(initdb).exists() and Path(pg_ctl).exists()):
        if IN_CI:
            pytest.fail("initdb / pg_ctl not found, and CI=true requires the outage scenario", pytrace=False)
        pytest.skip("initdb / pg_ctl not installed")
    # not under pytest's tmp folder: that one is private to root, and postgres must reach its data
    server = _PrivatePostgres(Path(tempfile.mkdtemp(prefix="marsseg-pg-")), initdb, pg_ctl)
    try:
        server.init()
        server.start()
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(server.base, ignore_errors=True)
        detail = f"{exc} {getattr(exc, 'stderr', '') or ''}".strip()
        if IN_CI:
            pytest.fail(f"cannot start a private PostgreSQL: {detail}", pytrace=False)
        pytest.skip(f"cannot start a private PostgreSQL here: {detail}")
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


class _PrivatePostgres:
    def __init__(self, base: Path, initdb: str, pg_ctl: str) -> None:
        self.base, self.initdb, self.pg_ctl = base, initdb, pg_ctl
        self.data = base / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        self._as_postgres(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(self.pg_ctl, "-D", str(self.data), "-l", str(self.base / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._as_postgres(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")


def test_database_outage_mid_study_workers_wait_reconnect_and_lose_nothing(private_postgres, tmp_path) -> None:
    n, outage = 6, 20
    url, name = private_postgres.url, "outage"
    assert main(["search", "--study", name, "--storage", url, "--space", "smoke", "--data", "synthetic:40",
                 "--budget", "tiny", "--trials", str(n), "--sampler", "random", "--pruner", "none",
                 "--heartbeat", "1", "--grace", "60", "--artifacts", str(tmp_path / "a"), "--create-only"]) == 0
    procs = [_spawn_worker(url, name, "--patience", "120", epochs=3, epoch_seconds=0.5) for _ in range(2)]
    study = _load(url, name)
    _wait_for(lambda: any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)), 120,
              "a first finished trial")
    before = {t.number: t.value for t in study.get_trials(deepcopy=False) if is_finished(t)}
    private_postgres.stop()
    print(f"\n[postgresql] injected: database stopped for {outage} s with {len(before)} trial(s) finished")
    time.sleep(outage)
    private_postgres.start()
    results = [_finish(p) for p in procs]
    assert all(rc == 0 for rc, _ in results), [err[-2000:] for _, err in results]
    study = _load(url, name)
    after = {t.number: t.value for t in study.get_trials(deepcopy=False) if is_finished(t)}
    counts = _counts(study)
    print(f"counted: {counts}; finished before the outage kept: {all(after.get(k) == v for k, v in before.items())}")
    print("worker log:", *{line for _, err in results for line in err.splitlines() if "storage" in line}, sep="\n  ")
    assert counts["finished"] == n and counts["running"] == 0
    assert all(after.get(k) == v for k, v in before.items())  # nothing finished is lost


def test_artifact_folder_unwritable_mid_study_trials_still_complete_and_record_it(tmp_path) -> None:
    journal, artifacts = str(tmp_path / "a.journal"), tmp_path / "artifacts"
    request = SearchRequest(study="art", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                            sampler="random", pruner="none", trials=4, artifact_dir=str(artifacts),
                            objective=functools.partial(SlowObjective, epochs=2, epoch_seconds=0.3))
    broken = threading.Event()

    def break_after_first_trial() -> None:
        study = _wait_for(lambda: _study_if_exists(journal, "art"), 60, "the study")
        _wait_for(lambda: any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)), 60,
                  "a first finished trial")
        artifacts.rename(tmp_path / "moved")
        artifacts.write_text("a file where the artifact folder was")  # unwritable even for root
        broken.set()

    breaker = threading.Thread(target=break_after_first_trial, daemon=True)
    breaker.start()
    assert run_search(request) == 0
    breaker.join(timeout=5)
    trials = _load(journal, "art").trials
    errors = [t.number for t in trials if "artifact_error" in t.user_attrs]
    print(f"\n[journal] injected: artifact folder replaced by a file after the first trial; counted: "
          f"{[t.state.name for t in trials]}, artifact errors on trials {errors}")
    assert broken.is_set() and [t.state for t in trials] == [TrialState.COMPLETE] * 4
    assert "weights_artifact_id" in trials[0].user_attrs
    assert errors and all(t.value is not None for t in trials)


def _study_if_exists(storage: str, name: str):
    try:
        return _load(storage, name)
    except KeyError:
        return None


def test_real_objective_keeps_its_value_when_artifacts_cannot_be_saved(tmp_path) -> None:
    from harness import Objective, ObjectiveContext, get_budget
    from harness.data import load_data
    from search_spaces import get_space

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    objective = Objective(ObjectiveContext(get_space("smoke"), load_data("synthetic:120"), get_budget("tiny"),
                          artifact_dir=str(blocker / "artifacts")))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    print(f"\n[in memory] injected: artifact folder under a file; counted: {trial.state.name}, value {trial.value}, "
          f"artifact_error {trial.user_attrs.get('artifact_error')!r}")
    assert trial.state == TrialState.COMPLETE and trial.value is not None
    assert "artifact_error" in trial.user_attrs and "weights_artifact_id" not in trial.user_attrs


def test_resume_after_ctrl_c_redoes_nothing_and_reruns_the_interrupted_trial(tmp_path) -> None:
    journal, n = str(tmp_path / "c.journal"), 4
    cmd = [sys.executable, "-c", _worker_code(epochs=4, epoch_seconds=0.4), "search", "--study", "c", "--storage",
           journal, "--space", "smoke", "--data", "synthetic:40", "--budget", "tiny", "--trials", str(n),
           "--sampler", "random", "--pruner", "none"]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    study = _wait_for(lambda: _study_if_exists(journal, "c"), 60, "the study")
    victim = _wait_for(lambda: next((t for t in study.get_trials(deepcopy=False) if t.number >= 1 and
                                     t.state == TrialState.RUNNING and t.intermediate_values), None),
                       60, "trial #1 in mid-epoch")
    proc.send_signal(signal.SIGINT)
    rc, err = _finish(proc, 60)
    assert rc == 130 and "interrupted" in err, err[-2000:]
    first = {t.number: t for t in _load(journal, "c").trials}
    done_first = {k: t.datetime_complete for k, t in first.items() if is_finished(t)}
    print(f"\n[journal] injected: Ctrl-C (SIGINT) during trial #{victim.number}; counted after it: "
          f"{[(t.number, t.state.name) for t in first.values()]}")
    assert first[victim.number].state == TrialState.FAIL and first[victim.number].user_attrs["fail_kind"] == "infra"

    rerun = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    trials = {t.number: t for t in _load(journal, "c").trials}
    retried = [t for t in trials.values() if t.system_attrs.get("failed_trial") == victim.number]
    new_runs = [t for t in trials.values() if is_finished(t) and t.number not in done_first]
    print(f"counted after resume: {_counts(_load(journal, 'c'))}; re-run {len(new_runs)} trial(s) "
          f"(retry of #{victim.number}: {[t.number for t in retried]})")
    assert sum(map(is_finished, trials.values())) == n
    assert all(trials[k].datetime_complete == v for k, v in done_first.items())  # nothing redone
    assert len(new_runs) == n - len(done_first)
    assert len(retried) == 1 and retried[0].params == first[victim.number].params and is_finished(retried[0])


def test_two_workers_racing_on_one_dead_trial_enqueue_one_retry(storage, study_name) -> None:
    from studies import Liveness
    from harness.common import storage_kind

    study = optuna.create_study(study_name=study_name, storage=open_storage(storage), direction="maximize")
    trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
    trial.set_user_attr("worker", f"{socket.gethostname()}:{_dead_pid()}")
    liveness = Liveness(HEARTBEAT, GRACE, storage_kind(storage))
    barrier, failed = threading.Barrier(4), []

    def sweep() -> None:
        mine = optuna.load_study(study_name=study_name, storage=open_storage(storage, heartbeat=(HEARTBEAT, GRACE)))
        barrier.wait()
        failed.append(fail_dead_trials(mine, liveness))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    copies = [t for t in _load(storage, study_name).trials if t.system_attrs.get("failed_trial") == trial.number]
    print(f"\n[{_kind(storage)}] injected: 4 concurrent sweeps of one dead trial; counted: failed by "
          f"{sum(bool(f) for f in failed)} sweep(s), {len(copies)} retry copy(ies)")
    assert sorted(map(len, failed)) == [0, 0, 0, 1]
    assert len(copies) == 1 and copies[0].state == TrialState.WAITING and copies[0].params == trial.params


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    journal = str(tmp / "j.journal")
    base = ["search", "--study", "x", "--storage", journal]
    blocker = tmp / "file"
    blocker.write_text("x")
    optuna.create_study(study_name="other", storage=open_storage(journal))
    return [
        ([*base, "--space", "nope"], f"valid spaces: {', '.join(SPACES)}"),
        ([*base, "--sampler", "nope"], f"choose from {', '.join(map(repr, SAMPLERS))}"),
        ([*base, "--pruner", "nope"], f"choose from {', '.join(map(repr, PRUNERS))}"),
        ([*base, "--budget", "huge"], f"valid budgets: {', '.join(BUDGETS)}"),
        (["worker", "--study", "nosuch", "--storage", journal], "stored studies: other"),
        ([*base, "--trials", "0"], "--trials: must be a positive integer, got 0"),
        ([*base, "--trials", "-3"], "--trials: must be a positive integer, got -3"),
        ([*base, "--workers", "0"], "--workers: must be a positive integer"),
        ([*base, "--timeout", "-5"], "--timeout: must be a positive number"),
        ([*base, "--timeout", "0"], "--timeout: must be a positive number"),
        ([*base, "--seed", "-1"], "--seed: must be a non-negative integer"),
        ([*base, "--heartbeat", "30", "--grace", "10"], "need 0 < --heartbeat < --grace"),
        (["worker", "--study", "x", "--storage", journal, "--threads", "0"], "--threads: must be a positive integer"),
        (["worker", "--study", "x", "--storage", journal, "--timeout", "-1"], "--timeout: must be a positive number"),
        (["search", "--study", "", "--storage", journal], "--study: must not be empty"),
        (["worker", "--study", " ", "--storage", journal], "--study: must not be empty"),
        (["demo", "--trials", "0"], "--trials: must be a positive integer"),
        (["search", "--study", "x", "--storage", "postgresql://bob:s3cret@127.0.0.1:1/db"],
         "cannot open storage postgresql://bob:***@127.0.0.1:1/db"),
        (["worker", "--study", "x", "--storage", "redis://:s3cret@127.0.0.1:1/0"], "cannot open storage redis://:***@"),
        (["search", "--study", "x", "--storage", str(tmp / "missing" / "j.journal")], "journal directory"),
        ([*base, "--artifacts", str(blocker / "artifacts")], "artifact folder"),
        (["report", "--study", "x", "--storage", journal, "--output", str(blocker / "r.html")], "not writable"),
        (["spaces", "show", "nope"], "valid spaces"),
        (["worker", "--study", "x", "--storage", str(tmp / "none.journal")], "does not exist"),
        (["report", "--study", "nosuch", "--storage", journal], "other"),
        (["data", "synth", "/proc/marsseg-out.npz", "--n-train", "4"], "/proc/"),  # exists, never writable
    ]


@pytest.mark.parametrize("case", range(26))
def test_every_bad_input_is_one_line_and_exit_code_2(case: int, tmp_path, capsys) -> None:
    cases = _bad_inputs(tmp_path)
    assert len(cases) == 26
    argv, expected = cases[case]
    with pytest.raises(SystemExit) as exited:  # argparse errors exit; handler errors return 2
        raise SystemExit(main(argv))
    err = capsys.readouterr().err
    print(f"\ninjected: marsseg {' '.join(argv)!s}; counted: exit {exited.value.code}, {err.strip()!r}")
    assert exited.value.code == 2
    assert err.startswith("marsseg: error: ") and len(err.strip().splitlines()) == 1, err
    assert expected in err and "s3cret" not in err
