"""Benchmark: training input pipeline throughput vs what a base-16 U-Net consumes in training.

Run: python benchmarks/bench_pipeline.py [--data synthetic|PATH] [--batch-size 32] [--steps 20]
Pipeline: make_datasets(...) with geometric + photometric augmentation and oversampling on,
timed over whole epochs after a warm-up epoch (the cache is filled). Model: marsseg_models
U-Net (base_filters=16), train steps on cached batches after a warm-up step.
"""

from __future__ import annotations

import argparse
import time

from harness.data import DataConfig, load_data, make_datasets


def pipeline_images_per_second(train, n_epochs: int = 3) -> float:
    """Images per second the training pipeline yields (after one warm-up epoch)."""
    for _ in train:
        pass
    start, n = time.perf_counter(), 0
    for _ in range(n_epochs):
        for images, _ in train:
            n += int(images.shape[0])
    return n / (time.perf_counter() - start)


def model_images_per_second(train, batch_size: int, steps: int) -> float:
    """Images per second a base-16 U-Net trains on (in-memory batches, so no input cost)."""
    import tensorflow as tf

    from marsseg_models import LossConfig, ModelConfig, build_model, compile_model

    model = compile_model(build_model(ModelConfig(family="unet", base_filters=16)), LossConfig(), lr=1e-3,
                          weight_decay=1e-4)
    cached = tf.data.Dataset.from_tensors(next(iter(train))).repeat(steps)
    model.fit(cached.take(2), epochs=1, verbose=0, shuffle=False)  # build and trace
    start = time.perf_counter()
    model.fit(cached, epochs=1, verbose=0, shuffle=False)
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="synthetic:1200")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    data = load_data(args.data)
    config = DataConfig(geometric=True, photometric=True, oversample=True)
    start = time.perf_counter()
    train, _, info = make_datasets(data, config, args.batch_size)
    print(f"data {args.data}: n_train {info.n_train} (oversampled +{info.n_oversampled}), n_val {info.n_val}; "
          f"make_datasets {time.perf_counter() - start:.1f} s")
    pipe = pipeline_images_per_second(train)
    print(f"pipeline: {pipe:.0f} images/s = {pipe / args.batch_size:.1f} batches/s of {args.batch_size}")
    model = model_images_per_second(train, args.batch_size, args.steps)
    print(f"U-Net base 16 training: {model:.1f} images/s = {model / args.batch_size:.2f} batches/s")
    print(f"ratio pipeline / model: {pipe / model:.1f}x (acceptance: >= 10x)")


if __name__ == "__main__":
    main()
