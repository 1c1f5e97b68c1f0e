"""Low-level pieces every marsseg package may import: the user-error type, the names of
the trial user attributes, and storage URL helpers. Imports neither TensorFlow nor Optuna
(optuna is imported inside `open_storage`)."""

from harness.common import attrs
from harness.common._errors import MarssegError
from harness.common._lazy import lazy_exports
from harness.common._storage import (
    DEFAULT_JOURNAL,
    GRACE_PERIOD_S,
    HEARTBEAT_INTERVAL_S,
    open_storage,
    redact_url,
    storage_kind,
)

__all__ = [
    "DEFAULT_JOURNAL",
    "GRACE_PERIOD_S",
    "HEARTBEAT_INTERVAL_S",
    "MarssegError",
    "attrs",
    "lazy_exports",
    "open_storage",
    "redact_url",
    "storage_kind",
]
