"""Where data come from: a path to a course-format `.npz`, or the built-in generator."""

from __future__ import annotations

import os

from harness.common import MarssegError
from harness.data._data_io import MarsData, load_dataset
from harness.data._synthetic import MIN_SYNTHETIC_TRAIN, synthesize

SYNTHETIC = "synthetic"


def parse_synthetic_spec(spec: str) -> dict[str, int] | None:
    """`synthetic` or `synthetic:N_TRAIN[:SEED]` -> synthesize() kwargs (the rest its defaults); None otherwise."""
    parts = spec.split(":")
    if parts[0] != SYNTHETIC or len(parts) > 3:
        return None
    kwargs: dict[str, int] = {}
    try:
        if len(parts) > 1:
            kwargs["n_train"] = int(parts[1])
        if len(parts) > 2:
            kwargs["seed"] = int(parts[2])
    except ValueError:
        raise MarssegError(f"bad data spec {spec!r}; use 'synthetic', 'synthetic:N_TRAIN', "
                           "'synthetic:N_TRAIN:SEED' or a path to an .npz file") from None
    if kwargs.get("n_train", MIN_SYNTHETIC_TRAIN) < MIN_SYNTHETIC_TRAIN:
        raise MarssegError(f"bad data spec {spec!r}: N_TRAIN must be at least {MIN_SYNTHETIC_TRAIN}, "
                           f"got {kwargs['n_train']}")
    return kwargs


def load_data(spec: str | os.PathLike) -> MarsData:
    """A path to an .npz file, or `synthetic[:N_TRAIN[:SEED]]` for generated data (nothing is downloaded)."""
    kwargs = parse_synthetic_spec(str(spec))
    if kwargs is None:
        return load_dataset(spec)
    return synthesize(**kwargs)
