"""Low-level pieces the harness, studies and reports share: the names of the trial user
attributes, storage URL helpers and atomic output files (with `MarssegError` and `lazy_exports`
re-exported from the base, `marsseg_models`). Imports neither TensorFlow nor Optuna
(optuna is imported inside `open_storage`)."""

from marsseg_models import MarssegError, lazy_exports  # the base every package shares (ARCHITECTURE.md)

from harness.common import attrs
from harness.common._artifacts import artifact_store, download, has_artifact, upload
from harness.common._args import non_empty, non_negative_int, positive_float, positive_int
from harness.common._engines import KERAS_TUNER_METHODS
from harness.common._files import atomic_output, check_output_path, ensure_writable_dir
from harness.common._splits import MASKS, SCENES, SPLIT_GROUPS, check_split_groups, stored_split_groups
from harness.common._storage import (
    DEFAULT_JOURNAL,
    GRACE_PERIOD_S,
    HEARTBEAT_INTERVAL_S,
    check_storage_url,
    is_storage_error,
    load_existing_study,
    open_existing_storage,
    open_storage,
    redact_url,
    storage_kind,
)

__all__ = [
    "check_storage_url",
    "artifact_store",
    "download",
    "has_artifact",
    "upload",
    "DEFAULT_JOURNAL",
    "GRACE_PERIOD_S",
    "HEARTBEAT_INTERVAL_S",
    "KERAS_TUNER_METHODS",
    "MASKS",
    "SCENES",
    "SPLIT_GROUPS",
    "MarssegError",
    "atomic_output",
    "attrs",
    "check_split_groups",
    "check_output_path",
    "ensure_writable_dir",
    "is_storage_error",
    "lazy_exports",
    "non_empty",
    "non_negative_int",
    "load_existing_study",
    "open_existing_storage",
    "open_storage",
    "positive_float",
    "positive_int",
    "redact_url",
    "storage_kind",
    "stored_split_groups",
]
