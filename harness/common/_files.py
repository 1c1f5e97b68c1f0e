"""Atomic output files: write to a temporary file beside the target, rename on success."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from marsseg_models import MarssegError


def check_output_path(path: str | os.PathLike, suffixes: tuple[str, ...] = ()) -> Path:
    """`path` as a Path, or a MarssegError when its folder does not exist or its suffix is not one of `suffixes`."""
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise MarssegError(f"{path}: output must end in {' or '.join(suffixes)}")
    if not path.parent.is_dir():
        raise MarssegError(f"{path}: folder {path.parent} does not exist")
    return path


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on a clean exit it replaces `path`, on any
    exception it is deleted, so a failure never leaves a half-written file."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.part"
    tmp.open("xb").close()  # created like any new file (the umask's permissions), never over another
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable_dir(path: str | Path, what: str, hint: str = "") -> Path:
    """Create `path` if needed and check that a file can be written there; MarssegError otherwise."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".marsseg-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise MarssegError(f"{what} {folder} is not writable ({reason})" + (f"; {hint}" if hint else "")) from None
    return folder
