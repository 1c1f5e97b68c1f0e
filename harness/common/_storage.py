"""Storage URLs: kinds, redaction, and Optuna storages for them (journal file, PostgreSQL/MySQL, Redis)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from marsseg_models import MarssegError

DEFAULT_JOURNAL = "marsseg.journal"
HEARTBEAT_INTERVAL_S = 30
GRACE_PERIOD_S = 120
_RDB_SCHEMES = ("postgresql", "postgres", "mysql", "sqlite")
_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*):[^@/\s]*@")


def redact_url(url: str) -> str:
    """`url` with any password replaced by `***`: the only form of a URL we ever print."""
    return _PASSWORD.sub(r"\g<head>:***@", str(url))


def storage_kind(url: str) -> str:
    """`journal` (a file path), `rdb`, `sqlite` or `redis`."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if not scheme:
        return "journal"
    if scheme == "sqlite":
        return "sqlite"
    if scheme in _RDB_SCHEMES:
        return "rdb"
    if scheme in ("redis", "rediss"):
        return "redis"
    raise MarssegError(f"unknown storage scheme {scheme!r} in {redact_url(url)}; use a journal file path, "
                       "postgresql://, mysql://, redis:// (or sqlite:/// for one worker)")


def _with_driver(url: str) -> str:
    """`postgresql://` -> `postgresql+psycopg://`: we ship psycopg 3, not SQLAlchemy's older default psycopg2."""
    return re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", url)


_STORAGE_ERROR_MODULES = ("sqlalchemy", "psycopg", "psycopg2", "pymysql", "MySQLdb", "redis")


def is_storage_error(exc: BaseException) -> bool:
    """Whether `exc` comes from the storage (database, Redis, journal file I/O), not from the trial."""
    from optuna.exceptions import StorageInternalError

    if isinstance(exc, (StorageInternalError, OSError)):
        return True
    return any(cls.__module__.split(".", 1)[0] in _STORAGE_ERROR_MODULES for cls in type(exc).__mro__)


def check_storage_url(url: str) -> str:
    """The storage's kind (`storage_kind`), after checking what can be checked without opening it:
    a journal file's folder must exist (a MarssegError otherwise)."""
    kind = storage_kind(url)
    parent = Path(url).parent
    if kind == "journal" and parent != Path("") and not parent.is_dir():
        raise MarssegError(f"journal directory {parent} does not exist")
    return kind


def open_storage(url: str, *, heartbeat: tuple[int, int] | bool | None = None) -> Any:
    """An Optuna storage for `url` (see `storage_kind`); errors never show the password.

    heartbeat: (interval, grace period) in seconds for RDB storages, whose workers then record
    Optuna's heartbeat (`studies` detects stale trials and retries them); None or False for readers.
    """
    import warnings

    from optuna.exceptions import ExperimentalWarning
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend, JournalRedisBackend

    kind = storage_kind(url)
    try:
        if kind in ("rdb", "sqlite"):
            interval, grace = heartbeat if isinstance(heartbeat, tuple) and kind == "rdb" else (None, None)
            with warnings.catch_warnings():  # Optuna labels heartbeats experimental: keep that out of users' logs
                warnings.simplefilter("ignore", ExperimentalWarning)
                return RDBStorage(_with_driver(url), engine_kwargs={"pool_pre_ping": True} if kind == "rdb" else None,
                                  heartbeat_interval=interval, grace_period=grace)
        if kind == "redis":
            backend = JournalRedisBackend(url)
            backend._redis.ping()  # fail now, with a clear message, not at the first write
            return JournalStorage(backend)
        check_storage_url(url)
        return JournalStorage(JournalFileBackend(url))
    except MarssegError:
        raise
    except Exception as exc:  # driver messages may echo the URL: keep only the type
        raise MarssegError(f"cannot open storage {redact_url(url)}: {type(exc).__name__}") from None


def open_existing_storage(url: str, *, heartbeat: tuple[int, int] | bool | None = None) -> Any:
    """`open_storage` for a study that must exist already: a missing journal file is a user
    error (it is never created empty)."""
    if storage_kind(url) == "journal" and not Path(url).is_file():
        raise MarssegError(f"journal file {url} does not exist; create the study with `marsseg search`")
    return open_storage(url, heartbeat=heartbeat)


def load_existing_study(name: str, url: str, storage: Any = None) -> Any:
    """The stored study `name` (from `storage`, else a reader of `url`); a user error listing
    the stored studies when there is none."""
    import optuna

    storage = open_existing_storage(url) if storage is None else storage
    try:
        return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = sorted(optuna.get_all_study_names(storage))
        raise MarssegError(f"no study named {name!r} in {redact_url(url)}; "
                           f"stored studies: {', '.join(names) if names else 'none'}") from None
