"""How much a split that separates the two bands of a photograph flatters its scores.

AI4Mars images were cut into a top and a bottom band (`../shared/data/README.md`). Splitting
by identical masks only (marsseg before `split_groups="scenes"`) put most bands' partners on
the other side of the split. This script

1. counts, for the real file and the study seed, the validation and held-out images whose
   other band the search trains on, under each grouping (NumPy only, seconds);
2. unless `--no-train`, trains the Table 1 U-Net on the mask-grouped train split and scores
   its validation images in two groups: those whose other band it trained on ("seen scene")
   and those whose other band is in validation too ("unseen scene"), same model.

    python benchmarks/bench_scene_leak.py [--data ../shared/data/ai4mars_hw.npz] [--epochs 12] [--no-train]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ai4mars_hw.npz"


def partner_of(pairs: np.ndarray, n: int) -> np.ndarray:
    """Per row, its other band's row (-1: none found)."""
    partner = np.full(n, -1, dtype=np.int64)
    partner[pairs[:, 0]], partner[pairs[:, 1]] = pairs[:, 1], pairs[:, 0]
    return partner


def leak_table(data, pairs: np.ndarray, seed: int, heldout: float, val_fraction: float) -> tuple:
    """Print, per grouping, how many val / held-out images have their other band in training; return the
    mask-grouped split: (search data, its DataInfo, the search rows in the file)."""
    from harness.data import DataConfig, prepare_data, split_heldout

    partner = partner_of(pairs, data.n_train)
    print("| grouping | held-out images | with their other band in the search split | val images "
          "| with their other band in training |")
    print("| --- | ---: | ---: | ---: | ---: |")
    kept = {}
    for grouping in ("masks", "scenes"):
        split = split_heldout(data, heldout, seed, grouping)
        search_rows = np.setdiff1d(np.arange(data.n_train), split.indices)
        held_leak = np.isin(partner[split.indices], search_rows).sum()
        info = prepare_data(split.search, DataConfig(val_fraction=val_fraction, seed=seed, split_groups=grouping)).info
        train_rows, val_rows = search_rows[info.train_indices], search_rows[info.val_indices]
        val_leak = np.isin(partner[val_rows], train_rows).sum()
        print(f"| {grouping} | {len(split.indices)} | {held_leak} ({held_leak / len(split.indices):.0%}) "
              f"| {len(val_rows)} | {val_leak} ({val_leak / len(val_rows):.0%}) |", flush=True)
        kept[grouping] = (split.search, info, search_rows)
    return kept["masks"]


def train_and_score(search, info, search_rows, partner: np.ndarray, epochs: int, seed: int) -> None:
    """Train the Table 1 U-Net (at the `cpu` budget's width and batch) on the mask-grouped split and
    print the val mIoU of its seen-scene and unseen-scene images."""
    import dataclasses

    from harness import configs_from_params, get_budget
    from harness._training import train
    from marsseg_models import confusion_matrix, inference_model, mean_iou, predict_labels
    from search_spaces import table1_presets

    budget = get_budget("cpu")
    params = {**dict(table1_presets(["U-Net"]))["U-Net"], **dict(budget.fixed_params)}
    configs = configs_from_params(params, budget, seed=seed, split_groups="masks")
    configs = dataclasses.replace(configs, train=dataclasses.replace(configs.train, max_epochs=epochs))
    start = time.perf_counter()
    result = train(configs, search)
    print(f"trained {len(result.recorder.history)} epochs of {configs.train.steps_per_epoch} batches in "
          f"{time.perf_counter() - start:.0f} s; best val mIoU {result.recorder.best_value:.3f}", flush=True)
    val_rows, train_rows = search_rows[info.val_indices], search_rows[info.train_indices]
    groups = {"seen scene (other band trained on)": np.isin(partner[val_rows], train_rows),
              "unseen scene (other band in val too)": np.isin(partner[val_rows], val_rows),
              "all val images": np.ones(len(val_rows), bool)}
    images = info.val_images[..., None].astype(np.float32) / 255.0  # as the pipeline feeds them
    labels = predict_labels(inference_model(result.model).predict(images, batch_size=64, verbose=0))
    print("| val images | n | mIoU |\n| --- | ---: | ---: |")
    for name, pick in groups.items():
        print(f"| {name} | {int(pick.sum())} | {mean_iou(confusion_matrix(info.val_masks[pick], labels[pick])):.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--heldout", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--no-train", action="store_true")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"{args.data} not found: this benchmark needs the real data", file=sys.stderr)
        return 2
    from harness.data import band_pairs, load_data

    data = load_data(str(args.data))
    start = time.perf_counter()
    pairs = band_pairs(data.images, data.masks)
    print(f"{len(pairs)} band pairs among {data.n_train} labelled images ({time.perf_counter() - start:.2f} s)")
    search, info, search_rows = leak_table(data, pairs, args.seed, args.heldout, 0.2)
    if not args.no_train:
        train_and_score(search, info, search_rows, partner_of(pairs, data.n_train), args.epochs, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
