"""The seed pairs of a controlled ablation study (`marsseg ablate`): variant and baseline held-out mIoU per seed."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from harness.common import attrs

BASELINE = "baseline"


class SeedPairs(NamedTuple):
    """The seeds where both a variant and the baseline have a held-out score, and those scores."""

    variant: str
    seeds: list[int]
    scores: np.ndarray  # the variant's held-out mIoU per seed
    baseline: np.ndarray  # the baseline's, same seeds

    @property
    def diffs(self) -> np.ndarray:
        return self.scores - self.baseline


def ablation_pairs(study: Any) -> list[SeedPairs]:
    """One `SeedPairs` per variant planned in the ablation study (enqueue order), over complete scored trials."""
    scores = attrs.heldout_scores(study.user_attrs)
    cells: dict[str, dict[int, float]] = {}
    labels: dict[str, None] = {}
    for t in study.get_trials(deepcopy=False):
        label, seed = t.user_attrs.get(attrs.ABLATION_TOGGLE), t.user_attrs.get(attrs.ABLATION_SEED)
        if label is not None and label != BASELINE:
            labels.setdefault(str(label))
        if t.state.name != "COMPLETE" or label is None or t.number not in scores:
            continue
        cells.setdefault(str(label), {})[int(seed)] = float(scores[t.number]["miou"])
    base = cells.get(BASELINE, {})
    out = []
    for label in labels:
        runs = cells.get(label, {})
        seeds = sorted(set(runs) & set(base))
        out.append(SeedPairs(label, seeds, np.array([runs[s] for s in seeds], dtype=float),
                             np.array([base[s] for s in seeds], dtype=float)))
    return out
