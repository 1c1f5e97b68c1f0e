"""Training images/s of one search worker while another runs beside it (calibrates the `cpu` budget).

Run: python benchmarks/bench_worker_rate.py [--configs unet:16:4,unet:8:4,unet:16:5,unet_pp:16:4]
        [--workers 2] [--batch 16]
Each config (family:base_filters:depth) trains on random 64x128 images at batch 16 with one
TensorFlow thread, in `--workers` processes started together (as `marsseg search --workers 2`
runs them on 2 cores); each prints its warm-up (first fit: graph tracing) and its steady
training rate over 20 batches. Configs are taken in turn by the processes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

DEFAULT = "unet:16:4,unet:8:4,unet:16:5,unet_pp:16:4"


def measure(spec: str, batch: int) -> str:
    """One config in this process: warm-up seconds and steady images/s."""
    from harness import configure_tensorflow

    configure_tensorflow(1)
    import numpy as np

    from marsseg_models import LossConfig, ModelConfig, build_model, compile_model

    family, base, depth = spec.split(":")
    steps = 20
    rng = np.random.default_rng(0)
    x = rng.random((batch * steps, 64, 128, 1), dtype=np.float32)
    y = rng.integers(0, 5, (batch * steps, 64, 128))
    model = build_model(ModelConfig(family=family, depth=int(depth), base_filters=int(base)),
                        input_shape=(64, 128, 1), n_classes=5)
    fit_model = compile_model(model, LossConfig(), lr=1e-3, weight_decay=1e-4)

    def targets(n: int):
        return {name: y[:n] for name in fit_model.output_names} if len(fit_model.outputs) > 1 else y[:n]

    start = time.perf_counter()
    fit_model.fit(x[:2 * batch], targets(2 * batch), batch_size=batch, epochs=1, verbose=0)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    fit_model.fit(x, targets(len(x)), batch_size=batch, epochs=1, verbose=0)
    rate = len(x) / (time.perf_counter() - start)
    return f"| {family} | {base} | {depth} | {warm:.1f} | {rate:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=DEFAULT)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure this config here
    args = parser.parse_args()
    if args.one:
        print(measure(args.one, args.batch), flush=True)
        return
    configs = args.configs.split(",")
    print("| family | base | depth | warm-up s | images/s per worker |\n| --- | ---: | ---: | ---: | ---: |", flush=True)
    for first in range(0, len(configs), args.workers):
        procs = [subprocess.Popen([sys.executable, __file__, "--one", spec, "--batch", str(args.batch)],
                                  stdout=subprocess.PIPE, text=True)
                 for spec in configs[first:first + args.workers]]
        for proc in procs:
            out, _ = proc.communicate()
            print(out.strip().splitlines()[-1] if out.strip() else f"| failed (exit {proc.returncode}) |", flush=True)


if __name__ == "__main__":
    main()
