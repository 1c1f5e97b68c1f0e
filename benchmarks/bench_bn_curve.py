"""Per-epoch val mIoU (inference mode) of a base-16 U-Net on the real data, per BatchNorm momentum.

Run: python benchmarks/bench_bn_curve.py [--data ../shared/data/ai4mars_hw.npz] [--train 320] [--val 160]
        [--epochs 10] [--batch 16] [--momenta 0.99 0.7] [--group]
Prints one markdown row per momentum. A random subset (seed 0) keeps it CPU-sized.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ai4mars_hw.npz"


def load_subset(path: Path, n_train: int, n_val: int):
    """Random disjoint train/val subsets (float images in [0, 1], int32 masks)."""
    import numpy as np

    from harness.data import load_dataset

    data = load_dataset(path)
    pick = np.random.default_rng(0).permutation(len(data.images))[: n_train + n_val]
    images = data.images[pick, ..., None].astype(np.float32) / 255.0
    masks = data.masks[pick].astype(np.int32)
    return (images[:n_train], masks[:n_train]), (images[n_train:], masks[n_train:])


def curve(normalization: str, momentum: float, train, val, epochs: int, batch: int) -> tuple[list[float], float]:
    """val_miou after each epoch, and the last epoch's training miou, for one normalization setting."""
    import keras

    import marsseg_models as mm

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = mm.build_model(mm.ModelConfig(family="unet", base_filters=16, normalization=normalization, bn_momentum=momentum))
    fit_model = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=1e-4)
    history = fit_model.fit(*train, batch_size=batch, epochs=epochs, validation_data=val, shuffle=True, verbose=0)
    return history.history[mm.VAL_MIOU], history.history[mm.MIOU][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--train", type=int, default=320)
    parser.add_argument("--val", type=int, default=160)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--momenta", type=float, nargs="*", default=[0.99, 0.7])
    parser.add_argument("--group", action="store_true", help="add a row with GroupNormalization")
    args = parser.parse_args()
    train, val = load_subset(args.data, args.train, args.val)
    print("| normalization | " + " | ".join(f"ep {e + 1}" for e in range(args.epochs)) + " | train miou ep last |")
    print("| --- |" + " ---: |" * (args.epochs + 1))
    settings = [("batch", m, f"batch, momentum {m}") for m in args.momenta] + [("group", 0.7, "group")] * args.group
    for normalization, momentum, label in settings:
        values, train_miou = curve(normalization, momentum, train, val, args.epochs, args.batch)
        print(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {train_miou:.3f} |", flush=True)


if __name__ == "__main__":
    main()
