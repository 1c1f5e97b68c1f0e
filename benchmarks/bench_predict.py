"""Prediction throughput (test images/s) of the `marsseg predict` path: base-16 U-Net, with and
without flip TTA, and a 5-model ensemble; the submission CSV is written as in the command.

Run: python benchmarks/bench_predict.py [--images 1024] [--batch 64]
Random weights (throughput does not depend on them). A warm-up batch per setting (graph
tracing) is excluded. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SETTINGS = (("1 U-Net", 1, "none"), ("1 U-Net, flip TTA", 1, "flip"), ("top-5 ensemble", 5, "none"),
            ("top-5 ensemble, flip TTA", 5, "flip"))


def measure(models: list, images, batch: int, tta: str) -> float:
    """Test images per second, CSV included, after one warm-up batch."""
    from harness import predict_masks
    from harness.data import SubmissionWriter

    predict_masks(models, images[:batch], tta)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with SubmissionWriter(Path(tmp) / "s.csv", len(images), images.shape[1:]) as writer:
            for first in range(0, len(images), batch):
                writer.write(predict_masks(models, images[first:first + batch], tta))
        return len(images) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--settings", nargs="*", type=int, default=[0, 1, 2], help="rows of SETTINGS to run")
    args = parser.parse_args()
    import keras
    import numpy as np

    from harness import configure_tensorflow
    from marsseg_models import ModelConfig, build_model, inference_model

    configure_tensorflow()
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).integers(0, 256, (args.images, 64, 128), dtype=np.uint8)
    config = ModelConfig(family="unet", base_filters=16)
    models = [inference_model(build_model(config, input_shape=(64, 128, 1), n_classes=5)) for _ in range(5)]
    print(f"base-16 U-Net ({models[0].count_params():,} params), {args.images} images, batch {args.batch}")
    print("| setting | forward passes / image | test images/s |")
    print("| --- | ---: | ---: |")
    for row in args.settings:
        label, k, tta = SETTINGS[row]
        rate = measure(models[:k], images, args.batch, tta)
        print(f"| {label} | {k * (2 if tta == 'flip' else 1)} | {rate:.1f} |", flush=True)


if __name__ == "__main__":
    main()
