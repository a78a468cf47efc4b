"""Opening the shared database safely.

The file is inspected through SQLite before anything may write to it (``sqlite_file``): a file
that is not a database, is damaged, or is some other program's database is refused and never
modified. Opening writes nothing: the journal mode stays the file's own, and the schema this app
adds is created by ``schema.ensure_schema`` only when a job is about to be written. Only a new
file (or an empty one) becomes a database here, and only when the caller asks to ``create`` it.
"""

from __future__ import annotations

import os
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from .models import database_proxy
from .schema import ensure_schema
from .sqlite_file import DatabaseOpenError, inspect_file

BUSY_TIMEOUT_MS = 5000
PRAGMAS = {  # per connection: none of these changes the file
    "busy_timeout": BUSY_TIMEOUT_MS,
    # Off for our connections: every row we write references rows read in the same transaction
    # (articles of the scope, a user checked each chunk, the job's own user), so the checks
    # could never fail, and they cost 40 % of marking read (two lookups per inserted row).
    # The web server's connections keep enforcing its constraints, cascades included.
    "foreign_keys": 0,
    "synchronous": "normal",
}

__all__ = ["BUSY_TIMEOUT_MS", "DatabaseOpenError", "connect", "data_version"]


def _not_writable(path: Path) -> str | None:
    """Why this user cannot write the database (SQLite's WAL also needs the folder), or None."""
    if not os.access(path, os.W_OK):
        return "the file is not writable by this user"
    if not os.access(path.parent, os.W_OK):
        return "its folder is not writable by this user (SQLite needs it for the WAL file)"
    return None


def _refuse_blank(path: Path, exists: bool) -> None:
    if not exists:
        raise DatabaseOpenError(path, "does not exist", missing=True)
    if path.stat().st_size == 0:
        raise DatabaseOpenError(path, "is an empty file, not a database", missing=True)
    raise DatabaseOpenError(path, "is an SQLite database with no tables, not an RSS reader's "
                                  "database", missing=True)


def connect(path, *, create: bool = False, allow_read_only: bool = False,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> SqliteDatabase:
    """Open an RSS reader's database for this thread's use and point the models at it.

    Raises DatabaseOpenError naming the file and the reason for anything that is not one: a
    missing, empty or table-less file (``missing`` set: it may be created), some other program's
    database (it lacks the server's tables), a damaged file. With ``create`` a missing, empty or
    table-less file becomes a new database (WAL, every table) instead. A file this user cannot
    write raises, or with ``allow_read_only`` opens read-only with ``read_only_reason`` set.
    """
    path = Path(path).expanduser()
    contents = inspect_file(path)
    if contents.is_blank:
        if not create:
            _refuse_blank(path, contents.exists)
        return _create(path, busy_timeout_ms)
    if contents.missing_server_tables:
        missing = ", ".join(contents.missing_server_tables)
        raise DatabaseOpenError(path, f"is not an RSS reader's database (it has no {missing} "
                                      "table); it was left untouched")
    read_only = _not_writable(path)
    if read_only and not allow_read_only:
        raise DatabaseOpenError(path, f"is read-only: {read_only}")
    pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
    if read_only:
        db = SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True, pragmas=pragmas,
                            timeout=busy_timeout_ms / 1000)
    else:
        db = SqliteDatabase(str(path), pragmas=pragmas, timeout=busy_timeout_ms / 1000)
    db.read_only_reason = (f"{path} is opened read-only ({read_only}): counts are shown, "
                           "jobs cannot run") if read_only else None
    _open(db, path)
    return db


def _open(db: SqliteDatabase, path: Path) -> None:
    try:
        db.connect(reuse_if_open=True)
        db.file_journal_mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0].lower()
    except DatabaseError as exc:
        db.close()
        raise DatabaseOpenError(path, f"cannot be used as a database ({exc})") from exc
    database_proxy.initialize(db)


def _create(path: Path, busy_timeout_ms: int) -> SqliteDatabase:
    """A new database at ``path`` (missing, empty or without tables): WAL and every table."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseOpenError(path, f"cannot be created ({exc.strerror})") from None
    db = SqliteDatabase(str(path), pragmas=dict(PRAGMAS, busy_timeout=busy_timeout_ms,
                                                journal_mode="wal"),
                        timeout=busy_timeout_ms / 1000)
    db.read_only_reason = None
    try:
        _open(db, path)
        ensure_schema(db)
    except DatabaseError as exc:
        db.close()
        raise DatabaseOpenError(path, f"cannot be created as a database ({exc})") from exc
    return db


def data_version() -> int:
    """Changes when another connection commits; cheap enough to poll."""
    return database_proxy.execute_sql("PRAGMA data_version").fetchone()[0]
