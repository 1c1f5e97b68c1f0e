"""Held-out scores of a study's top trials (`marsseg evaluate`, and at the end of `marsseg search`).

Optuna storages refuse to change a finished trial, so each score is a study user attribute
`heldout_score.<trial number>` (`harness.common.attrs.heldout_key`); readers use
`attrs.heldout_scores`. Already scored trials are skipped, so evaluating again is cheap.
Besides the point scores, a score keeps its 95% bootstrap interval over photographs, the
confusion matrix of every photograph (compressed) and a digest of the held-out images: what
`marsseg compare` needs to pair two scores on the same photographs (`harness.analytics`,
module `_store`). Scores made before that have no interval: `--force` scores them again.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from typing import Any

from harness.common import attrs


def pick_trials(study: Any, top: int | None, numbers: Sequence[int] = ()) -> list[Any]:
    """The trials to score: `numbers` if given, else the `top` by best val mIoU (None: all), among
    the complete trials and the pruned ones that kept their best weights (`harness.ranked_trials`)."""
    from optuna.trial import TrialState

    from harness import ranked_trials

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
    ranked = ranked_trials(t for t in trials if t.state == TrialState.COMPLETE or attrs.WEIGHTS_ARTIFACT in t.user_attrs)
    if numbers:
        wanted = set(numbers)
        return [t for t in ranked if t.number in wanted]
    return ranked if top is None else ranked[:top]


def evaluate_study(study: Any, settings: Any, *, top: int | None = attrs.TOP_TRIALS, numbers: Sequence[int] = (),
                   data: Any = None, data_path: str | None = None, force: bool = False) -> dict[int, dict]:
    """Score the chosen trials on the study's held-out split; returns {trial number: score} of new scores."""
    from harness import best_val

    chosen = pick_trials(study, top, numbers)
    have = attrs.heldout_scores(study.user_attrs)
    todo = [t for t in chosen if force or t.number not in have]
    if not todo:
        return {}
    if settings.heldout_fraction <= 0:
        print(f"study {study.study_name!r} has no held-out split (created with held-out fraction 0)", file=sys.stderr)
        return {}
    ready = [t for t in todo if attrs.CONFIGS in t.user_attrs and attrs.WEIGHTS_ARTIFACT in t.user_attrs]
    skipped = sorted(t.number for t in todo if t not in ready)
    if skipped:
        print(f"held-out: trials {skipped} have no stored configs or weights; not scored", file=sys.stderr)
    if not ready:
        return {}
    heldout = _heldout_data(settings, data, data_path)
    scores = {}
    for trial in ready:
        scores[trial.number] = _score(trial, settings, heldout)
        study.set_user_attr(attrs.heldout_key(trial.number), scores[trial.number])
        print(format_heldout(trial.number, scores[trial.number], best_val(trial), trial.user_attrs.get(attrs.VAL_SCORE)),
              file=sys.stderr)
    return scores


def format_heldout(number: int, score: dict[str, Any], val: float | None = None,
                   val_score: dict[str, Any] | None = None) -> str:
    """One line: held-out mIoU with its 95% interval over photographs, the val mIoU (with the interval of
    `val_score`, its `attrs.VAL_SCORE`, where stored), then each class IoU with its interval."""
    from harness.analytics import INTERVAL, format_value_ci as cell, stored_ci

    ci = score.get(INTERVAL) or {}
    classes = ", ".join(f"{name} {cell(v, stored_ci(score, name), 3)}" for name, v in score.get("per_class_iou", {}).items())
    units = f", {ci['n_units']} photographs" if ci else ", no interval: scored before intervals were stored"
    val_text = "" if val is None else f"val {cell(val, stored_ci(val_score), 4)}, "
    return (f"held-out mIoU of trial {number}: {cell(score['miou'], stored_ci(score), 4)} "
            f"({val_text}{score['n_images']} images{units}); {classes}")


def _heldout_data(settings: Any, data: Any, data_path: str | None) -> Any:
    from harness.data import load_data, split_heldout

    if data is None:
        data = load_data(data_path or settings.data)
    return split_heldout(data, settings.heldout_fraction, settings.seed, settings.split_groups).heldout


def _score(trial: Any, settings: Any, heldout: Any) -> dict[str, Any]:
    from harness import TrialConfigs, configure_tensorflow, score_heldout
    from studies._weights import fetch_weights

    configure_tensorflow()
    with tempfile.TemporaryDirectory() as tmp:
        path = fetch_weights(settings.artifact_dir, trial.user_attrs[attrs.WEIGHTS_ARTIFACT], f"trial {trial.number}",
                             tmp)
        return score_heldout(TrialConfigs.from_dict(trial.user_attrs[attrs.CONFIGS]), str(path), heldout)
