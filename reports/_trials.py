"""One pass over a study's trials into a flat table that every section reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs
from marsseg_models import CLASS_NAMES, SCORED_CLASSES
from search_spaces import param_section

SCORED_NAMES = tuple(CLASS_NAMES[c] for c in SCORED_CLASSES)
"""Keys of the `per_class_iou` user attribute (background is not scored)."""

HELDOUT_MIOU = "heldout_miou"  # frame column: the trial's held-out mIoU (NaN when not scored)
BEST_VAL = "best_val"  # frame column: `harness.best_val` (complete: value; pruned: best reported epoch; else NaN)
BEST_STEP = "best_step"  # frame column: the 0-based epoch of that best value (NaN when none)
WORKER_NAME = "worker_name"  # frame column: the worker (its recycled processes under one name; else `worker`)
_ATTRS = (attrs.EPOCHS_RUN, attrs.BEST_EPOCH, attrs.TRAIN_SECONDS, attrs.N_PARAMS)


class TrialTable(NamedTuple):
    """A study's trials: `frame` has one row per trial, `curves[i]` the row's `val_miou` curve."""

    study_name: str
    user_attrs: dict[str, Any]
    direction: str
    frame: Any  # pandas.DataFrame
    param_names: list[str]
    distributions: dict[str, Any]
    curves: list[tuple[np.ndarray, np.ndarray]]
    trials: list[Any]  # FrozenTrial, aligned with frame rows


def trained_value(name: str, value: Any, configs: dict[str, Any] | None) -> Any:
    """The value param `name` actually trained with: read from the trial's stored configs
    (`configs` attribute) when they hold it, else the recorded param."""
    try:
        name_section, field = param_section(name)
    except ValueError:  # not a config param: nothing stored for it
        return value
    section = (configs or {}).get(name_section, {})
    return section.get(field, value) if isinstance(section, dict) else value


def read_trials(study: Any) -> TrialTable:
    """Collect `study`'s trials (all states) without copying them; params are the trained values."""
    import pandas as pd

    from harness import best_val

    trials = [t for t in study.get_trials(deepcopy=False) if not attrs.is_surplus(t)]
    heldout = attrs.heldout_scores(study.user_attrs)
    rows: list[dict[str, Any]] = []
    curves: list[tuple[np.ndarray, np.ndarray]] = []
    param_names: dict[str, None] = {}
    distributions: dict[str, Any] = {}
    for t in trials:
        ua = t.user_attrs
        row: dict[str, Any] = {
            "number": t.number,
            "state": t.state.name,
            "value": t.value if t.value is not None else np.nan,
            "start": t.datetime_start,
            "complete": t.datetime_complete,
            "worker": str(ua.get(attrs.WORKER, "unknown")),
        }
        row[WORKER_NAME] = str(ua.get(attrs.WORKER_NAME, row["worker"]))
        best = best_val(t)
        row[BEST_VAL] = np.nan if best is None else float(best)
        row[BEST_STEP] = np.nan if best is None else _best_step(t)
        for key in _ATTRS:
            row[key] = ua.get(key, np.nan)
        row[HELDOUT_MIOU] = heldout.get(t.number, {}).get("miou", np.nan)
        per_class = ua.get(attrs.PER_CLASS_IOU) or {}
        for name in SCORED_NAMES:
            row[f"iou.{name}"] = per_class.get(name, np.nan)
        for name, value in t.params.items():
            param_names.setdefault(name)
            row[f"param.{name}"] = trained_value(name, value, ua.get(attrs.CONFIGS))
        distributions.update(t.distributions)
        rows.append(row)
        steps = np.fromiter(t.intermediate_values.keys(), dtype=float)
        values = np.fromiter(t.intermediate_values.values(), dtype=float)
        order = np.argsort(steps, kind="stable")
        curves.append((steps[order], values[order]))
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["number", "state", "value", "start", "complete", "worker", WORKER_NAME,
                                      BEST_VAL, BEST_STEP,
                                      *_ATTRS, HELDOUT_MIOU, *(f"iou.{c}" for c in SCORED_NAMES)])
    direction = "maximize" if study.direction.name == "MAXIMIZE" else "minimize"
    return TrialTable(study.study_name, dict(study.user_attrs), direction, frame,
                      list(param_names), distributions, curves, trials)


def _best_step(trial: Any) -> int | float:
    """The epoch (0-based) of a trial's best value: `best_epoch` of a complete trial that records
    it, else its best reported step (NaN: none)."""
    recorded = trial.user_attrs.get(attrs.BEST_EPOCH)
    if trial.state.name == "COMPLETE" and isinstance(recorded, int):
        return recorded
    values = trial.intermediate_values
    return max(values, key=lambda step: (values[step], -step)) if values else np.nan


def sampled_study(trials: Sequence[Any], direction: Any, *, params: bool = True, curves: bool = True) -> Any:
    """An in-memory study of copies of `trials` (in order) for Optuna's plots and evaluators.

    The copies keep state and value, the params and intermediate values only when asked,
    and no attributes, so a sample of a large study is cheap to build and to read. The
    copy numbers its trials 0..n-1.
    """
    import optuna
    from optuna.trial import create_trial

    study = optuna.create_study(direction=direction)
    study.add_trials(create_trial(state=t.state, value=t.value, params=t.params if params else None,
                                  distributions=t.distributions if params else None,
                                  intermediate_values=t.intermediate_values if curves else None) for t in trials)
    return study


def param_column(table: TrialTable, name: str) -> Any:
    """The column of param `name` (absent rows hold NaN/None)."""
    col = f"param.{name}"
    if col in table.frame.columns:
        return table.frame[col]
    import pandas as pd

    return pd.Series([None] * len(table.frame), index=table.frame.index, dtype=object)
