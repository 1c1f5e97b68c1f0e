"""Output and artifact folders: checked once, up front, so an unwritable one is a one-line error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness.common._errors import MarssegError


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
