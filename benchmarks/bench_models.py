"""Training throughput (images/s) and parameter count per family, Keras default vs XLA.

Run: python benchmarks/bench_models.py [--base-filters 16] [--batch 8] [--steps 6]
     [--precision float32 bfloat16 ...] [--xla-only]
Prints a markdown table per precision. Warm-up (graph tracing / XLA compilation and two
steps) is excluded. Only Keras and the model zoo are used, so it runs on any Keras 3 backend
(`KERAS_BACKEND=jax` where a machine has JAX but no TensorFlow; there use --xla-only, since
JAX without jit runs eagerly). "s a pass" is the time of one pass over the 2,365 images a
search trains on at `--heldout 0.1`.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


PASS_IMAGES = 2365  # the real data's training split at the default held-out and validation fractions


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
    parser.add_argument("--precision", nargs="+", default=["float32"], help="float32 | bfloat16 | float16")
    parser.add_argument("--xla-only", action="store_true", help="measure only with jit_compile=True")
    args = parser.parse_args()
    import keras

    import marsseg_models as mm

    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}, batch {args.batch}, {args.steps} timed steps")
    for precision in args.precision:
        print(f"\n{precision}:\n")
        print("| family | params | default img/s | XLA img/s | default warm-up s | XLA warm-up s | XLA s a pass |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        with mm.precision_policy(mm.check_precision(precision)):
            for family in args.families or list(mm.FAMILIES):
                n, warm_x, ips_x = measure(family, True, args.base_filters, args.batch, args.steps)
                warm_d, ips_d = (float("nan"),) * 2 if args.xla_only else \
                    measure(family, False, args.base_filters, args.batch, args.steps)[1:]
                print(f"| {family} | {n:,} | {ips_d:.1f} | {ips_x:.1f} | {warm_d:.0f} | {warm_x:.0f} | "
                      f"{PASS_IMAGES / ips_x:.2f} |", flush=True)


if __name__ == "__main__":
    main()
