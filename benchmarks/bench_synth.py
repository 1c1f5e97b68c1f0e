"""Benchmark: synthetic Mars generation speed (images per second) and determinism.

Run: python benchmarks/bench_synth.py [--n-train 2000] [--repeats 3]
     python benchmarks/bench_synth.py --learn-epochs 3   # also: does a base-16 U-Net learn it?
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from harness.data import synthesize_with_aliens


def learnability(n_train: int, epochs: int, seed: int) -> None:
    """Train marsseg_models' base-16 U-Net (plain cross-entropy) and print val accuracy and IoU per epoch."""
    import keras

    from harness.data import DataConfig, make_datasets, synthesize
    from marsseg_models import ModelConfig, build_model, confusion_matrix, ious_from_confusion, mean_iou, predict_labels

    keras.utils.set_random_seed(seed)
    train, val, info = make_datasets(synthesize(n_train, 0, seed=seed), DataConfig(max_val_images=128), 16)
    model = build_model(ModelConfig(family="unet", base_filters=16))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    truth = info.val_masks
    majority = np.bincount(truth.ravel(), minlength=5).max() / truth.size
    print(f"U-Net base 16 on synthesize({n_train}); majority-class accuracy {majority:.3f}")
    for epoch in range(epochs):
        start = time.perf_counter()
        model.fit(train, epochs=1, verbose=0, shuffle=False)
        seconds = time.perf_counter() - start
        pred = predict_labels(model.predict(val, verbose=0))
        cm = confusion_matrix(truth, pred)
        print(f"epoch {epoch}: {seconds:.0f} s, accuracy {(pred == truth).mean():.3f}, IoU soil/bedrock/sand/rock "
              f"{np.round(ious_from_confusion(cm)[1:], 3).tolist()}, mIoU(1-4) {mean_iou(cm):.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learn-epochs", type=int, default=0, help="also train a base-16 U-Net this many epochs")
    parser.add_argument("--learn-n-train", type=int, default=600)
    args = parser.parse_args()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        synthetic = synthesize_with_aliens(args.n_train, 0, seed=args.seed)
        times.append(time.perf_counter() - start)
    again = synthesize_with_aliens(args.n_train, 0, seed=args.seed).data
    same = np.array_equal(again.images, synthetic.data.images) and np.array_equal(again.masks, synthetic.data.masks)
    share = np.bincount(synthetic.data.masks.ravel(), minlength=5) / synthetic.data.masks.size
    best = min(times)
    print(f"machine: {platform.machine()} {platform.processor() or ''} ({platform.node()})")
    print(f"synthesize_with_aliens({args.n_train}) best of {args.repeats}: {best:.2f} s = {args.n_train / best:.0f} images/s "
          f"(median {args.n_train / float(np.median(times)):.0f} images/s)")
    print(f"identical arrays for seed {args.seed}: {same}; aliens: {len(synthetic.alien_indices)}; "
          f"class share: {np.round(share, 4).tolist()}")
    if args.learn_epochs:
        learnability(args.learn_n_train, args.learn_epochs, args.seed)


if __name__ == "__main__":
    main()
