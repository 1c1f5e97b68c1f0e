"""Artifact upload errors: logged on the trial, never fatal to it."""

from __future__ import annotations

import logging
from typing import Any

from harness.common.attrs import ARTIFACT_ERROR

_log = logging.getLogger("marsseg")


def record_artifact_error(trial: Any, exc: BaseException) -> str:
    """Record why saving a trial's artifacts failed (the trial keeps its value); returns the message."""
    message = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    trial.set_user_attr(ARTIFACT_ERROR, message)
    _log.warning("trial %d: artifacts not saved (%s); its value is kept", trial.number, message)
    return message
