"""A study's artifact store (trial weights, prediction previews, refits): one home for its type
and its layout. Writers and readers go through these functions, never through Optuna's store
or a path of their own; Optuna is imported inside them."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def artifact_store(folder: str | Path) -> Any:
    """Optuna's filesystem artifact store in `folder` (what `optuna-dashboard` browses too)."""
    from optuna.artifacts import FileSystemArtifactStore

    return FileSystemArtifactStore(str(folder))


def upload(folder: str | Path, file_path: str | Path, owner: Any) -> str:
    """Store the file as an artifact of `owner` (a trial or a study), creating `folder`; its id."""
    from optuna.artifacts import upload_artifact

    Path(folder).mkdir(parents=True, exist_ok=True)
    return upload_artifact(artifact_store=artifact_store(folder), file_path=str(file_path), study_or_trial=owner)


def download(folder: str | Path, artifact_id: str, file_path: str | Path) -> None:
    """Copy artifact `artifact_id` of the store in `folder` to `file_path`."""
    from optuna.artifacts import download_artifact

    download_artifact(artifact_store=artifact_store(folder), artifact_id=artifact_id, file_path=str(file_path))


def has_artifact(folder: str | Path, artifact_id: str) -> bool:
    """Whether the store in `folder` holds `artifact_id` (False where the folder is absent)."""
    from optuna.artifacts.exceptions import ArtifactNotFound

    if not Path(folder).is_dir():
        return False
    try:
        with artifact_store(folder).open_reader(artifact_id):
            return True
    except ArtifactNotFound:
        return False
