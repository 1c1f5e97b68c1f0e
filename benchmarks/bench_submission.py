"""A study's submissions scored on its labelled held-out split (the test labels are withheld).

Run: python benchmarks/bench_submission.py --study S --storage J --out DIR
        [--variants best,top3-flip,top3-flip-plain,refit,refit-flip] [--test]

Writes DIR/heldout.npz (the study's held-out images as `test_set`, their labels as `masks`:
the same split `marsseg search` never trained, validated or selected on), then runs
`marsseg predict --data DIR/heldout.npz` for each variant and `marsseg score` on its masks,
and prints a markdown table: variant, the predict command's flags, held-out mIoU, per-class
IoU, wall seconds. `refit` retrains the best configuration first (the slowest row; a later
run reuses the stored refit weights). `--test` also writes the competition CSV of the best
trial on the real `test_set` (DIR/submission.csv). DIR must not be inside the repository:
the held-out file is a copy of the data, which is never committed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VARIANTS = {
    "best": ["--top-k", "1"],
    "top3-flip": ["--top-k", "3", "--tta", "flip"],
    "top3-flip-plain": ["--top-k", "3", "--tta", "flip", "--class-bias", "none"],  # without the class offsets
    "top5-flip": ["--top-k", "5", "--tta", "flip"],
    "refit": ["--top-k", "1", "--refit"],
    "refit-flip": ["--top-k", "1", "--refit", "--tta", "flip"],
}


def write_heldout(study: str, storage: str, path: Path) -> int:
    """The study's held-out images and labels as one .npz; returns how many images."""
    import numpy as np

    from harness.common import load_existing_study
    from studies._evaluate import _heldout_data  # the split `marsseg evaluate` scores on
    from studies._study import load_settings

    held = _heldout_data(load_settings(load_existing_study(study, storage)), None, None)
    np.savez(path, test_set=held.images.astype(np.uint8), masks=held.masks.astype(np.uint8))
    return len(held.images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", required=True)
    parser.add_argument("--storage", required=True)
    parser.add_argument("--out", required=True, help="output folder (outside the repository)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated: {', '.join(VARIANTS)}")
    parser.add_argument("--test", action="store_true", help="also the best trial's CSV on the real test_set")
    args = parser.parse_args()

    from harness.data import score_predictions
    from studies.cli import main as marsseg

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    heldout = out / "heldout.npz"
    n = write_heldout(args.study, args.storage, heldout)
    print(f"held-out split of {args.study!r}: {n} labelled images -> {heldout}", flush=True)
    rows = []
    for name in args.variants.split(","):
        flags = VARIANTS[name]
        masks = out / f"{name}.npz"
        start = time.perf_counter()
        code = marsseg(["predict", "--study", args.study, "--storage", args.storage, "--data", str(heldout),
                        *flags, "-o", str(out / f"{name}.csv"), "--masks", str(masks)])
        seconds = time.perf_counter() - start
        if code:
            raise SystemExit(f"predict {name} exited {code}")
        scored = score_predictions(masks, heldout)
        rows.append((name, " ".join(flags), scored, seconds))
        print(f"{name}: held-out mIoU {scored['miou']:.4f} ({seconds:.0f} s)", flush=True)
    if args.test:
        start = time.perf_counter()
        code = marsseg(["predict", "--study", args.study, "--storage", args.storage, "-o", str(out / "submission.csv")])
        print(f"test_set submission (best trial): exit {code}, {time.perf_counter() - start:.0f} s", flush=True)
    print("\n| variant | predict flags | held-out mIoU | per-class IoU (soil, bedrock, sand, big rock) | wall s |")
    print("| --- | --- | ---: | --- | ---: |")
    for name, flags, scored, seconds in rows:
        per_class = ", ".join(f"{v:.3f}" for v in scored["per_class_iou"].values())
        print(f"| {name} | `{flags}` | {scored['miou']:.4f} | {per_class} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
