"""What a stored held-out score keeps so that its interval and paired comparisons can be redone.

A held-out score (`heldout_score.<n>`, ARCHITECTURE.md) adds to its point scores:
- `interval`: `ScoreInterval.to_dict()` (95% percentile bootstrap over photographs);
- `unit_confusion`: the confusion matrix of every photograph of the held-out split (the
  scene groups of `harness.data.scene_ids`: the two bands of one photograph and identical
  masks), (G, 5, 5) int32, zlib-compressed and base64-encoded (a few kB for 125 photographs);
- `images_digest`: SHA-1 of the held-out images and masks, in split order. Two scores with the
  same digest were computed on the same images in the same order, so their units pair up.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import numpy as np

from harness.analytics._bootstrap import N_BOOT, PairedDifference, group_confusions, paired_difference, score_interval

INTERVAL = "interval"
UNIT_CONFUSION = "unit_confusion"
IMAGES_DIGEST = "images_digest"


def encode_matrices(cms: np.ndarray) -> str:
    """(G, C, C) non-negative ints as text: base64 of zlib of little-endian int32, shape prefixed ("G,C,C:...")."""
    cms = np.asarray(cms)
    if cms.size and (cms.min() < 0 or cms.max() >= 2**31):
        raise ValueError("confusion counts must lie in [0, 2**31)")
    body = base64.b64encode(zlib.compress(cms.astype("<i4").tobytes(), 9)).decode("ascii")
    return ",".join(map(str, cms.shape)) + ":" + body


def decode_matrices(text: str) -> np.ndarray:
    """The int64 array `encode_matrices` wrote."""
    shape, body = text.split(":", 1)
    flat = np.frombuffer(zlib.decompress(base64.b64decode(body)), dtype="<i4")
    return flat.astype(np.int64).reshape(tuple(int(s) for s in shape.split(",")))


def images_digest(images: np.ndarray, masks: np.ndarray) -> str:
    """SHA-1 of the images and masks (shapes, dtypes and bytes, in order)."""
    h = hashlib.sha1()
    for a in (np.ascontiguousarray(images), np.ascontiguousarray(masks)):
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def interval_record(image_cms: np.ndarray, groups: np.ndarray | None, digest: str, *, n_boot: int = N_BOOT,
                    seed: int = 0) -> dict[str, Any]:
    """The fields a stored score adds (module docstring), from per-image matrices and their group ids."""
    units = group_confusions(image_cms, groups)
    return {INTERVAL: score_interval(units, n_boot=n_boot, seed=seed).to_dict(),
            UNIT_CONFUSION: encode_matrices(units), IMAGES_DIGEST: digest}


def stored_ci(score: dict[str, Any] | None, name: str = "miou") -> tuple[float, float] | None:
    """The stored 95% interval of a score's mIoU (`name` "miou") or of a class IoU (a class name);
    None when there is none (no score, scored before intervals, a class absent from the split)."""
    ci = ((score or {}).get(INTERVAL) or {})
    ci = ci.get("miou") if name == "miou" else (ci.get("per_class_iou") or {}).get(name)
    return None if ci is None else (float(ci[0]), float(ci[1]))


def stored_units(score: dict[str, Any]) -> np.ndarray | None:
    """The unit matrices of a stored score (None: scored before they were stored)."""
    text = score.get(UNIT_CONFUSION)
    return None if text is None else decode_matrices(text)


def compare_scores(a: dict[str, Any], b: dict[str, Any], *, n_boot: int = N_BOOT, seed: int = 0) -> PairedDifference:
    """Paired mIoU difference a - b of two stored held-out scores; ValueError (one line) when they cannot pair:
    no unit matrices stored, or different held-out images."""
    ua, ub = stored_units(a), stored_units(b)
    if ua is None or ub is None:
        raise ValueError("a score has no per-photograph matrices (scored before they were stored): "
                         "score it again with `marsseg evaluate --force`")
    return paired_units(ua, a.get(IMAGES_DIGEST, "?"), ub, b.get(IMAGES_DIGEST, "?"), n_boot=n_boot, seed=seed)


def paired_units(units_a: np.ndarray, digest_a: str, units_b: np.ndarray, digest_b: str, *, n_boot: int = N_BOOT,
                 seed: int = 0) -> PairedDifference:
    """Paired mIoU difference a - b of unit matrices scored on the images of `digest_a` / `digest_b`;
    ValueError (one line) when the images differ: a paired comparison needs the same ones."""
    if digest_a != digest_b or units_a.shape != units_b.shape:
        raise ValueError(f"the held-out images differ ({digest_a[:12]} with {len(units_a)} units, "
                         f"{digest_b[:12]} with {len(units_b)}): a paired comparison needs the same images (same "
                         "data, seed, --heldout and split groups)")
    return paired_difference(units_a, units_b, n_boot=n_boot, seed=seed)


def format_interval(ci: Any, digits: int = 4, sign: bool = False) -> str:
    """"[lo, hi]" of a stored or computed interval; "" when there is none."""
    if ci is None:
        return ""
    lo, hi = ci
    spec = f"{'+' if sign else ''}.{digits}f"
    return f"[{lo:{spec}}, {hi:{spec}}]"


def format_value_ci(value: float | None, ci: Any, digits: int = 4, *, sign: bool = False, missing: str = "-") -> str:
    """"value [lo, hi]" (no interval: the value alone); `missing` for no value (None or NaN)."""
    if value is None or value != value:
        return missing
    return f"{value:{'+' if sign else ''}.{digits}f} {format_interval(ci, digits, sign)}".rstrip()
