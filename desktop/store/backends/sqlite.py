"""SQLite: the embedded default, one file shared with the web server.

The file is inspected through SQLite before anything may write to it (``sqlite_file``): a file
that is not a database, is damaged, or is some other program's database is refused and never
modified. Opening writes nothing: the journal mode stays the file's own, and the schema this app
adds is created only when a job is about to be written. Only a new file (or an empty one)
becomes a database here, and only when the caller asks to ``create`` it.

SQLite has one writer at a time: a write transaction takes the lock at once (IMMEDIATE), other
programs' commits show in ``PRAGMA data_version``, and a job paces its chunks so that writers
waiting in SQLite's busy handler get in (jobs/pacing.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import peewee
from peewee import DatabaseError, OperationalError, SqliteDatabase

from .. import undo_record
from ..models import database_proxy
from ..sqlite_file import OtherProcesses, inspect_file
from .base import Backend, DatabaseOpenError, FirstErrorWins

PRAGMAS = {  # per connection: none of these changes the file
    # Off for our connections: every row we write references rows read in the same transaction
    # (articles of the scope, a user checked each chunk, the job's own user), so the checks
    # could never fail, and they cost 40 % of marking read (two lookups per inserted row).
    # The web server's connections keep enforcing its constraints, cascades included.
    "foreign_keys": 0,
    "synchronous": "normal",
}

# The web server spec's DDL, verbatim: it is the contract between the two programs.
JOB_TABLE_DDL = """
CREATE TABLE bulk_operation_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_type VARCHAR(50) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    user_id INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    progress INTEGER DEFAULT 0,
    total INTEGER DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    error_message TEXT,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
"""

FILE_FAILURES = ("malformed", "disk i/o error", "not a database", "unable to open database",
                 "no such table")


class ReaderSqliteDatabase(FirstErrorWins, SqliteDatabase):
    """SqliteDatabase whose failed ROLLBACK never hides the error that caused it (see
    FirstErrorWins: after a full disk or an I/O error SQLite has often rolled back already)."""

    def left_in_transaction(self) -> bool:
        conn = self._state.conn
        return conn is not None and conn.in_transaction


def sqlite_error_name(exc: BaseException | None) -> str:
    """SQLite's (extended) error name of an error, through peewee's wrapping, or ""."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        name = getattr(exc, "sqlite_errorname", None)
        if name:
            return name
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
    return ""


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


class SqliteBackend(Backend):
    name = "sqlite"
    index_carries_primary_key = True  # id INTEGER PRIMARY KEY is the rowid, in every index
    paces_writers = True

    def connect(self, target, *, create: bool, allow_read_only: bool, busy_timeout_ms: int):
        path = Path(target).expanduser()
        contents = inspect_file(path)
        if contents.is_blank:
            if not create:
                _refuse_blank(path, contents.exists)
            return self._create(path, busy_timeout_ms)
        if contents.missing_server_tables:
            missing = ", ".join(contents.missing_server_tables)
            raise DatabaseOpenError(path, f"is not an RSS reader's database (it has no {missing} "
                                          "table); it was left untouched")
        read_only = _not_writable(path)
        if read_only and not allow_read_only:
            raise DatabaseOpenError(path, f"is read-only: {read_only}")
        pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
        if read_only:
            db = ReaderSqliteDatabase(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                      pragmas=pragmas, timeout=busy_timeout_ms / 1000)
        else:
            db = ReaderSqliteDatabase(str(path), pragmas=pragmas,
                                      timeout=busy_timeout_ms / 1000)
        db.read_only_reason = (f"{path} is opened read-only ({read_only}): counts are shown, "
                               "jobs cannot run") if read_only else None
        self._open(db, path)
        return db

    def _open(self, db: SqliteDatabase, path: Path) -> None:
        db.backend = self
        try:
            db.connect(reuse_if_open=True)
            mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0].lower()
        except DatabaseError as exc:
            db.close()
            raise DatabaseOpenError(path, f"cannot be used as a database ({exc})") from exc
        db.file_journal_mode = mode  # (peewee's db.journal_mode would run the PRAGMA)
        db.journal_note = None if mode == "wal" else (
            f"{path} uses a rollback journal ({mode}), not WAL: the web server's reads wait "
            "while a chunk commits, so chunks are kept short")
        database_proxy.initialize(db)

    def _create(self, path: Path, busy_timeout_ms: int) -> SqliteDatabase:
        """A new database at ``path`` (missing, empty or without tables): WAL and every table."""
        from ..schema import ensure_schema

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseOpenError(path, f"cannot be created ({exc.strerror})") from None
        db = ReaderSqliteDatabase(str(path), pragmas=dict(PRAGMAS, busy_timeout=busy_timeout_ms,
                                                          journal_mode="wal"),
                                  timeout=busy_timeout_ms / 1000)
        db.read_only_reason = None
        try:
            self._open(db, path)
            ensure_schema(db)
        except DatabaseError as exc:
            db.close()
            raise DatabaseOpenError(path, f"cannot be created as a database ({exc})") from exc
        return db

    def write_transaction(self, db):
        return db.atomic("IMMEDIATE")

    def read_snapshot(self, db):
        # A deferred transaction: its snapshot (WAL) or shared lock starts at the first read.
        return db.atomic()

    def changes_seen(self, db) -> int:
        return db.execute_sql("PRAGMA data_version").fetchone()[0]

    def is_retryable(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)

    def failure_message(self, exc: BaseException, target=None) -> str | None:
        text = str(exc)
        lower, code = text.lower(), sqlite_error_name(exc)
        file = str(target) if target else "the database file"
        if code.startswith("SQLITE_FULL") or "disk is full" in lower:
            return (f"the disk is full: {file} cannot grow ({text}); the work done so far is "
                    "kept: retry the job once there is space")
        if code == "SQLITE_READONLY_DBMOVED":
            return (f"{file} was moved, removed or replaced while in use ({text}); nothing "
                    "more was written to it: the work done before is in the file that was "
                    "there")
        if code.startswith("SQLITE_READONLY") or "readonly database" in lower:
            return (f"{file} cannot be written any more ({text}): the file or its file system "
                    "became read-only; the work done so far is kept: retry the job once it is "
                    "writable")
        if code.startswith("SQLITE_IOERR") or "i/o error" in lower:
            return f"the disk reported an error on {file} ({text}); the work done so far is kept"
        if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in lower:
            return (f"{file} is damaged, or was replaced while in use ({text}): stop using it "
                    "and check it (PRAGMA integrity_check) before anything writes to it again")
        return None

    def is_target_failure(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, (sqlite3.DatabaseError, peewee.DatabaseError)) and any(
            failure in text for failure in FILE_FAILURES)

    def job_table_ddl(self) -> str:
        return JOB_TABLE_DDL

    def create_record_tables(self, db, models) -> None:
        db.create_tables(models, safe=True)  # WITHOUT ROWID: see models.py

    def chunk_recorder(self, db):
        return undo_record.RowidRecorder(db)

    def other_programs(self, target):
        return OtherProcesses(target)


SQLITE = SqliteBackend()
