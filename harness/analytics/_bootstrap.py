"""Percentile bootstrap of segmentation scores over photographs, vectorised.

A score (mIoU, a class IoU) is a ratio of pixel counts summed over images, so a resample of
the scoring units (photographs: the scene groups the held-out split keeps together, or single
images) is a weighted sum of their confusion matrices: resample unit indices with a seeded
Generator, count how often each unit is drawn, and multiply the (B, G) count matrix by the
(G, 25) unit matrices. Then the scoring rule of `marsseg_models` (`ious_from_confusion`,
`mean_iou`: a class absent from truth and prediction is left out) runs on every resample.
A paired difference draws the same units for both models.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

N_BOOT = 2000  # resamples of a score interval
LEVEL = 0.95
_CHUNK = 4_000_000  # count-matrix cells drawn at a time (memory bound)


def bootstrap_means(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of `n_boot` resamples (with replacement) of `x`, drawn in memory-bounded chunks."""
    chunk = max(1, _CHUNK // max(len(x), 1))
    return np.concatenate([
        x[rng.integers(0, len(x), (min(chunk, n_boot - s), len(x)), dtype=np.int32)].mean(axis=1)
        for s in range(0, n_boot, chunk)])


def percentile_ci(values: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Central `level` percentile interval of bootstrap replicates (NaN replicates left out)."""
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_diff_ci(a: np.ndarray, b: np.ndarray, n_boot: int, seed: int,
                      level: float = LEVEL) -> tuple[float, float]:
    """Percentile bootstrap CI of mean(a) - mean(b), resampling each group independently."""
    rng = np.random.default_rng(seed)
    return percentile_ci(bootstrap_means(a, n_boot, rng) - bootstrap_means(b, n_boot, rng), level)


def image_confusions(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 5) -> np.ndarray:
    """(N, C, C) int64 confusion matrix of every image (rows truth, columns prediction), in one bincount;
    their sum is `marsseg_models.confusion_matrix` of all pixels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim < 2:
        raise ValueError(f"truth {y_true.shape} and prediction {y_pred.shape} must be equal (N, ...) arrays")
    n = len(y_true)
    cells = y_true.reshape(n, -1).astype(np.int64) * n_classes + y_pred.reshape(n, -1)
    cells += (np.arange(n, dtype=np.int64) * n_classes * n_classes)[:, None]
    return np.bincount(cells.ravel(), minlength=n * n_classes * n_classes).reshape(n, n_classes, n_classes)


def group_confusions(image_cms: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """(G, C, C): the image matrices summed per group (`groups`: an id per image, e.g. `harness.data.scene_ids`;
    None: every image its own unit). Groups come in order of their smallest id."""
    image_cms = np.asarray(image_cms, dtype=np.int64)
    if groups is None:
        return image_cms
    groups = np.asarray(groups)
    if len(groups) != len(image_cms):
        raise ValueError(f"{len(groups)} group ids for {len(image_cms)} images")
    _, dense = np.unique(groups, return_inverse=True)
    out = np.zeros((dense.max() + 1 if len(dense) else 0, *image_cms.shape[1:]), dtype=np.int64)
    np.add.at(out, dense.ravel(), image_cms)
    return out


def resampled_totals(unit_cms: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, C, C): confusion matrices of `n_boot` resamples of the units (with replacement).

    Each resample is a row of counts (how often each unit was drawn) times the unit matrices."""
    unit_cms = np.asarray(unit_cms)
    g, shape = len(unit_cms), unit_cms.shape[1:]
    if g == 0:
        raise ValueError("no unit to resample")
    flat = unit_cms.reshape(g, -1).astype(np.float64)  # exact: counts stay far below 2**53
    chunk = max(1, _CHUNK // g)
    out = []
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws = rng.integers(0, g, (b, g)) + (np.arange(b) * g)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * g).reshape(b, g).astype(np.float64)
        out.append(counts @ flat)
    return np.rint(np.concatenate(out)).astype(np.int64).reshape(n_boot, *shape)


def _scores(cms: np.ndarray, classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(mIoU (B,), class IoUs (B, K)) of a stack of confusion matrices, by the marsseg_models rule."""
    from marsseg_models import ious_from_confusion, mean_iou

    return np.asarray(mean_iou(cms, classes)), ious_from_confusion(cms)[..., list(classes)]


class ScoreInterval(NamedTuple):
    """Point scores of the summed matrix and their percentile intervals over resampled units."""

    miou: float
    miou_ci: tuple[float, float]
    per_class: dict[str, float | None]  # None: class absent from truth and prediction
    per_class_ci: dict[str, tuple[float, float] | None]
    n_units: int
    n_boot: int
    level: float

    @property
    def half_width(self) -> float:
        return (self.miou_ci[1] - self.miou_ci[0]) / 2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"miou": [lo, hi], "per_class_iou": {name: [lo, hi] | None}, "n_units", "n_boot", "level"}."""
        return {"miou": [round(v, 6) for v in self.miou_ci],
                "per_class_iou": {k: None if v is None else [round(x, 6) for x in v] for k, v in self.per_class_ci.items()},
                "n_units": self.n_units, "n_boot": self.n_boot, "level": self.level}


def score_interval(unit_cms: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0, level: float = LEVEL) -> ScoreInterval:
    """mIoU and class IoUs of the summed unit matrices, each with its `level` percentile bootstrap interval."""
    from marsseg_models import CLASS_NAMES, SCORED_CLASSES

    unit_cms = np.asarray(unit_cms)
    total = unit_cms.sum(axis=0)
    point_miou, point_ious = _scores(total[None], SCORED_CLASSES)
    miou, ious = _scores(resampled_totals(unit_cms, n_boot, np.random.default_rng(seed)), SCORED_CLASSES)
    per_class, per_class_ci = {}, {}
    for k, c in enumerate(SCORED_CLASSES):
        name, value = CLASS_NAMES[c], point_ious[0, k]
        per_class[name] = None if np.isnan(value) else float(value)
        per_class_ci[name] = None if np.isnan(ious[:, k]).all() else percentile_ci(ious[:, k], level)
    return ScoreInterval(float(point_miou[0]), percentile_ci(miou, level), per_class, per_class_ci, len(unit_cms),
                         n_boot, level)


class PairedDifference(NamedTuple):
    """mIoU(a) - mIoU(b) on the same units, with its percentile interval (both resampled alike)."""

    miou_a: float
    miou_b: float
    diff: float
    ci: tuple[float, float]
    n_units: int
    n_boot: int
    level: float

    @property
    def verdict(self) -> str:
        lo, hi = self.ci
        return "interval excludes 0" if lo > 0 or hi < 0 else "interval includes 0: no clear difference"


def paired_difference(cms_a: np.ndarray, cms_b: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0,
                      level: float = LEVEL) -> PairedDifference:
    """Paired bootstrap of mIoU(a) - mIoU(b): every resample draws the same units for both."""
    from marsseg_models import SCORED_CLASSES

    cms_a, cms_b = np.asarray(cms_a), np.asarray(cms_b)
    if cms_a.shape != cms_b.shape:
        raise ValueError(f"the two models were scored on different units: {cms_a.shape} and {cms_b.shape}")
    both = np.concatenate([cms_a, cms_b], axis=-1)  # (G, C, 2C): one draw of units serves both
    totals = resampled_totals(both, n_boot, np.random.default_rng(seed))
    c = cms_a.shape[-1]
    a, _ = _scores(totals[..., :c], SCORED_CLASSES)
    b, _ = _scores(totals[..., c:], SCORED_CLASSES)
    (pa,), _ = _scores(cms_a.sum(axis=0)[None], SCORED_CLASSES)
    (pb,), _ = _scores(cms_b.sum(axis=0)[None], SCORED_CLASSES)
    return PairedDifference(float(pa), float(pb), float(pa - pb), percentile_ci(a - b, level), len(cms_a), n_boot, level)
