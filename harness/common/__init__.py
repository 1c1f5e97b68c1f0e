"""Low-level pieces every marsseg package may import: the user-error type, the names of
the trial user attributes, storage URL helpers and atomic output files. Imports neither TensorFlow nor Optuna
(optuna is imported inside `open_storage`)."""

from harness.common import attrs
from harness.common._errors import MarssegError
from harness.common._files import atomic_output, check_output_path
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
    "atomic_output",
    "attrs",
    "check_output_path",
    "lazy_exports",
    "open_storage",
    "redact_url",
    "storage_kind",
]
