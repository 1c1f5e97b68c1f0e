"""Read and write the course's file format: `training_set` (N,2,H,W) and `test_set` (M,H,W)."""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.common import MarssegError, atomic_output, check_output_path

TRAIN_KEY = "training_set"
TEST_KEY = "test_set"
N_CLASSES = 5


@dataclass(frozen=True)
class MarsData:
    """Images and masks as uint8: images (N,H,W), masks (N,H,W) in 0-4, test_images (M,H,W)."""

    images: np.ndarray
    masks: np.ndarray
    test_images: np.ndarray
    source: str = ""
    source_dtypes: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for name in ("images", "masks", "test_images"):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != 3:
                got = getattr(arr, "dtype", type(arr).__name__), getattr(arr, "shape", None)
                raise ValueError(f"MarsData.{name} must be a uint8 array (K,H,W), got {got}")
        if self.images.shape != self.masks.shape:
            raise ValueError(f"images {self.images.shape} and masks {self.masks.shape} differ in shape")
        if self.test_images.shape[1:] != self.images.shape[1:]:
            raise ValueError(f"test images {self.test_images.shape[1:]} and images {self.images.shape[1:]} differ")

    @property
    def n_train(self) -> int:
        """Number of labelled images."""
        return int(self.images.shape[0])

    @property
    def n_test(self) -> int:
        """Number of unlabelled test images."""
        return int(self.test_images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int]:
        """(H, W) of every image."""
        return (int(self.images.shape[1]), int(self.images.shape[2]))


def _fail(path: Path, key: str | None, problem: str) -> MarssegError:
    where = f"{path}: key '{key}'" if key else f"{path}"
    return MarssegError(f"{where}: {problem}")


def _open_npz(path: Path) -> np.lib.npyio.NpzFile:
    if not path.exists():
        raise _fail(path, None, "file not found")
    if not path.is_file():
        raise _fail(path, None, "not a file")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _fail(path, None, f"not an .npz archive ({type(exc).__name__})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _fail(path, None, "not an .npz archive (a single .npy array; expected keys training_set, test_set)")
    return archive


def _read_array(archive: np.lib.npyio.NpzFile, path: Path, key: str) -> np.ndarray:
    if key not in archive.files:
        raise _fail(path, key, f"missing (keys present: {', '.join(archive.files) or 'none'})")
    try:
        arr = archive[key]
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise _fail(path, key, "holds Python objects (pickled object array); only numeric arrays are read") from None
        raise _fail(path, key, f"unreadable array ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise _fail(path, key, f"unreadable or corrupted array ({' '.join(str(exc).split())})") from None
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise _fail(path, key, f"dtype {arr.dtype} is not numeric (expected uint8, another integer or float)")
    return arr


def _check_shapes(path: Path, train: np.ndarray, test: np.ndarray) -> None:
    if train.ndim != 4 or train.shape[1] != 2 or train.shape[0] == 0:
        raise _fail(path, TRAIN_KEY, f"shape {train.shape}, expected (N>0, 2, H, W): image and mask per row")
    if test.ndim != 3:
        raise _fail(path, TEST_KEY, f"shape {test.shape}, expected (M, H, W)")
    if test.shape[1:] != train.shape[2:]:
        raise _fail(path, TEST_KEY, f"image size {test.shape[1:]} differs from training_set's {train.shape[2:]}")


def _to_image_uint8(path: Path, key: str, arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr)
        if bad.any():
            first = int(np.argwhere(bad)[0][0])
            raise _fail(path, key, f"image {first} holds NaN or infinite values")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise _fail(path, key, f"image values must lie in 0-255, found {arr.min().item():g}..{arr.max().item():g}")
    return np.rint(arr).astype(np.uint8)


def _to_mask_uint8(path: Path, key: str, arr: np.ndarray) -> np.ndarray:
    valid = np.isfinite(arr) if np.issubdtype(arr.dtype, np.floating) else np.ones(arr.shape, bool)
    valid &= (arr >= 0) & (arr < N_CLASSES)
    if np.issubdtype(arr.dtype, np.floating):
        valid &= arr == np.floor(np.where(valid, arr, 0))
    if not valid.all():
        where = tuple(int(v) for v in np.argwhere(~valid)[0])
        value = arr[where].item()
        raise _fail(path, key, f"mask {where[0]} holds value {value:g} at row {where[1]}, column {where[2]}; "
                               "masks must hold only the integers 0-4")
    return arr.astype(np.uint8)


def load_dataset(path: str | os.PathLike) -> MarsData:
    """Load and validate a file in the course format; every problem raises a one-line MarssegError."""
    path = Path(path)
    with _open_npz(path) as archive:
        train = _read_array(archive, path, TRAIN_KEY)
        test = _read_array(archive, path, TEST_KEY)
    _check_shapes(path, train, test)
    images = _to_image_uint8(path, f"{TRAIN_KEY}[:, 0]", train[:, 0])
    masks = _to_mask_uint8(path, f"{TRAIN_KEY}[:, 1]", train[:, 1])
    test_images = _to_image_uint8(path, TEST_KEY, test)
    dtypes = {TRAIN_KEY: str(train.dtype), TEST_KEY: str(test.dtype)}
    return MarsData(np.ascontiguousarray(images), np.ascontiguousarray(masks), test_images, str(path), dtypes)


def save_dataset(path: str | os.PathLike, data: MarsData) -> Path:
    """Write `data` in the course format (uint8, compressed); atomic: a failure leaves no file."""
    path = check_output_path(path, (".npz",))
    train = np.stack([data.images, data.masks], axis=1)
    with atomic_output(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **{TRAIN_KEY: train, TEST_KEY: data.test_images})
    return path
