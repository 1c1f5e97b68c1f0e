"""The competition's submission CSV and the masks `.npz`: streamed writers, readers, and scoring.

CSV: a header `id,0,1,...,P-1`, then one line per test image: its row in `test_set`, then
the P = H*W labels of its mask, row-major, integers 0-4 (the course's `y_to_df` layout).
Masks file: one uint8 array `masks` (M, H, W). Both are written a batch at a time to
temporary files, renamed only when all M masks are in: a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import numpy as np

from harness.common import MarssegError, atomic_output
from harness.data._data_io import N_CLASSES, _fail, _to_mask_uint8

ID_COLUMN = "id"
MASKS_KEY = "masks"
_COMMA, _NEWLINE, _ZERO = ord(","), ord("\n"), ord("0")


def csv_header(n_pixels: int) -> str:
    """The CSV's first line (without its newline)."""
    return ",".join([ID_COLUMN, *map(str, range(n_pixels))])


def csv_lines(first_id: int, labels: np.ndarray) -> bytes:
    """The CSV lines of masks (B, H, W) with labels 0-4, ids from `first_id`."""
    flat = labels.reshape(len(labels), -1)
    body = np.full((len(flat), 2 * flat.shape[1]), _COMMA, dtype=np.uint8)
    body[:, 0::2] = flat + _ZERO  # one digit per label
    body[:, -1] = _NEWLINE
    return b"".join(f"{first_id + i},".encode() + row.tobytes() for i, row in enumerate(body))


class SubmissionWriter:
    """Context manager: `write(labels)` appends a batch of masks to the CSV (and the `.npz`)."""

    def __init__(self, csv_path: str | os.PathLike, n_images: int, image_shape: tuple[int, int],
                 masks_path: str | os.PathLike | None = None) -> None:
        self.n_images, self.image_shape, self.written = n_images, tuple(image_shape), 0
        self._paths = [Path(csv_path)] + ([Path(masks_path)] if masks_path is not None else [])
        self._stack = ExitStack()
        self._csv: IO[bytes] | None = None
        self._npy: IO[bytes] | None = None

    def __enter__(self) -> SubmissionWriter:
        with ExitStack() as stack:
            temps = [stack.enter_context(atomic_output(p)) for p in self._paths]
            self._csv = stack.enter_context(open(temps[0], "wb"))
            self._csv.write(csv_header(int(np.prod(self.image_shape))).encode() + b"\n")
            if len(temps) > 1:
                archive = stack.enter_context(zipfile.ZipFile(temps[1], "w", zipfile.ZIP_DEFLATED))
                self._npy = stack.enter_context(archive.open(f"{MASKS_KEY}.npy", "w", force_zip64=True))
                header = np.lib.format.header_data_from_array_1_0(np.zeros((0, *self.image_shape), np.uint8))
                np.lib.format.write_array_header_1_0(self._npy, {**header, "shape": (self.n_images, *self.image_shape)})
            self._stack = stack.pop_all()
        return self

    def write(self, labels: np.ndarray) -> None:
        """Append masks (B, H, W) with values 0-4."""
        if labels.shape[1:] != self.image_shape or self.written + len(labels) > self.n_images:
            raise ValueError(f"masks {labels.shape} do not fit: {self.written} of {self.n_images} "
                             f"{self.image_shape} written")
        labels = labels.astype(np.uint8)
        self._csv.write(csv_lines(self.written, labels))
        if self._npy is not None:
            self._npy.write(np.ascontiguousarray(labels).tobytes())
        self.written += len(labels)

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if exc is None and self.written != self.n_images:
            short = ValueError(f"only {self.written} of {self.n_images} masks were written")
            self._stack.__exit__(ValueError, short, None)  # the temporary files are deleted
            raise short
        self._stack.__exit__(kind, exc, tb)


def load_masks(path: str | os.PathLike) -> np.ndarray:
    """The uint8 (M, H, W) array `masks` of an `.npz` (as `marsseg predict --masks` writes it)."""
    path = Path(path)
    if not path.is_file():
        raise _fail(path, None, "file not found")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if MASKS_KEY not in archive.files:
                raise _fail(path, MASKS_KEY, f"missing (keys present: {', '.join(archive.files) or 'none'})")
            masks = archive[MASKS_KEY]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _fail(path, None, f"not a readable .npz archive ({type(exc).__name__})") from None
    if masks.ndim != 3 or not np.issubdtype(masks.dtype, np.number):
        raise _fail(path, MASKS_KEY, f"{masks.dtype} {masks.shape}, expected numeric (M, H, W)")
    return _to_mask_uint8(path, MASKS_KEY, masks)


def iter_csv_masks(path: str | os.PathLike, image_shape: tuple[int, int], batch: int = 256) -> Iterator[np.ndarray]:
    """The masks of a submission CSV, `batch` at a time, checking header, id order and values."""
    path = Path(path)
    n_pixels = int(np.prod(image_shape))
    if not path.is_file():
        raise _fail(path, None, "file not found")
    with open(path, "rb") as handle:
        head = handle.readline().decode(errors="replace").strip()
        if head != csv_header(n_pixels):
            raise MarssegError(f"{path}: header is not 'id,0,...,{n_pixels - 1}' (masks of {image_shape}): "
                               f"{head[:40]!r}...")
        rows: list[np.ndarray] = []
        for number, line in enumerate(handle):
            values = np.array(line.split(b","), dtype=np.int64) if line.strip() else np.zeros(0, np.int64)
            if len(values) != n_pixels + 1 or values[0] != number:
                raise MarssegError(f"{path}: line {number + 2} must be id {number} and {n_pixels} labels, got "
                                   f"{len(values)} values starting {values[:1].tolist()}")
            if values[1:].min() < 0 or values[1:].max() >= N_CLASSES:
                raise MarssegError(f"{path}: line {number + 2} holds labels outside 0-{N_CLASSES - 1}")
            rows.append(values[1:].astype(np.uint8).reshape(image_shape))
            if len(rows) == batch:
                yield np.stack(rows)
                rows = []
        if rows:
            yield np.stack(rows)


def prediction_confusions(pred_path: str | os.PathLike, labels_path: str | os.PathLike) -> np.ndarray:
    """(M, 5, 5) confusion matrix of every predicted mask (CSV or `.npz`) against `masks` in LABELS.npz, in order."""
    from harness.analytics import image_confusions

    labels = load_masks(labels_path)
    if str(pred_path).lower().endswith(".csv"):
        batches = iter_csv_masks(pred_path, labels.shape[1:])
    else:
        batches = iter([load_masks(pred_path)])
    cms, seen = [], 0
    for pred in batches:
        if pred.shape[1:] != labels.shape[1:] or seen + len(pred) > len(labels):
            raise MarssegError(f"{pred_path}: masks {pred.shape[1:]} beyond row {seen} do not match the "
                               f"{len(labels)} labels {labels.shape[1:]} of {labels_path}")
        cms.append(image_confusions(labels[seen:seen + len(pred)], pred, N_CLASSES))
        seen += len(pred)
    if seen != len(labels):
        raise MarssegError(f"{pred_path} holds {seen} masks, {labels_path} {len(labels)}")
    return np.concatenate(cms) if cms else np.zeros((0, N_CLASSES, N_CLASSES), np.int64)


def label_groups(labels_path: str | os.PathLike) -> np.ndarray | None:
    """The photograph of each labelled image (`scene_ids`) when LABELS.npz also holds the images as
    `test_set` (as `bench_submission.py`'s held-out file does); None: each image is its own unit."""
    from harness.data._scenes import scene_ids

    masks = load_masks(labels_path)
    with np.load(labels_path, allow_pickle=False) as archive:
        if "test_set" not in archive.files or archive["test_set"].shape != masks.shape:
            return None
        return scene_ids(archive["test_set"], masks)


def prediction_units(pred_path: str | os.PathLike, labels_path: str | os.PathLike) -> np.ndarray:
    """The confusion matrices of `prediction_confusions` summed per photograph where the labels file
    holds the images (`label_groups`), else per image: the units a bootstrap resamples."""
    from harness.analytics import group_confusions

    return group_confusions(prediction_confusions(pred_path, labels_path), label_groups(labels_path))


def score_predictions(pred_path: str | os.PathLike, labels_path: str | os.PathLike) -> dict[str, Any]:
    """{"miou", "per_class_iou", "n_images", "n_units", "interval"} of predicted masks (CSV or `.npz`) against `masks` in
    LABELS.npz: the definition of `val_miou` (`marsseg_models.mean_iou` of the confusion matrix of all pixels);
    `interval`: 95% bootstrap over photographs where LABELS.npz holds the images, else over images (a plain
    submission has no scenes), `ScoreInterval.to_dict()`."""
    from harness.analytics import group_confusions, score_interval
    from marsseg_models import mean_iou, per_class_iou

    image_cms = prediction_confusions(pred_path, labels_path)
    units = group_confusions(image_cms, label_groups(labels_path))
    cm = units.sum(axis=0)
    return {"miou": mean_iou(cm), "per_class_iou": per_class_iou(cm), "n_images": len(image_cms),
            "n_units": len(units), "interval": score_interval(units).to_dict() if len(units) else None}
