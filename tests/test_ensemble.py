"""Greedy ensemble selection (`harness.select_ensemble`): never below its best member on val.

Candidates are hand-made softmax maps on random masks; every score is recomputed here from
pixel sets, independently of `marsseg_models`' confusion matrix.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness import probs_miou, select_ensemble, weighted_probs

N, H, W, C = 6, 16, 24, 5


def _miou_by_sets(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean IoU over classes 1-4 present in truth or prediction, counted with Python sets."""
    ious = []
    for c in (1, 2, 3, 4):
        t, p = set(np.flatnonzero(truth == c)), set(np.flatnonzero(pred == c))
        if t | p:
            ious.append(len(t & p) / len(t | p))
    return float(np.mean(ious)) if ious else 0.0


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def _member(masks: np.ndarray, right: np.ndarray, rng: np.random.Generator, confidence: float = 2.0) -> np.ndarray:
    """Softmax that favours the true class where `right`, a random wrong class elsewhere."""
    wrong = (masks + rng.integers(1, C, masks.shape)) % C
    target = np.where(right, masks, wrong)
    logits = rng.normal(0.0, 0.3, (*masks.shape, C))
    np.put_along_axis(logits, target[..., None], confidence, axis=-1)
    return _softmax(logits)


@pytest.fixture
def masks() -> np.ndarray:
    return np.random.default_rng(0).integers(0, C, (N, H, W)).astype(np.uint8)


def test_a_poor_member_never_pulls_the_ensemble_below_its_best_member(masks: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    good = _member(masks, rng.random(masks.shape) < 0.8, rng)
    fair = _member(masks, rng.random(masks.shape) < 0.6, rng)
    poor = _softmax(rng.normal(0.0, 3.0, (*masks.shape, C)))  # noise that confidently says anything
    candidates = [fair, poor, good]
    singles = [_miou_by_sets(masks, p.argmax(-1)) for p in candidates]
    plain_mean = _miou_by_sets(masks, np.mean(candidates, axis=0).argmax(-1))
    assert plain_mean < max(singles)  # the plain mean of the top 3 hurts: the failure this guards against

    ensemble = select_ensemble(candidates, masks)

    assert ensemble.single_mious == pytest.approx(singles)
    assert ensemble.best_single == 2
    chosen = sum(w * p.astype(np.float64) for w, p in zip(ensemble.weights, candidates)).argmax(-1)
    assert ensemble.val_miou == pytest.approx(_miou_by_sets(masks, chosen))
    assert ensemble.val_miou >= max(singles)
    assert sum(ensemble.weights) == pytest.approx(1.0) and ensemble.weights[2] > 0
    assert ensemble.weights[1] < ensemble.weights[2]


def test_complementary_members_are_combined_and_beat_each_alone(masks: np.ndarray) -> None:
    rng = np.random.default_rng(2)
    left = np.zeros(masks.shape, bool)
    left[..., : W // 2] = True
    # each is right on its half with high confidence and wrong on the other with low confidence
    a = np.where(left[..., None], _member(masks, left, rng, 4.0), _member(masks, left, rng, 0.5))
    b = np.where(left[..., None], _member(masks, ~left, rng, 0.5), _member(masks, ~left, rng, 4.0))
    ensemble = select_ensemble([a, b], masks)
    best_alone = max(_miou_by_sets(masks, a.argmax(-1)), _miou_by_sets(masks, b.argmax(-1)))
    assert all(w > 0 for w in ensemble.weights)
    assert ensemble.val_miou > best_alone + 0.2


def test_one_round_is_the_best_single_member_and_weights_are_checked(masks: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    candidates = [_member(masks, rng.random(masks.shape) < q, rng) for q in (0.5, 0.9, 0.7)]
    ensemble = select_ensemble(candidates, masks, rounds=1)
    assert ensemble.weights == (0.0, 1.0, 0.0)
    assert ensemble.val_miou == pytest.approx(_miou_by_sets(masks, candidates[1].argmax(-1)))
    assert probs_miou(weighted_probs(candidates, [0, 3, 1]), masks) == pytest.approx(
        _miou_by_sets(masks, (0.75 * candidates[1] + 0.25 * candidates[2]).argmax(-1)))
    with pytest.raises(ValueError, match="non-negative weights"):
        weighted_probs(candidates, [1, -1, 1])
    with pytest.raises(ValueError, match="at least one candidate"):
        select_ensemble([], masks)
