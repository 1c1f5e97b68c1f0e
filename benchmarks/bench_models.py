"""Training throughput (images/s) and parameter count per family, Keras default vs XLA.

Run: python benchmarks/bench_models.py [--base-filters 16] [--batch 8] [--steps 6]
Prints a markdown table. Warm-up (graph tracing / XLA compilation and two steps) is excluded.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def measure(family: str, jit: bool, base_filters: int, batch: int, steps: int) -> tuple[int, float, float]:
    """(params, warm-up seconds, training images/s) of one family under one jit setting."""
    import keras
    import numpy as np

    import marsseg_models as mm

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.random((batch, 64, 128, 1), dtype=np.float32)
    masks = rng.integers(0, 5, (batch, 64, 128)).astype(np.int32)
    model = mm.build_model(mm.ModelConfig(family=family, base_filters=base_filters))
    train = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=1e-4, jit_compile=jit)
    start = time.perf_counter()
    for _ in range(2):
        train.train_on_batch(images, masks)
    warmup = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        train.train_on_batch(images, masks)
    return model.count_params(), warmup, steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-filters", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--families", nargs="*", default=None)
    args = parser.parse_args()
    import marsseg_models as mm

    print("| family | params | default img/s | XLA img/s | default warm-up s | XLA warm-up s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for family in args.families or list(mm.FAMILIES):
        n, warm_d, ips_d = measure(family, False, args.base_filters, args.batch, args.steps)
        _, warm_x, ips_x = measure(family, True, args.base_filters, args.batch, args.steps)
        print(f"| {family} | {n:,} | {ips_d:.1f} | {ips_x:.1f} | {warm_d:.0f} | {warm_x:.0f} |", flush=True)


if __name__ == "__main__":
    main()
