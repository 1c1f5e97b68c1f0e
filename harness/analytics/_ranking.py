"""Which trial is best: the one ranking rule of marsseg.

A trial's score is its best val mIoU: a COMPLETE trial's value, or a PRUNED trial's best
reported epoch (whose weights it keeps). `marsseg evaluate`, `predict`, `ablate`, the search
summary and the report all rank by `ranked_trials`; nothing else decides "the best".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def best_val(trial: Any) -> float | None:
    """A trial's best val mIoU: the value of a COMPLETE trial, the best reported epoch of a
    PRUNED one (whose best-epoch weights are kept); None for any other trial."""
    state = trial.state.name
    if state == "COMPLETE":
        return trial.value
    if state == "PRUNED" and trial.intermediate_values:
        return max(trial.intermediate_values.values())
    return None


def ranked_trials(trials: Iterable[Any]) -> list[Any]:
    """The complete and pruned trials with a val mIoU, best `best_val` first (ties: the lower
    number): the order in which `marsseg evaluate` scores and `marsseg predict --top-k` picks them."""
    scored = [(v, t) for t in trials if (v := best_val(t)) is not None]
    return [t for _, t in sorted(scored, key=lambda vt: (-vt[0], vt[1].number))]


def ranks_among_top(trials: Iterable[Any], number: int, value: float, k: int) -> bool:
    """Whether `value` would rank among the `k` best of `trials` other than trial `number`."""
    others = [v for t in trials if t.number != number and (v := best_val(t)) is not None]
    return sum(v > value for v in others) < k


def best_scored(trials: Iterable[Any], scored: Iterable[int]) -> Any | None:
    """The best trial by `ranked_trials` among those whose number is in `scored` (e.g. the trials
    with a held-out score: the one `marsseg predict` uses and `marsseg compare` pairs); None: none."""
    numbers = set(scored)
    return next((t for t in ranked_trials(trials) if t.number in numbers), None)
