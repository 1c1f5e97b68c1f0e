"""Storage URLs: kinds, redaction, and Optuna storages for them (journal file, PostgreSQL/MySQL, Redis)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.common._errors import MarssegError

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


def open_storage(url: str, *, heartbeat: bool = True) -> Any:
    """An Optuna storage for `url` (see `storage_kind`); errors never show the password.

    RDB storages get heartbeats: a trial whose worker stops beating for GRACE_PERIOD_S is
    failed and retried once (RetryHeartbeatStaleTrialCallback, optuna >= 4.9) by the next worker that starts a trial.
    """
    import warnings

    from optuna.exceptions import ExperimentalWarning
    from optuna.storages import JournalStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
    from optuna.storages.journal import JournalFileBackend, JournalRedisBackend

    kind = storage_kind(url)
    try:
        if kind in ("rdb", "sqlite"):
            beat = heartbeat and kind == "rdb"
            with warnings.catch_warnings():  # Optuna labels heartbeats experimental: keep that out of users' logs
                warnings.simplefilter("ignore", ExperimentalWarning)
                return RDBStorage(
                    _with_driver(url), engine_kwargs={"pool_pre_ping": True} if kind == "rdb" else None,
                    heartbeat_interval=HEARTBEAT_INTERVAL_S if beat else None,
                    grace_period=GRACE_PERIOD_S if beat else None,
                    heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1) if beat else None,
                )
        if kind == "redis":
            backend = JournalRedisBackend(url)
            backend._redis.ping()  # fail now, with a clear message, not at the first write
            return JournalStorage(backend)
        path = Path(url)
        if path.parent != Path("") and not path.parent.is_dir():
            raise MarssegError(f"journal directory {path.parent} does not exist")
        return JournalStorage(JournalFileBackend(str(path)))
    except MarssegError:
        raise
    except Exception as exc:  # driver messages may echo the URL: keep only the type
        raise MarssegError(f"cannot open storage {redact_url(url)}: {type(exc).__name__}") from None
