"""Predictions section: the best trial with saved artifacts, its gallery and confusion matrix."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs

from reports._collect import best_index
from reports._trials import BEST_VAL, TrialTable


class Predictions(NamedTuple):
    """Gallery arrays (k, H, W) and the 5x5 confusion matrix; `note` says what is missing."""

    trial_number: int | None
    value: float | None
    images: np.ndarray | None
    masks: np.ndarray | None
    preds: np.ndarray | None
    confusion: np.ndarray | None
    note: str


def collect_predictions(table: TrialTable, artifact_dir: str | None, k: int) -> Predictions:
    """Pick the best trial (the ranking rule) that saved weights (else any predictions) and load its npz."""
    f = table.frame
    has = lambda key: np.array([bool(t.user_attrs.get(key)) for t in table.trials], dtype=bool)  # noqa: E731
    with_preds = has(attrs.PREDICTIONS_ARTIFACT)
    idx = best_index(table, with_preds & has(attrs.WEIGHTS_ARTIFACT))
    idx = best_index(table, with_preds) if idx is None else idx
    if idx is None:
        idx = best_index(table)
        if idx is None:
            return Predictions(None, None, None, None, None, None, "no complete or pruned trial with a val mIoU")
        return Predictions(int(f["number"].iloc[idx]), float(f[BEST_VAL].iloc[idx]), None, None, None,
                           _confusion(table.trials[idx]),
                           "no trial saved a predictions artifact; confusion matrix of the best trial")
    trial = table.trials[idx]
    number, value = int(f["number"].iloc[idx]), float(f[BEST_VAL].iloc[idx])
    directory = artifact_dir or table.user_attrs.get(attrs.ARTIFACT_DIR)
    where = "the folder given with --artifacts" if artifact_dir else "the study's artifact_dir"
    missing = lambda why: Predictions(number, value, None, None, None, _confusion(trial), why)  # noqa: E731
    if not directory:
        return missing("The study records no artifact folder: pass `marsseg report --artifacts DIR` with the "
                       "folder its workers saved artifacts to.")
    if not Path(directory).is_dir():
        return missing(f"The predictions of trial {number} were looked for in {directory} ({where}), which "
                       "does not exist here: if the artifacts were moved or the journal was copied from another "
                       "machine, pass `marsseg report --artifacts DIR` with the folder that holds them.")
    try:
        arrays = _load_npz(str(directory), trial.user_attrs[attrs.PREDICTIONS_ARTIFACT])
    except (OSError, KeyError, ValueError) as exc:
        return missing(f"The predictions artifact of trial {number} could not be read from {directory} ({where}: "
                       f"{type(exc).__name__}): pass `marsseg report --artifacts DIR` with the folder that holds it.")
    return Predictions(number, value, arrays["images"][:k], arrays["masks"][:k], arrays["preds"][:k],
                       _confusion(trial), "")


def _confusion(trial: Any) -> np.ndarray | None:
    cm = trial.user_attrs.get(attrs.CONFUSION_MATRIX)
    return None if cm is None else np.asarray(cm, dtype=np.int64)


def _load_npz(directory: str, artifact_id: str) -> dict[str, np.ndarray]:
    from harness.common import download

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "predictions.npz")
        download(directory, artifact_id, path)
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: np.asarray(npz[key]) for key in ("images", "masks", "preds")}
    if not arrays["images"].shape == arrays["masks"].shape == arrays["preds"].shape:
        raise ValueError("images, masks and preds differ in shape")
    return arrays
