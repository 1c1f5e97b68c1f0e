"""Resident memory of one worker over consecutive `tiny` trials (acceptance: grows < 200 MB).

Runs `marsseg search` with one worker (`smoke` space, `tiny` budget, random sampler, no
pruner, seed 0, artifacts on, synthetic data) for `--trials` trials in a fresh folder. Two
figures per trial:
- after: the resident memory (VmRSS) of the process that ran it, just after it (the
  `worker_rss_mb` attribute the worker stores): what a leak accumulates. Growth is the
  highest of them minus the first trial's (TensorFlow's one-off start-up is not a leak).
- peak: the highest VmRSS of the whole process tree (the search process and, with
  `--recycle N`, the trial processes it starts, a fresh one every N trials), sampled every
  `--every` seconds while the trial ran: what the machine must hold; it moves with each
  trial's network, so it is printed, not used for the criterion.

A trial's memory also depends on its configuration (a Double U-Net holds more than a U-Net),
so the clean leak measurement is `--same-config`: every trial trains the same configuration
(the first random draw of the space, enqueued `--trials` times).

    python benchmarks/bench_memory.py --same-config --trials 12 [--recycle 0]

    python benchmarks/bench_memory.py                  # 30 trials, the default --recycle
    python benchmarks/bench_memory.py --recycle 0      # every trial in one process
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def tree_rss_mb(root: int) -> float:
    """VmRSS of process `root` and all its descendants, in MB (Linux /proc)."""
    from harness import resident_mb

    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        total += resident_mb(pid) or 0.0
    return total


def finished(journal: Path, study: str) -> list:
    """The finished trials of the study, in order (none while it does not exist yet)."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    if not journal.exists():
        return []
    try:
        trials = optuna.load_study(study_name=study, storage=JournalStorage(JournalFileBackend(str(journal)))).trials
    except KeyError:
        return []
    return [t for t in trials if t.state.is_finished()]


def _enqueue_one_config(journal: Path, copies: int) -> None:
    """Enqueue the smoke space's first random draw (at the `tiny` budget) `copies` times."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    from harness import get_budget
    from search_spaces import get_space

    space = get_space("smoke").resolve(get_budget("tiny").fixed_params)
    draw = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    params = space.suggest(draw)
    study = optuna.load_study(study_name="memory", storage=JournalStorage(JournalFileBackend(str(journal))))
    for _ in range(copies):
        study.enqueue_trial(params, skip_if_exists=False)


def main(argv: list[str] | None = None) -> int:
    from studies._worker import DEFAULT_RECYCLE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--recycle", type=int, default=DEFAULT_RECYCLE, help="passed to marsseg search")
    parser.add_argument("--precision", default=None, help="auto | float32 | bfloat16 | float16 (default: auto)")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--same-config", action="store_true", help="every trial trains the same configuration")
    args = parser.parse_args(argv)

    import optuna

    from harness.common import attrs

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "memory.journal"
        command = [sys.executable, "-m", "studies.cli", "search", "--study", "memory", "--storage", str(journal),
                   "--space", "smoke", "--budget", "tiny", "--data", "synthetic:120", "--sampler", "random",
                   "--pruner", "none", "--seed", "0", "--trials", str(args.trials), "--heldout", "0",
                   "--recycle", str(args.recycle)] + (["--precision", args.precision] if args.precision else [])
        if args.same_config:
            subprocess.run([*command, "--create-only"], cwd=ROOT, check=True, capture_output=True)
            _enqueue_one_config(journal, args.trials)
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks: list[float] = [0.0]
        trials: list = []
        while proc.poll() is None:
            peaks[-1] = max(peaks[-1], tree_rss_mb(proc.pid))
            now = finished(journal, "memory")
            for trial in now[len(trials):]:
                print(f"trial {trial.number}: {trial.state.name.lower()}, {trial.params.get('model.family')}, process "
                      f"{trial.user_attrs.get(attrs.WORKER)}, RSS after {trial.user_attrs.get(attrs.WORKER_RSS_MB)} MB,"
                      f" peak {peaks[-1]:.0f} MB, load {os.getloadavg()[0]:.1f}", flush=True)
                peaks.append(0.0)
            trials = now
            time.sleep(args.every)
        if proc.returncode:
            print(f"marsseg search exited with {proc.returncode}: {' '.join(command)}", file=sys.stderr)
            return 1
        trials = finished(journal, "memory")
    after = [t.user_attrs[attrs.WORKER_RSS_MB] for t in trials]
    peaks = [p for p in peaks[:len(trials)] if p > 0]
    growth = max(after) - after[0]
    third = max(1, len(after) // 3)
    print(f"mean RSS after a trial: first {third} trials {sum(after[:third]) / third:.0f} MB, last {third} "
          f"{sum(after[-third:]) / third:.0f} MB")
    print(f"{len(trials)} tiny trials in {len({t.user_attrs[attrs.WORKER] for t in trials})} process(es), --recycle "
          f"{args.recycle}, {time.perf_counter() - start:.0f} s; RSS after trial 0 {after[0]:.0f} MB, highest "
          f"{max(after):.0f} MB, after the last {after[-1]:.0f} MB; peak of the worker's processes "
          f"{min(peaks):.0f}-{max(peaks):.0f} MB")
    print(f"rss growth {growth:.0f} MB ({'<' if growth < 200 else '>='} 200 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
