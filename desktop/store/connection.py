"""Opening the shared database file safely.

The file is checked before SQLite touches it: a file that is not a database, or is truncated,
must never be modified (setting WAL mode alone would write to it).
"""

from __future__ import annotations

import os
from pathlib import Path

from peewee import DatabaseError, SqliteDatabase

from .models import database_proxy
from .schema import ensure_schema

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": BUSY_TIMEOUT_MS,
    "foreign_keys": 1,
    "synchronous": "normal",
}


class DatabaseOpenError(Exception):
    """The file cannot be used as the shared database; the message names it and says why."""

    def __init__(self, path, reason: str, *, missing: bool = False):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
        self.missing = missing  # the GUI offers to create a new database there


def check_database_file(path: Path, *, create: bool = False) -> None:
    """Raise DatabaseOpenError unless ``path`` is a readable SQLite file (or may be created)."""
    if path.is_dir():
        raise DatabaseOpenError(path, "is a directory, not a database file")
    if not path.exists():
        if create:
            return
        raise DatabaseOpenError(path, "does not exist", missing=True)
    size = path.stat().st_size
    if size == 0:
        if create:
            return
        raise DatabaseOpenError(path, "is an empty file, not a database", missing=True)
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise DatabaseOpenError(path, f"cannot be read ({exc.strerror})") from exc
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise DatabaseOpenError(path, "is not an SQLite database")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    change_counter = header[24:28]
    valid_for = header[92:96]
    if page_size < 512 or size % page_size:
        raise DatabaseOpenError(path, f"is truncated ({size} bytes is not a whole number of "
                                      f"{page_size}-byte pages)")
    wal = path.with_name(path.name + "-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0  # SQLite completes the file from it
    if (page_count and change_counter == valid_for and size < page_count * page_size
            and not wal_pending):
        raise DatabaseOpenError(path, f"is truncated ({size} of {page_count * page_size} bytes)")


def _not_writable(path: Path) -> str | None:
    """Why this user cannot write the database (SQLite's WAL also needs the folder), or None."""
    if not os.access(path, os.W_OK):
        return "the file is not writable by this user"
    if not os.access(path.parent, os.W_OK):
        return "its folder is not writable by this user (SQLite needs it for the WAL file)"
    return None


def connect(path, *, create: bool = False, prepare_schema: bool = True,
            allow_read_only: bool = False,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> SqliteDatabase:
    """Open the shared database for this thread's use and point the models at it.

    With ``create`` a missing file becomes a new database with the whole schema. A file this
    user cannot write raises DatabaseOpenError, or with ``allow_read_only`` opens read-only,
    untouched, with ``read_only_reason`` set on the returned database. Raises
    DatabaseOpenError with a specific reason for anything that is not a usable database.
    """
    path = Path(path).expanduser()
    check_database_file(path, create=create)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    read_only = None if create and not path.exists() else _not_writable(path)
    if read_only and not allow_read_only:
        raise DatabaseOpenError(path, f"is read-only: {read_only}")
    pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
    if read_only:
        pragmas.pop("journal_mode")
        db = SqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True, pragmas=pragmas,
                            timeout=busy_timeout_ms / 1000)
        db.read_only_reason = (f"{path} is opened read-only ({read_only}): counts are shown, "
                               "jobs cannot run")
    else:
        db = SqliteDatabase(str(path), pragmas=pragmas, timeout=busy_timeout_ms / 1000)
        db.read_only_reason = None
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
        database_proxy.initialize(db)
        if prepare_schema and not read_only:
            ensure_schema(db)
    except DatabaseError as exc:
        db.close()
        raise DatabaseOpenError(path, f"cannot be used as a database ({exc})") from exc
    return db


def data_version() -> int:
    """Changes when another connection commits; cheap enough to poll."""
    return database_proxy.execute_sql("PRAGMA data_version").fetchone()[0]
