"""Training precision: a name per trial, resolved per device kind, applied as a scoped Keras policy.

- `PRECISIONS` maps a precision name to its Keras dtype policy: `float32` (Keras' default),
  `bfloat16` (`mixed_bfloat16`: bf16 compute, float32 variables) and `float16`
  (`mixed_float16`, with loss scaling added by Keras at compile time).
- `resolve_precision(name)` turns `auto` (or None: the `MARSSEG_PRECISION` environment
  variable, else `auto`) into a concrete name: `float16` where a GPU is visible, `bfloat16`
  on a CPU with AMX-BF16 tiles (oneDNN then runs every convolution on AMX), else `float32`.
  AVX512_BF16 alone (e.g. AMD Zen 4) measured no gain, so it stays on float32 (BENCHMARKS.md).
- `precision_policy(name)` sets Keras' global policy for the `with` block and restores the
  previous one, so a model is built under its precision without leaking it to the next trial.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

PRECISION_ENV = "MARSSEG_PRECISION"
AUTO = "auto"
PRECISIONS: dict[str, str] = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
PRECISION_CHOICES: tuple[str, ...] = (AUTO, *PRECISIONS)
# CPU flags (from /proc/cpuinfo) under which bfloat16 is the faster CPU path.
BF16_CPU_FLAGS = frozenset({"amx_bf16", "amx_tile"})


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The feature flags of the first CPU in `path` (empty where the file is absent)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return frozenset(value.split())
    except OSError:
        pass
    return frozenset()


def auto_precision(gpu: bool, flags: frozenset[str]) -> str:
    """The default precision for a device kind: GPU float16, AMX CPU bfloat16, else float32."""
    if gpu:
        return "float16"
    return "bfloat16" if BF16_CPU_FLAGS <= flags else "float32"


def check_precision(name: str) -> str:
    """`name` if it is one of `PRECISION_CHOICES`; else ValueError listing them."""
    if name not in PRECISION_CHOICES:
        raise ValueError(f"unknown precision {name!r}; valid precisions: {', '.join(PRECISION_CHOICES)}")
    return name


def resolve_precision(name: str | None = None) -> str:
    """A concrete precision (a key of `PRECISIONS`) for `name`, `$MARSSEG_PRECISION` or `auto`."""
    name = check_precision(name or os.environ.get(PRECISION_ENV) or AUTO)
    if name != AUTO:
        return name
    import tensorflow as tf

    return auto_precision(bool(tf.config.list_physical_devices("GPU")), cpu_flags())


@contextlib.contextmanager
def precision_policy(name: str) -> Iterator[str]:
    """Keras' global dtype policy set to precision `name` inside the block, restored after."""
    import keras

    policy = PRECISIONS[check_precision(name)] if name != AUTO else PRECISIONS[resolve_precision(name)]
    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        yield policy
    finally:
        keras.mixed_precision.set_global_policy(before)
