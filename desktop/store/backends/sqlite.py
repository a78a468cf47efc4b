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
import shlex
import sqlite3
from pathlib import Path

import peewee
from peewee import DatabaseError, OperationalError, SqliteDatabase

from ...headstart.outside import file_identity, left_wal, wal_has_frames
from ..models import database_proxy
from ..sqlite_file import (
    OtherProcesses,
    check_file,
    foreign_program_present,
    inspect_file,
    on_read_only_file_system,
    read_only_uri,
    why_unreadable,
)
from .base import Backend, Connection, DatabaseOpenError, FirstErrorWins
from .spec_ddl import SQLITE_JOB_TABLE_DDL as JOB_TABLE_DDL
from .sqlite_check import check_before_writing
from .sqlite_record import RowidRecorder

PRAGMAS = {  # per connection: none of these changes the file
    # Off for our connections: every row we write references rows read in the same transaction
    # (articles of the scope, a user checked each chunk, the job's own user), so the checks
    # could never fail, and they cost 40 % of marking read (two lookups per inserted row).
    # The web server's connections keep enforcing its constraints, cascades included.
    "foreign_keys": 0,
    "synchronous": "normal",
}

FILE_FAILURES = ("malformed", "disk i/o error", "not a database", "unable to open database",
                 "no such table")
# SQLite's words for damaged storage (SQLITE_CORRUPT, SQLITE_NOTADB)
CORRUPTION_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
CORRUPTION_WORDS = ("malformed", "not a database")


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
    if on_read_only_file_system(path):
        return "it is on a read-only file system"
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
    temp_schema = "temp"  # never a real table of the file
    placeholder = "?"
    row_number_key = "INTEGER"  # INTEGER PRIMARY KEY: the rowid, one more than the last
    case_insensitive_like = "LIKE"  # already case-insensitive (for ASCII letters)

    def connect(self, target, *, create: bool, allow_read_only: bool, busy_timeout_ms: int):
        path = Path(target).expanduser()
        # Before any connection of ours: a WAL that no process holds is applied by the first
        # connection, and written into the file when the last one closes.
        recovers_wal = left_wal(path)
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
        # A WAL from another copy of the file is self-consistent, so SQLite applies it: it is
        # checked (the full check) through a read-only connection, which never checkpoints.
        damage = check_file(path, "integrity_check") if recovers_wal else None
        if damage:
            damage = self.damage_message(path, damage)
            if not allow_read_only:
                raise DatabaseOpenError(path, damage.removeprefix(f"{path} "))
            read_only = "damaged"
        pragmas = dict(PRAGMAS, busy_timeout=busy_timeout_ms)
        if read_only:
            db = ReaderSqliteDatabase(read_only_uri(path), uri=True, pragmas=pragmas,
                                      timeout=busy_timeout_ms / 1000)
        else:
            db = ReaderSqliteDatabase(str(path), pragmas=pragmas,
                                      timeout=busy_timeout_ms / 1000)
        read_only_reason = damage or (
            f"{path} is opened read-only ({read_only}): counts are shown, jobs cannot run"
            if read_only else None)
        return self._open(db, path, read_only_reason, damage)

    def _open(self, db: SqliteDatabase, path: Path, read_only_reason: str | None = None,
              damage: str | None = None) -> Connection:
        try:
            db.connect(reuse_if_open=True)
            mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0].lower()
        except DatabaseError as exc:
            db.close()
            if read_only_reason and "unable to open" in str(exc):
                raise DatabaseOpenError(path, why_unreadable(path)) from exc
            raise DatabaseOpenError(path, f"cannot be used as a database ({exc})") from exc
        # (mode: peewee's db.journal_mode would run the PRAGMA)
        note = None if mode == "wal" else (
            f"{path} uses a rollback journal ({mode}), not WAL: the web server's reads wait "
            "while a chunk commits, so chunks are kept short")
        database_proxy.initialize(db)
        return Connection(db, self, read_only_reason=read_only_reason, damage=damage,
                          journal_mode=mode, journal_note=note)

    def _create(self, path: Path, busy_timeout_ms: int) -> Connection:
        """A new database at ``path`` (missing, empty or without tables): WAL and every table."""
        from ..schema import ensure_schema

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseOpenError(path, f"cannot be created ({exc.strerror})") from None
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            raise DatabaseOpenError(path, "cannot be created: its folder is on a read-only "
                                          "file system")
        if not os.access(path.parent, os.W_OK):
            raise DatabaseOpenError(path, "cannot be created: its folder is not writable by "
                                          "this user")
        db = ReaderSqliteDatabase(str(path), pragmas=dict(PRAGMAS, busy_timeout=busy_timeout_ms,
                                                          journal_mode="wal"),
                                  timeout=busy_timeout_ms / 1000)
        try:
            opened = self._open(db, path)
            ensure_schema(self, db)
        except DatabaseError as exc:
            db.close()
            raise DatabaseOpenError(path, f"cannot be created as a database ({exc})") from exc
        return opened

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
        if self.is_corruption(exc) or code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return (f"{file} is damaged ({text}); nothing more is written to it: recover it "
                    "into a new file with sqlite3's .recover, or restore a backup")
        return None

    def file_identity(self, target) -> tuple[int, int] | None:
        return file_identity(Path(target).expanduser())

    def check_integrity(self, db, *, whole: bool = False) -> str | None:
        """``PRAGMA quick_check`` of what the engine reads and writes (every table but the
        article bodies: 0.14-0.4 s on the 1,000,000-article, 3.9 GB server file), or with
        ``whole`` of every page (2-4 s there; also when the free list holds pages): see
        sqlite_check.py. Neither compares each index with its table, which the full
        ``integrity_check`` does in 2-3x the time (done on open where a WAL was left,
        ``check_file``)."""
        return check_before_writing(db, whole=whole, is_corruption=self.is_corruption)

    def is_corruption(self, exc: BaseException) -> bool:
        original = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if getattr(original, "sqlite_errorcode", None) in CORRUPTION_CODES:
            return True
        text = str(exc).lower()
        return isinstance(exc, (sqlite3.DatabaseError, DatabaseError)) and any(
            words in text for words in CORRUPTION_WORDS)

    def empty_wal(self, db) -> None:
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # (nothing to do in a journal mode)

    def keep_unwritten(self, target):
        """The last connection to close checkpoints the WAL into the file; while a read-only
        one is open (SQLite's own: one lock set per file in the process), no other is the last,
        and a read-only connection never checkpoints."""
        path = Path(target).expanduser()
        if not wal_has_frames(path):  # nothing to checkpoint: the WAL goes as usual
            return None
        try:
            guard = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5,
                                    check_same_thread=False)  # closed on another thread
            guard.execute("SELECT count(*) FROM sqlite_master").fetchone()  # its lock taken
        except sqlite3.Error:
            return None
        return guard.close

    def damage_message(self, target, found: str) -> str:
        path = str(target)
        recovered = Path(path).with_name(Path(path).stem + "-recovered.db")
        return (f"{path} is damaged ({found}): nothing is written to it (reading it still "
                "works). To repair it, recover what SQLite can read into a new file: sqlite3 "
                f"{shlex.quote(path)} .recover | sqlite3 {shlex.quote(str(recovered))} — then "
                "use that file; or restore a backup")

    def is_target_failure(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, (sqlite3.DatabaseError, peewee.DatabaseError)) and any(
            failure in text for failure in FILE_FAILURES)

    def job_table_ddl(self) -> str:
        return JOB_TABLE_DDL

    def create_record_tables(self, db, models) -> None:
        db.create_tables(models, safe=True)  # WITHOUT ROWID: see models.py

    def chunk_recorder(self, db):
        return RowidRecorder(db)

    def other_programs(self, target):
        return OtherProcesses(target)

    def foreign_program_present(self, target) -> bool:
        return foreign_program_present(target)


SQLITE = SqliteBackend()
