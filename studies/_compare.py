"""`marsseg compare A B`: the paired difference of held-out mIoU of two models on the same photographs.

A and B are each a study (its best trial by val mIoU among those scored on the held-out split:
the one `marsseg predict` would use), a trial `STUDY:N`, or a submission (`.csv` or masks
`.npz`, with `--labels LABELS.npz`: scored over photographs where LABELS.npz also holds the images
as `test_set`, else over images, since a plain submission has no scenes).
Both must have been scored on the same images: studies whose held-out images differ are refused.
The interval is a percentile bootstrap that draws the same photographs for A and B
(`harness.analytics.paired_difference`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.common import MarssegError, attrs

SUBMISSION_SUFFIXES = (".csv", ".npz")


@dataclass(frozen=True)
class Scored:
    """One side of a comparison: its name, unit confusion matrices and the digest of the images."""

    name: str
    units: np.ndarray
    digest: str


def _best_scored(study: Any, scores: dict[int, dict]) -> int:
    from harness.analytics import best_scored

    best = best_scored(study.get_trials(deepcopy=False), scores)
    if best is None:
        raise MarssegError(f"study {study.study_name!r} has no trial scored on the held-out split: "
                           "run `marsseg evaluate` first")
    return best.number


def _study_side(target: str, storage: str) -> Scored:
    from harness.analytics import IMAGES_DIGEST, stored_units
    from harness.common import load_existing_study

    name, _, number = target.rpartition(":") if _is_trial(target) else (target, "", "")
    study = load_existing_study(name, storage)
    scores = attrs.heldout_scores(study.user_attrs)
    trial = int(number) if number else _best_scored(study, scores)
    if trial not in scores:
        raise MarssegError(f"trial {trial} of {name!r} has no held-out score: run `marsseg evaluate --trials {trial}`")
    units = stored_units(scores[trial])
    if units is None:
        raise MarssegError(f"the held-out score of trial {trial} of {name!r} predates per-photograph matrices: "
                           f"run `marsseg evaluate --study {name} --trials {trial} --force`")
    return Scored(f"{name}:{trial}", units, scores[trial][IMAGES_DIGEST])


def _is_trial(target: str) -> bool:
    head, sep, tail = target.rpartition(":")
    return bool(sep and head and tail.isdigit())


def _submission_side(path: str, labels: str | None) -> Scored:
    from harness.analytics import images_digest
    from harness.data import load_masks, prediction_units

    if labels is None:
        raise MarssegError(f"{path} is a submission: give the true masks with --labels LABELS.npz")
    masks = load_masks(labels)
    return Scored(path, prediction_units(path, labels), images_digest(np.zeros(0, np.uint8), masks))


def scored_side(target: str, storage: str, labels: str | None = None) -> Scored:
    """A study, `STUDY:N`, or a submission file (module docstring)."""
    if target.lower().endswith(SUBMISSION_SUFFIXES):
        return _submission_side(target, labels)
    return _study_side(target, storage)


def compare(a: str, b: str, storage: str, *, labels: str | None = None, n_boot: int | None = None,
            seed: int = 0) -> Any:
    """`harness.analytics.PairedDifference` of mIoU(a) - mIoU(b); MarssegError when they cannot pair."""
    from harness.analytics import N_BOOT, paired_units

    side_a, side_b = scored_side(a, storage, labels), scored_side(b, storage, labels)
    try:
        return paired_units(side_a.units, side_a.digest, side_b.units, side_b.digest, n_boot=n_boot or N_BOOT,
                            seed=seed)
    except ValueError as exc:
        raise MarssegError(f"{side_a.name} and {side_b.name} were scored on different held-out images: {exc}") from None


def format_comparison(a: str, b: str, d: Any) -> str:
    """Three lines: both scores, the difference with its interval, and the verdict."""
    return (f"{a}: held-out mIoU {d.miou_a:.4f}\n{b}: held-out mIoU {d.miou_b:.4f}\n"
            f"difference (A - B): {d.diff:+.4f}, {100 * d.level:.0f}% interval [{d.ci[0]:+.4f}, {d.ci[1]:+.4f}] "
            f"(paired bootstrap over {d.n_units} photographs, {d.n_boot} resamples): {d.verdict}")
