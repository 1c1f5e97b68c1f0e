"""Open an existing study for reading, through `studies.open_storage`.

Storage URLs (journal file path, `postgresql://`, `mysql://`, `sqlite:///`, `redis://`) are
resolved by the studies package, so every command reads them the same way; this module adds
only what reading needs: a missing journal file or study is a user error, never created.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.common import MarssegError


def open_storage(url: str) -> Any:
    """The storage at `url`, without heartbeats (the report only reads)."""
    from harness.common import open_storage as studies_open
    from harness.common import storage_kind

    if storage_kind(url) == "journal" and not Path(url).is_file():
        raise MarssegError(f"journal file {url} does not exist")
    return studies_open(url, heartbeat=False)


def load_study(name: str, url: str) -> Any:
    """Load study `name`; a missing study is a user error that lists the stored names."""
    import optuna

    from harness.common import redact_url

    storage = open_storage(url)
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = sorted(optuna.get_all_study_names(storage))
        raise MarssegError(
            f"no study named {name!r} in {redact_url(url)}; stored studies: {names or 'none'}"
        ) from None
