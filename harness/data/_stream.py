"""The test images of a data source, read a batch at a time, and a file's image size from its header.

A course-format `.npz` holds `test_set` as one `.npy` member; reading it row by row from
the zip member keeps memory flat whatever the number of images (the file is never loaded
whole). Synthetic data are generated in memory as usual.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from harness.data._data_io import TEST_KEY, TRAIN_KEY, _fail, _to_image_uint8, load_dataset
from harness.data._sources import load_data, parse_synthetic_spec
from harness.data._synthetic import HEIGHT, WIDTH


def _read_header(handle: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(handle)
    reader = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if reader is None:
        raise ValueError(f"unsupported .npy format version {version}")
    return reader(handle)


@contextmanager
def _member(path: Path, key: str) -> Iterator[tuple[IO[bytes], tuple[int, ...], bool, np.dtype]]:
    """The open `.npy` member `key` of the archive, positioned after its header."""
    if not path.is_file():
        raise _fail(path, None, "file not found")
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _fail(path, None, f"not an .npz archive ({type(exc).__name__})") from None
    with archive:
        name = f"{key}.npy"
        if name not in archive.namelist():
            keys = ", ".join(n.removesuffix(".npy") for n in archive.namelist()) or "none"
            raise _fail(path, key, f"missing (keys present: {keys})")
        with archive.open(name) as handle:
            try:
                shape, fortran, dtype = _read_header(handle)
            except ValueError as exc:
                raise _fail(path, key, f"unreadable array header ({exc})") from None
            yield handle, shape, fortran, dtype


def image_shape_of(spec: str | os.PathLike) -> tuple[int, int]:
    """(H, W) of the images of a data spec, from the file's header only (synthetic: the generator's)."""
    if parse_synthetic_spec(str(spec)) is not None:
        return (HEIGHT, WIDTH)
    with _member(Path(spec), TRAIN_KEY) as (_, shape, _, _):
        if len(shape) != 4:
            raise _fail(Path(spec), TRAIN_KEY, f"shape {shape}, expected (N>0, 2, H, W): image and mask per row")
        return (int(shape[2]), int(shape[3]))


@dataclass(frozen=True)
class UnlabelledImages:
    """The unlabelled images (`test_set`) of a data spec: their count, size and batches (uint8 (B,H,W))."""

    spec: str
    n_images: int
    image_shape: tuple[int, int]
    images: np.ndarray | None = field(default=None, repr=False, compare=False)  # in memory (synthetic)

    @classmethod
    def open(cls, spec: str | os.PathLike) -> UnlabelledImages:
        """Read only the header of a file (synthetic data are generated here)."""
        if parse_synthetic_spec(str(spec)) is not None:
            data = load_data(spec)
            return cls(str(spec), data.n_test, data.image_shape, data.test_images)
        path = Path(spec)
        with _member(path, TEST_KEY) as (_, shape, _, dtype):
            if len(shape) != 3:
                raise _fail(path, TEST_KEY, f"shape {shape}, expected (M, H, W)")
            if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
                raise _fail(path, TEST_KEY, f"dtype {dtype} is not numeric (expected uint8, another integer or float)")
        return cls(str(path), int(shape[0]), (int(shape[1]), int(shape[2])))

    def batches(self, size: int) -> Iterator[np.ndarray]:
        """Consecutive batches of at most `size` images, in row order, each checked and converted to uint8."""
        if self.images is not None:
            yield from _split(self.images, size)
            return
        path = Path(self.spec)
        with _member(path, TEST_KEY) as (handle, shape, fortran, dtype):
            if fortran:  # rows are not contiguous: read the array whole (rare; NumPy writes C order)
                yield from _split(load_dataset(path).test_images, size)
                return
            row = int(np.prod(shape[1:])) * dtype.itemsize
            for start in range(0, shape[0], size):
                count = min(size, shape[0] - start)
                raw = handle.read(count * row)
                if len(raw) != count * row:
                    raise _fail(path, TEST_KEY, f"truncated at image {start}")
                arr = np.frombuffer(raw, dtype=dtype).reshape((count, *shape[1:]))
                yield _to_image_uint8(path, f"{TEST_KEY}[{start}:{start + count}]", arr)


def _split(images: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, len(images), size):
        yield images[start:start + size]
