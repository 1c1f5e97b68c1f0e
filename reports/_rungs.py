"""Fidelities at which enough trials have a value: where importances and marginal effects are
computed, so a pruned study's trials count at the fidelity each reached.

A rung is the end of training (the final val mIoU of the complete trials) or an epoch `step`
(0-based) that trials reported `val_miou` at. Candidates are the epochs after which some trial
stopped (a pruner's rungs); shown are those at least `ReportConfig.min_rung_trials` trials
reached, deepest first, each with at least twice the trials of the deeper one shown before it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from harness.common import attrs

from reports._collect import complete_mask
from reports._config import ReportConfig
from reports._trials import TrialTable

LOW_FIDELITY_NOTE = ("At a low fidelity (few epochs) an effect says how fast a choice starts to pay, not "
                     "how well it ends: a choice that learns slowly can look bad early and win at the end.")


class Rung(NamedTuple):
    """The trials with a value at one fidelity: `rows` of the frame and their `values`."""

    step: int | None  # 0-based epoch; None: the end of training (complete trials' final values)
    label: str  # "after 2 epochs (1,600 training images)"
    rows: np.ndarray
    values: np.ndarray


class Fidelities(NamedTuple):
    """The rungs shown (deepest first), the trials a rung needs, and the most trials any epoch has."""

    rungs: list[Rung]
    min_trials: int
    most: tuple[int, int]  # (trials, epochs) of the epoch most trials reported; (0, 0) if none


def collect_rungs(table: TrialTable, config: ReportConfig) -> Fidelities:
    """The rungs of `table` with at least `config.min_rung_trials` trials, at most `config.max_rungs`."""
    finished = table.frame["state"].isin(["COMPLETE", "PRUNED"]).to_numpy()
    rows = np.flatnonzero(finished)
    steps = [table.curves[i][0].astype(int) for i in rows]
    counts = np.bincount(np.concatenate(steps), minlength=1) if steps and any(len(s) for s in steps) else np.zeros(0)
    most = (int(counts.max()), int(np.argmax(counts)) + 1) if len(counts) else (0, 0)
    need = config.min_rung_trials
    rungs: list[Rung] = []
    done = np.flatnonzero(complete_mask(table))
    if len(done) >= need:
        rungs.append(Rung(None, "at the end of training (final val mIoU of the complete trials)", done,
                          table.frame["value"].to_numpy(dtype=float)[done]))
    ends = [s for s in range(len(counts)) if counts[s] and (s + 1 == len(counts) or counts[s + 1] < counts[s])]
    for step in sorted(ends, reverse=True):
        if len(rungs) >= config.max_rungs:
            break
        if counts[step] < need or (rungs and counts[step] < 2 * len(rungs[-1].rows)):
            continue
        at, values = _values_at(table, rows, step)
        if rungs and rungs[0].step is None and set(at) == set(rungs[0].rows):
            continue  # the same trials as the end of training
        rungs.append(Rung(step, fidelity_label(table, at, step), at, values))
    return Fidelities(rungs, need, most)


def _values_at(table: TrialTable, rows: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows (of `rows`) that reported at `step`, and their values there."""
    at, values = [], []
    for i in rows:
        steps, curve = table.curves[i]
        j = int(np.searchsorted(steps, step))
        if j < len(steps) and steps[j] == step:
            at.append(i)
            values.append(curve[j])
    return np.asarray(at, dtype=int), np.asarray(values, dtype=float)


def fidelity_label(table: TrialTable, rows: np.ndarray, step: int) -> str:
    """"after 2 epochs (1,600 training images)": images when every trial's stored configs give the
    same images per epoch (`train.steps_per_epoch` x `train.batch_size`), else epochs only."""
    epochs = step + 1
    per_epoch = {_images_per_epoch(table.trials[i].user_attrs.get(attrs.CONFIGS)) for i in rows}
    text = f"after {epochs} epoch{'s' if epochs != 1 else ''}"
    if len(per_epoch) == 1 and (images := per_epoch.pop()) is not None:
        text += f" ({epochs * images:,} training images)"
    return text


def _images_per_epoch(configs: object) -> int | None:
    train = configs.get("train") if isinstance(configs, dict) else None
    if not isinstance(train, dict):
        return None
    steps, batch = train.get("steps_per_epoch"), train.get("batch_size")
    return steps * batch if isinstance(steps, int) and isinstance(batch, int) else None
