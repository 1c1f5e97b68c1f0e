"""Subcommands of this package for the `marsseg` command (argparse only; heavy imports stay in handlers)."""

from __future__ import annotations

import argparse


def _inspect(args: argparse.Namespace) -> int:
    import json

    from harness.data._sources import load_data
    from harness.data._inspect import format_inspect, inspect_data

    report = inspect_data(load_data(args.file))
    print(json.dumps(report) if args.json else format_inspect(report))
    return 0


def _synth(args: argparse.Namespace) -> int:
    import time

    from harness.data._data_io import save_dataset
    from harness.common import MarssegError
    from harness.data._synthetic import synthesize_with_aliens

    if args.n_train < 2:
        raise MarssegError(f"--n-train must be at least 2, got {args.n_train}")
    start = time.perf_counter()
    synthetic = synthesize_with_aliens(args.n_train, args.n_test, args.seed)
    path = save_dataset(args.out, synthetic.data)
    print(f"wrote {path}: {args.n_train} training images ({len(synthetic.alien_indices)} aliens), "
          f"{args.n_test} test images, seed {args.seed}, in {time.perf_counter() - start:.1f} s")
    return 0


def _score(args: argparse.Namespace) -> int:
    from marsseg_models import SCORED_CLASSES

    from harness.analytics import format_interval
    from harness.data._submission import score_predictions

    score = score_predictions(args.pred, args.labels)
    ci = score["interval"] or {"miou": None, "per_class_iou": {}}
    print(f"mIoU {score['miou']:.4f} {format_interval(ci['miou'])} over classes {', '.join(map(str, SCORED_CLASSES))} "
          f"({score['n_images']} images; 95% bootstrap interval over "
          + (f"{score['n_units']} photographs)" if score["n_units"] < score["n_images"] else "images)"))
    for name, iou in score["per_class_iou"].items():
        print(f"  {name:<10} {'absent' if iou != iou else f'{iou:.4f}'} {format_interval(ci['per_class_iou'].get(name))}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from harness.common import non_negative_int

    data = subparsers.add_parser("data", help="inspect or generate data files in the course format")
    sub = data.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)
    inspect = sub.add_parser("inspect", help="shapes, class shares, identical-mask groups, outliers")
    inspect.add_argument("file", help="an .npz in the course format, or 'synthetic[:N_TRAIN[:SEED]]'")
    inspect.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    inspect.set_defaults(func=_inspect)
    synth = sub.add_parser("synth", help="write synthetic Mars data in the course format")
    synth.add_argument("out", metavar="OUT.npz", help="output file (must end in .npz)")
    synth.add_argument("--n-train", type=non_negative_int, default=1200, help="training images (default 1200)")
    synth.add_argument("--n-test", type=non_negative_int, default=200, help="test images (default 200)")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.set_defaults(func=_synth)
    score = subparsers.add_parser("score", help="mIoU and per-class IoU of predicted masks against labels",
                                  description="The definition of val_miou: IoU over all pixels, mean over classes "
                                              "1-4 (a class absent from truth and prediction is left out).")
    score.add_argument("pred", metavar="PRED", help="predictions: a submission .csv or a masks .npz")
    score.add_argument("labels", metavar="LABELS.npz", help="true masks: an .npz with the array 'masks' (M, H, W)")
    score.set_defaults(func=_score)
