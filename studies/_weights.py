"""A trial's weights file from the study's artifact store, with a clear error when it is missing."""

from __future__ import annotations

from pathlib import Path


def fetch_weights(artifact_dir: str, artifact_id: str, owner: str, dest_dir: str | Path) -> Path:
    """Copy artifact `artifact_id` of `artifact_dir` to `dest_dir` as a `.weights.h5` file; `owner`
    ("trial 3") names it in the one-line MarssegError raised when the file is not there."""
    from optuna.artifacts import FileSystemArtifactStore, download_artifact

    from harness.common import MarssegError

    source = Path(artifact_dir) / artifact_id
    if not source.is_file():
        raise MarssegError(f"the weights of {owner} are missing: no file {source} (artifact store moved? "
                           "pass --artifacts DIR)")
    path = Path(dest_dir) / f"{owner.replace(' ', '_')}.weights.h5"
    try:
        download_artifact(artifact_store=FileSystemArtifactStore(artifact_dir), artifact_id=artifact_id,
                          file_path=str(path))
    except OSError as exc:
        raise MarssegError(f"cannot read the weights of {owner} from {source}: {type(exc).__name__}") from None
    return path
