"""Opening the shared database, whatever its kind: a path is an SQLite file, a
``postgresql://`` URL a server (backends/). Opening writes nothing; the schema this app adds is
created by ``schema.ensure_schema`` only when a job is about to be written."""

from __future__ import annotations

from .backends import backend_for, current, is_server_url
from .backends.base import DatabaseOpenError

BUSY_TIMEOUT_MS = 5000

__all__ = ["BUSY_TIMEOUT_MS", "DatabaseOpenError", "connect", "data_version", "is_server_url",
           "is_target_failure", "read_snapshot", "shown_name", "use_password_for_session"]


def connect(target, *, create: bool = False, allow_read_only: bool = False,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS):
    """Open an RSS reader's database for this thread's use and point the models at it.

    Raises DatabaseOpenError naming the target and the reason for anything that is not one:
    missing, empty or without tables (``missing`` set: it may be created), some other program's
    database (it lacks the server's tables), damaged, unreachable. With ``create`` a missing,
    empty or table-less target becomes a new database instead. A target this user cannot write
    raises, or with ``allow_read_only`` opens read-only with ``read_only_reason`` set.
    """
    return backend_for(target).connect(target, create=create, allow_read_only=allow_read_only,
                                       busy_timeout_ms=busy_timeout_ms)


def data_version() -> int:
    """Moves when another connection commits; cheap enough to poll."""
    from .models import database_proxy

    return current().changes_seen(database_proxy.obj)


def is_target_failure(exc: BaseException) -> bool:
    """Whether an error means the database itself is broken or gone (as opposed to a lock, a
    full disk or a bad request): the face should stop using it, not retry."""
    from .backends.postgres import POSTGRES
    from .backends.sqlite import SQLITE

    return SQLITE.is_target_failure(exc) or POSTGRES.is_target_failure(exc)


def read_snapshot():
    """A read transaction of this thread's database whose statements all see one snapshot."""
    from .models import database_proxy

    return current().read_snapshot(database_proxy.obj)


def shown_name(target) -> str:
    """A target as a person sees it (titles, messages, lists): a file's path, or a server's URL
    without a password or connection options."""
    if is_server_url(target):
        from .backends.postgres import describe

        return describe(str(target))
    return str(target)


def use_password_for_session(url: str, password: str | None) -> None:
    """Connect to the server ``url`` with ``password`` from now on, in this process only (None:
    forget it; libpq's PGPASSWORD and ~/.pgpass apply). It is never written anywhere."""
    from .backends.postgres import set_session_password

    set_session_password(url, password)
