"""Benchmark: a `small`-budget study of the `paper` space on the real data, and its summary.

Run the study (it resumes if the journal exists), then summarise it:

    python benchmarks/bench_small_study.py --run --trials 24 --workers 2
    python benchmarks/bench_small_study.py            # summary of an existing journal only

The summary gives the best val mIoU, trial states, wall time (first trial start to last
trial end) and epochs consumed against the epochs a no-pruning, no-early-stopping run
would use (trials x max_epochs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "ai4mars_hw.npz"
DEFAULT_JOURNAL = REPO / "out" / "paper_small.journal"


def summarise(study) -> dict:
    """Plain numbers of a finished (or running) study."""
    from studies import collect_progress

    progress = collect_progress(study)
    trials = study.get_trials(deepcopy=False)
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED", "FAIL")]
    best = next((t for t in trials if t.number == progress.best_number), None)
    max_epochs = int(study.user_attrs["max_epochs"])
    epochs = sum(int(t.user_attrs.get("epochs_run", 0)) for t in finished)
    starts = [t.datetime_start for t in finished if t.datetime_start]
    ends = [t.datetime_complete for t in finished if t.datetime_complete]
    wall = (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0
    return {
        "trials_finished": len(finished), "complete": progress.complete, "pruned": progress.pruned,
        "fail": progress.failed, "running": progress.running,
        "best_val_miou": None if best is None else round(best.value, 4),
        "best_trial": None if best is None else best.number,
        "best_params": None if best is None else best.params,
        "epochs_consumed": epochs, "epochs_without_pruning": len(finished) * max_epochs,
        "max_epochs": max_epochs, "wall_seconds": round(wall, 1),
        "train_seconds_total": round(sum(float(t.user_attrs.get("train_seconds", 0)) for t in finished), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run (or resume) the study first")
    parser.add_argument("--journal", default=str(DEFAULT_JOURNAL))
    parser.add_argument("--study", default="paper-small")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.run:
        Path(args.journal).parent.mkdir(parents=True, exist_ok=True)
        cmd = ["marsseg", "search", "--study", args.study, "--space", "paper", "--data", args.data,
               "--budget", "small", "--trials", str(args.trials), "--storage", args.journal,
               "--workers", str(args.workers), "--seed", "0"]
        print("$", " ".join(cmd), file=sys.stderr)
        code = subprocess.call(cmd)
        if code:
            return code
    import optuna

    from harness.common import open_storage

    study = optuna.load_study(study_name=args.study, storage=open_storage(args.journal))
    for key, value in summarise(study).items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
