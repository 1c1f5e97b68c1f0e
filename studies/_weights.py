"""A trial's weights file from the study's artifact store, with a clear error when it is missing."""

from __future__ import annotations

from pathlib import Path


def fetch_weights(artifact_dir: str, artifact_id: str, owner: str, dest_dir: str | Path) -> Path:
    """Copy artifact `artifact_id` of `artifact_dir` to `dest_dir` as a `.weights.h5` file; `owner`
    ("trial 3") names it in the one-line MarssegError raised when it is not there."""
    from harness.common import MarssegError, download, has_artifact

    if not has_artifact(artifact_dir, artifact_id):
        raise MarssegError(f"the weights of {owner} are missing: no artifact {artifact_id} in {artifact_dir} "
                           "(artifact store moved? pass --artifacts DIR)")
    path = Path(dest_dir) / f"{owner.replace(' ', '_')}.weights.h5"
    try:
        download(artifact_dir, artifact_id, path)
    except OSError as exc:
        raise MarssegError(f"cannot read the weights of {owner} (artifact {artifact_id} in {artifact_dir}): "
                           f"{type(exc).__name__}") from None
    return path
