"""Side-by-side PNG overlays of an image and its predicted mask, with a tiny zlib PNG encoder (no imaging library)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from harness.common import atomic_output

OVERLAY_ALPHA = 0.5  # weight of the class colour over the image
GAP = 4  # white pixels between the two panels
SCALE = 2  # each image pixel becomes SCALE x SCALE PNG pixels


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of a uint8 (H, W, 3) array."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"encode_png needs a uint8 (H, W, 3) array, got {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)  # filter 0

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + chunk(b"IEND", b""))


def _palette(colors: tuple[str, ...]) -> np.ndarray:
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=np.float32)


def overlay_panel(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """uint8 (H, 2W + GAP, 3): the grayscale image, then the image under its class colours (the
    class colours of `marsseg_models.CLASS_COLORS`, as in the report's gallery)."""
    from marsseg_models import CLASS_COLORS

    gray = np.repeat(image[..., None].astype(np.float32), 3, axis=-1)
    tinted = (1 - OVERLAY_ALPHA) * gray + OVERLAY_ALPHA * _palette(CLASS_COLORS)[labels]
    gap = np.full((image.shape[0], GAP, 3), 255.0, np.float32)
    return np.rint(np.concatenate([gray, gap, tinted], axis=1)).astype(np.uint8)


def write_overlay(path: str | Path, image: np.ndarray, labels: np.ndarray) -> Path:
    """Write `overlay_panel(image, labels)`, enlarged SCALE times, as a PNG (atomically)."""
    panel = np.repeat(np.repeat(overlay_panel(image, labels), SCALE, axis=0), SCALE, axis=1)
    with atomic_output(path) as tmp:
        tmp.write_bytes(encode_png(panel))
    return Path(path)
