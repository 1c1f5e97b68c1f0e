"""Full-trial throughput, side by side: Keras defaults (float32) against the default path.

Every variant runs the real `harness.Objective` on the same data, params and budget, in ONE
process, interleaved (family x variant, repeated), and the medians are reported. A trial is
timed from the objective's call to its return (data pipeline, build, compile, every epoch with
validation and callbacks, artifacts), so "full-trial images/s" = training images / that time.
Per-epoch times come from the pruning reports (`trial.report`), giving the steady rate and the
warm-up (first epoch minus a steady one). Also: forward GFLOP per family (TensorFlow's
profiler and an analytic conv count), GFLOP/s, and the harness overhead against a bare
`model.fit` of the same model, datasets and epochs.

    python benchmarks/bench_trial.py --quick       # base-16 U-Net, both ways; last line `speedup X.XXx`
    python benchmarks/bench_trial.py --families all --repeats 2 --overhead
    python benchmarks/bench_trial.py --families all --repeats 2 --also float32   # marsseg's path in 2 precisions (AMX)
    python benchmarks/bench_trial.py --data ../shared/data/ai4mars_hw.npz --batch 32 --epochs 10 --steps 50 \
        --val 512 --repeats 1 --default bfloat16 --seed-noise --no-flops   # real-data curves, precision vs seed
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The reference: what Keras and tf.data do unless told otherwise (float32 policy, no XLA on CPU,
# the optimizer's slots created inside the first traced step, tf.data's autotuner on).
KERAS_DEFAULTS = "float32"
DEFAULT_PATH = "auto"


@contextlib.contextmanager
def keras_defaults() -> Any:
    """Within: what Keras and tf.data do unless told otherwise. `compile_model` leaves AdamW's slots
    to Keras (created in the first traced step), and tf.data's autotuner stays on."""
    import marsseg_models
    from harness.data import _pipeline

    compile_model, without_autotune = marsseg_models.compile_model, _pipeline._without_autotune
    marsseg_models.compile_model = functools.partial(compile_model, build_optimizer=False)
    _pipeline._without_autotune = lambda dataset: dataset
    try:
        yield
    finally:
        marsseg_models.compile_model, _pipeline._without_autotune = compile_model, without_autotune


def trial_params(family: str, batch_size: int) -> dict[str, Any]:
    """Params of the `paper` space for a plain base-16 depth-4 network of `family`."""
    return {
        "model.family": family, "model.residual": False, "model.se_levels": 0, "model.bottleneck": "plain",
        "model.attention_gates": False, "model.dropout": "none", "model.deep_supervision": False,
        "model.base_filters": 16, "model.depth": 4, "loss.alpha": 0.5, "loss.dice": "course", "loss.gamma": 2.0,
        "loss.exclude_background": False, "loss.class_weighting": "none", "aug.geometric": True,
        "aug.photometric": False, "data.oversample": False, "train.lr": 1e-3, "train.weight_decay": 1e-4,
        "train.batch_size": batch_size,
    }


def time_reports(trial: Any) -> list[float]:
    """Time every `trial.report` call (one per epoch) of this optuna trial; the list fills in."""
    times: list[float] = []
    report = trial.report

    def timed(value: float, step: int) -> None:
        times.append(time.perf_counter())
        report(value, step)

    trial.report = timed  # the instance stays an optuna Trial (artifact upload checks its type)
    return times


@dataclass
class Run:
    """One timed trial."""

    family: str
    variant: str
    precision: str
    seconds: float
    images: int
    epoch_seconds: list[float]
    curve: list[float]
    load: float

    @property
    def rate(self) -> float:
        return self.images / self.seconds

    @property
    def steady_epoch(self) -> float:
        return statistics.median(self.epoch_seconds[1:]) if len(self.epoch_seconds) > 1 else float("nan")

    @property
    def warmup(self) -> float:
        return self.epoch_seconds[0] - self.steady_epoch


@dataclass
class Setup:
    """Data, budget and batch shared by every variant."""

    data: Any
    budget: Any
    batch_size: int
    artifact_dir: str
    runs: list[Run] = field(default_factory=list)

    @property
    def images_per_epoch(self) -> int:
        return self.budget.steps_per_epoch * self.batch_size


def run_trial(setup: Setup, family: str, variant: str, precision: str, trial_number: int = 0) -> Run:
    """One `Objective` trial of `family` at `precision`; timed from call to return.

    trial_number: the trial seeds its weights and batches with it (the data split stays).
    """
    import optuna

    from harness import Objective, ObjectiveContext
    from search_spaces import get_space

    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    for _ in range(trial_number + 1):
        study.enqueue_trial(trial_params(family, setup.batch_size))
        trial = study.ask()
    report_times = time_reports(trial)
    objective = Objective(ObjectiveContext(get_space("paper"), setup.data, setup.budget, artifact_dir=setup.artifact_dir,
                          precision=precision))
    load = os.getloadavg()[0]
    start = time.perf_counter()
    value = objective(trial)
    seconds = time.perf_counter() - start
    study.tell(trial, value)
    marks = [start, *report_times]
    run = Run(family, variant, trial.user_attrs["precision"], seconds,
              len(report_times) * setup.images_per_epoch, [b - a for a, b in zip(marks, marks[1:])],
              [float(v) for _, v in sorted(study.trials[-1].intermediate_values.items())], load)
    setup.runs.append(run)
    return run


def bare_fit(setup: Setup, family: str, precision: str, validation: bool) -> float:
    """Seconds of a bare `model.fit` of the same model, datasets and epochs (no callbacks, no artifacts)."""
    import keras

    from harness import configs_from_params
    from harness.data import make_datasets
    from marsseg_models import build_model, compile_model, precision_policy, resolve_precision

    start = time.perf_counter()
    configs = configs_from_params(trial_params(family, setup.batch_size), setup.budget)
    keras.backend.clear_session()
    train_ds, val_ds, info = make_datasets(setup.data, configs.data, configs.train.batch_size)
    with precision_policy(resolve_precision(precision)):
        model = build_model(configs.model, input_shape=(*setup.data.image_shape, 1), n_classes=5)
        train = compile_model(model, configs.loss, lr=configs.train.lr, weight_decay=configs.train.weight_decay,
                              class_pixel_share=info.class_share)
    train.fit(train_ds.repeat(), validation_data=val_ds if validation else None, epochs=configs.train.max_epochs,
              steps_per_epoch=configs.train.steps_per_epoch, verbose=0, shuffle=False)
    return time.perf_counter() - start


def family_gflop(family: str, input_shape: tuple[int, int]) -> tuple[float, float]:
    """(profiler, analytic conv-only) forward GFLOP per image of the base-16 depth-4 `family`."""
    import keras
    import tensorflow as tf

    from harness import configs_from_params, get_budget
    from marsseg_models import build_model, forward_gflop as analytic_gflop

    configs = configs_from_params(trial_params(family, 8), get_budget("full"))
    keras.backend.clear_session()
    model = build_model(configs.model, input_shape=(*input_shape, 1), n_classes=5)
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec((1, *input_shape, 1), tf.float32))
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    profiled = tf.compat.v1.profiler.profile(graph=concrete.graph, options=opts).total_float_ops
    return profiled / 1e9, analytic_gflop(model)


def summarise(setup: Setup, gflop: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Print the table (medians over repeats); return {family: default/keras-defaults full-trial ratio}."""
    med = statistics.median
    ratios: dict[str, float] = {}
    steady_ratios: dict[str, float] = {}
    print("\n| family | variant | precision | full-trial images/s | steady images/s | training GFLOP/s "
          "| warm-up s | val mIoU per epoch (first repeat) | load 1 min |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |")
    for family in dict.fromkeys(r.family for r in setup.runs):
        rates, steadies = {}, {}
        for variant in dict.fromkeys(r.variant for r in setup.runs):
            runs = [r for r in setup.runs if r.family == family and r.variant == variant]
            steady = setup.images_per_epoch / med(r.steady_epoch for r in runs)
            gflops = 3 * gflop[family][0] * steady if family in gflop else float("nan")
            rates[variant], steadies[variant] = med(r.rate for r in runs), steady
            curve = " ".join(f"{v:.3f}" for v in runs[0].curve)
            loads = "/".join(f"{r.load:.1f}" for r in runs)
            print(f"| {family} | {variant} | {runs[0].precision} | {rates[variant]:.1f} | {steady:.1f} | {gflops:.0f} "
                  f"| {med(r.warmup for r in runs):.1f} | {curve} | {loads} |")
        ratios[family] = rates["default"] / rates["keras-defaults"]
        for variant in rates:
            if not variant.startswith("keras-defaults"):
                steady_ratios[f"{family}: {variant}"] = steadies[variant] / steadies["keras-defaults"]
                if variant != "default":
                    print(f"{family}: {variant} over keras-defaults, full-trial images/s: "
                          f"{rates[variant] / rates['keras-defaults']:.2f}x")
    for name, ratio in steady_ratios.items():
        print(f"{name} over keras-defaults, steady (warm-up excluded) images/s: {ratio:.2f}x")
    return ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="unet only, 2 repeats, 3 epochs of 8 steps")
    parser.add_argument("--families", default="unet", help="comma-separated, or 'all'")
    parser.add_argument("--data", default="synthetic:800", help="an .npz file or synthetic:N")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8, help="training steps per epoch")
    parser.add_argument("--val", type=int, default=64, help="validation images")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--overhead", action="store_true", help="also time a bare model.fit (default path)")
    parser.add_argument("--no-flops", action="store_true")
    parser.add_argument("--seed-noise", action="store_true",
                        help="also both ways seeded 1: the curve gap between seeds, to read precision's against")
    parser.add_argument("--also", metavar="PRECISION", action="append", default=[],
                        help="also a default-path trial at PRECISION (row 'default, PRECISION'); repeatable")
    parser.add_argument("--default", default=DEFAULT_PATH,
                        help="precision of the default path (auto: what `marsseg` picks on this machine)")
    args = parser.parse_args(argv)

    from harness import Budget, configure_tensorflow, quiet_optuna
    from harness.data import load_data
    from marsseg_models import FAMILY_NAMES

    configure_tensorflow()
    quiet_optuna(False)
    families = list(FAMILY_NAMES) if args.families == "all" else args.families.split(",")
    if args.quick:
        families, args.repeats = ["unet"], 2
    budget = Budget("bench", max_train_images=None, max_val_images=args.val, max_epochs=args.epochs,
                    steps_per_epoch=args.steps, patience=args.epochs, lr_patience=args.epochs,
                    warmup_epochs=0, n_preview=3)  # width and batch: the trial's params
    data = load_data(args.data)
    print(f"data {args.data}, batch {args.batch}, {args.epochs} epochs x {args.steps} steps, {args.val} val images, "
          f"{args.repeats} repeats; cpu count {os.cpu_count()}; load at start {os.getloadavg()}", flush=True)
    gflop = {} if args.no_flops else {f: family_gflop(f, data.image_shape) for f in families}
    for f, (prof, conv) in gflop.items():
        print(f"{f}: forward {prof:.3f} GFLOP/image (profiler), {conv:.3f} (analytic conv layers)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        setup = Setup(data, budget, args.batch, tmp)
        for repeat in range(args.repeats):
            for family in families:
                variants = [("keras-defaults", KERAS_DEFAULTS, 0), ("default", args.default, 0)]
                variants += [(f"default, {p}", p, 0) for p in args.also]
                if args.seed_noise:  # each precision at a second seed: the precision gap at two seeds
                    variants += [("keras-defaults, trial seed 1", KERAS_DEFAULTS, 1), ("default, trial seed 1", args.default, 1)]
                for variant, precision, number in variants:
                    with keras_defaults() if variant.startswith("keras-defaults") else contextlib.nullcontext():
                        r = run_trial(setup, family, variant, precision, number)
                    print(f"repeat {repeat} {family} {variant} ({r.precision}): {r.seconds:.1f} s, {r.rate:.1f} "
                          f"images/s, epochs {[round(s, 1) for s in r.epoch_seconds]}, load {r.load:.1f}", flush=True)
                    if args.overhead and variant == "default":
                        for validation in (True, False):
                            load = os.getloadavg()[0]
                            bare = bare_fit(setup, family, precision, validation)
                            print(f"  bare fit (validation={validation}): {bare:.1f} s; objective/bare "
                                  f"{r.seconds / bare:.3f}, load {load:.1f}", flush=True)
        ratios = summarise(setup, gflop)
    for family, ratio in ratios.items():
        print(f"{family}: default over keras-defaults, full-trial images/s: {ratio:.2f}x")
    print(f"speedup {statistics.median(ratios.values()):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
