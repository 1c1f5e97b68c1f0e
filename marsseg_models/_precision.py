"""Training precision: a name per trial, resolved per device kind, applied as a scoped Keras policy.

- `PRECISIONS` maps a precision name to its Keras dtype policy: `float32` (Keras' default),
  `bfloat16` (`mixed_bfloat16`: bf16 compute, float32 variables) and `float16`
  (`mixed_float16`, with loss scaling added by Keras at compile time).
- `resolve_precision(name)` turns `auto` (or None: the `MARSSEG_PRECISION` environment
  variable, else `auto`) into a concrete name: `float16` where a GPU is visible, `bfloat16`
  on a CPU with AMX-BF16 (oneDNN runs every convolution on AMX; quiet, whole trials of every
  family were 1.17-1.33x faster than float32's, and a real-data val curve stayed within seed
  noise of float32's: BENCHMARKS.md), else `float32`. With AVX512_BF16 but no AMX, bfloat16
  was 1.19x faster steady but 0.94x over short trials; with neither it is emulated, many times slower.
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


def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str]:
    """The feature flags of the first CPU in Linux's `cpuinfo` (empty where there is no such file)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return frozenset(value.split())
    except OSError:
        pass
    return frozenset()


def auto_precision(gpu: bool, amx_bf16: bool = False) -> str:
    """The default precision for a device kind: float16 on a GPU (tensor cores), bfloat16 on a
    CPU with AMX-BF16 tiles, else float32."""
    return "float16" if gpu else "bfloat16" if amx_bf16 else "float32"


def bfloat16_emulated(flags: frozenset[str]) -> bool:
    """Whether a CPU with these flags is known to have no bf16 instructions (neither AVX512_BF16
    nor AMX-BF16); False when its flags are unknown (empty)."""
    return bool(flags) and not flags & {"avx512_bf16", "amx_bf16"}


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

    return auto_precision(bool(tf.config.list_physical_devices("GPU")), "amx_bf16" in cpu_flags())


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
