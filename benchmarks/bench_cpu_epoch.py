"""Seconds per epoch of a base-16 U-Net on the real data at full resolution (calibrates the `cpu` budget).

Run: python benchmarks/bench_cpu_epoch.py [--data ../shared/data/ai4mars_hw.npz] [--epochs 3] [--batch 32]
        [--threads 2]
Prints, per epoch, its seconds (one pass over the default 80% training split plus validation)
and the logged metrics, then the seconds to predict the validation images.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ai4mars_hw.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from harness import configure_tensorflow

    configure_tensorflow(args.threads)
    import keras

    from harness.data import DataConfig, load_data, make_datasets
    from marsseg_models import LossConfig, ModelConfig, build_model, compile_model, inference_model

    data = load_data(args.data)
    train, val, info = make_datasets(data, DataConfig(geometric=True, seed=0), args.batch)
    print(f"n_train {info.n_train} n_val {info.n_val}", flush=True)
    keras.utils.set_random_seed(0)
    model = build_model(ModelConfig(family="unet", depth=4, base_filters=16), input_shape=(64, 128, 1), n_classes=5)
    fit_model = compile_model(model, LossConfig(), lr=1e-3, weight_decay=1e-4, class_pixel_share=info.class_share)

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            metrics = {k: round(float(v), 4) for k, v in (logs or {}).items()}
            print(f"epoch {epoch} sec {time.perf_counter() - self.start:.1f} {metrics}", flush=True)

    fit_model.fit(train, validation_data=val, epochs=args.epochs, callbacks=[Timer()], verbose=0)
    start = time.perf_counter()
    inference_model(fit_model).predict(info.val_images[..., None].astype("float32") / 255.0, batch_size=64, verbose=0)
    print(f"predict val sec {time.perf_counter() - start:.1f}", flush=True)


if __name__ == "__main__":
    main()
