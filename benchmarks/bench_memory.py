"""Resident memory of one worker over consecutive `tiny` trials (acceptance: grows < 200 MB).

One process runs `--trials` trials of the `smoke` space at the `tiny` budget (random sampler,
seed 0, artifacts on) through `harness.Objective`, as a worker does (`clear_session` per
trial, `gc_after_trial`), and reads VmRSS from /proc/self/status after each trial. Growth is
measured from the end of the first trial (TensorFlow's one-off start-up is not a leak).

    python benchmarks/bench_memory.py                 # 30 trials
    python benchmarks/bench_memory.py --precision float32
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    """Resident set size of this process in MB (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--precision", default=None, help="auto | float32 | bfloat16 | float16 (default: auto)")
    parser.add_argument("--malloc-trim", action="store_true",
                        help="call glibc malloc_trim(0) after each trial and print RSS before and after it")
    args = parser.parse_args(argv)

    import optuna

    from harness import Objective, configure_tensorflow, get_budget, quiet_optuna
    from harness.data import load_data
    from search_spaces import get_space

    configure_tensorflow()
    quiet_optuna(False)
    data = load_data("synthetic:120")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        objective = Objective(get_space("smoke"), data, get_budget("tiny"), artifact_dir=tmp, precision=args.precision)
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
        rss = []
        for i in range(args.trials):
            study.optimize(objective, n_trials=1, catch=(Exception,), gc_after_trial=True)
            before_trim = rss_mb()
            if args.malloc_trim:
                ctypes.CDLL("libc.so.6").malloc_trim(0)
            rss.append(rss_mb())
            trial = study.trials[-1]
            print(f"trial {i}: {trial.state.name} {trial.params.get('model.family')} "
                  f"{trial.user_attrs.get('precision')}, RSS {before_trim:.0f} MB"
                  f"{f' (after malloc_trim {rss[-1]:.0f} MB)' if args.malloc_trim else ''}, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    growth = rss[-1] - rss[0]
    half = len(rss) // 2
    print(f"{args.trials} tiny trials in {time.perf_counter() - start:.0f} s; RSS after trial 0 {rss[0]:.0f} MB, "
          f"max {max(rss):.0f} MB, last {rss[-1]:.0f} MB; second half grew {rss[-1] - rss[half]:.0f} MB")
    print(f"rss growth {growth:.0f} MB ({'<' if growth < 200 else '>='} 200 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
