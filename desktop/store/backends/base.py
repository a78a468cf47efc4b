"""What a backend provides (see the package's docstring). SQLite's and PostgreSQL's modules each
define one instance; ``connect`` returns a Connection, what an opened database carries. The
store's functions are handed the backend (by the engine's parts, which keep the Connection's);
none looks it up."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

class DatabaseOpenError(Exception):
    """The target cannot be used as the shared database; the message names it and says why."""

    def __init__(self, target, reason: str, *, missing: bool = False,
                 login_refused: bool = False):
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.path = Path(target) if not str(target).lower().startswith("postgres") else None
        self.reason = reason
        self.missing = missing  # the GUI offers to create a new database there
        # the server asked for a password and got none or a wrong one: the GUI asks for one
        self.login_refused = login_refused


class FirstErrorWins:
    """A peewee Database mixin: a ROLLBACK that fails while the error that caused it is being
    handled never replaces that error.

    SQLite rolls a transaction back by itself after some errors (a full disk, an I/O error: a
    statement without a statement journal, or a COMMIT, that fails half-way); peewee's own
    ROLLBACK then fails with "cannot rollback - no transaction is active", and that line would
    be all anyone saw. A server's connection that is gone fails its ROLLBACK too. Both are
    expected: the first error is what happened, so it is the one raised (peewee rolls back
    from its transaction's ``__exit__``, and from an ``except`` around a failed COMMIT: either
    way that error is the one being handled). A connection that may still be inside the
    transaction after all is closed, so that the next one starts clean.
    """

    def rollback(self):
        cause = sys.exc_info()[1]
        try:
            super().rollback()
        except Exception as failed:
            if cause is None:
                raise
            log.debug("ROLLBACK after %r failed too, as expected: %s", cause, failed)
            if self.left_in_transaction():
                self.drop_connection()

    def left_in_transaction(self) -> bool:
        """Whether this thread's connection may still be inside a transaction."""
        return True

    def drop_connection(self) -> None:
        try:
            self.close()
        except Exception:  # a connection that is gone may fail to close: forget it
            self._state.reset()


@dataclass(frozen=True)
class Connection:
    """A database opened for this thread's use (the models' proxy points at ``db``), and what
    opening it found."""

    db: object  # the peewee Database
    backend: Backend
    read_only_reason: str | None = None  # why nothing can be written (None: it can)
    damage: str | None = None  # found damaged on open (a WAL was left): the one message
    journal_mode: str | None = None  # an SQLite file's journal mode, as found
    journal_note: str | None = None  # a cost of the target's set-up worth saying once


class Backend:
    name = "?"
    # Whether an index on (a) also serves one on (a, id): true where id is the table's rowid.
    index_carries_primary_key = False
    # Whether the engine must pace its chunks so other writers get the database-wide lock.
    paces_writers = False
    # The dialect of the statements the store writes as text (the article list's):
    temp_schema = "?"  # the schema that names this connection's own TEMP tables
    placeholder = "?"  # a bound value's mark
    row_number_key = "?"  # a primary key numbering rows in the order they are inserted
    case_insensitive_like = "?"  # the operator of a case-insensitive LIKE

    def connect(self, target, *, create: bool, allow_read_only: bool, busy_timeout_ms: int):
        """A Connection: a connected peewee Database for this thread, this backend and what
        opening it found. Raises DatabaseOpenError naming the target and the
        reason."""
        raise NotImplementedError

    def write_transaction(self, db):
        """A context manager: one write transaction. Correctness never depends on it locking
        more than the rows it touches (state changes are guarded updates); on SQLite it takes
        the write lock at once, so a chunk never fails half-way on a lock."""
        raise NotImplementedError

    def read_snapshot(self, db):
        """A context manager: one read transaction whose statements all see the same snapshot
        of the database, taken at its first statement (what the window's counts and the jobs'
        progress are read in together)."""
        raise NotImplementedError

    def for_update(self, query):
        """``query`` locking the rows it reads until the transaction ends, where the database
        locks rows (SQLite's write transaction already excludes every other writer)."""
        return query

    def changes_seen(self, db) -> int:
        """A number that moves when another connection commits (for pacing and the window's
        reloads); constant where the backend cannot tell cheaply."""
        raise NotImplementedError

    def is_retryable(self, exc: BaseException) -> bool:
        """A lock or serialization conflict: the same work retried later can succeed."""
        raise NotImplementedError

    def failure_message(self, exc: BaseException, target=None) -> str | None:
        """One readable line for an error that ends a job or a command (disk full, connection
        lost, read-only, no privilege...), naming ``target`` (as a person sees it) where that
        helps, or None for an error it does not recognise."""
        return None

    def after_error(self, exc: BaseException) -> None:
        """On the database thread, after a retryable error: make the next try possible (a
        lost connection is closed, so that the next statement connects again)."""

    def is_target_failure(self, exc: BaseException) -> bool:
        """Whether the database itself is broken or gone: the face should stop using it."""
        raise NotImplementedError

    def file_identity(self, target) -> tuple[int, int] | None:
        """What ``target`` names now, to tell later that it names something else: a file's
        (device, inode), None when no file is there; None always where the target is not a
        file (a server)."""
        return None

    def check_integrity(self, db, *, whole: bool = False) -> str | None:
        """On the database thread: what the database's own check finds wrong (its first
        findings, one line), or None when it finds nothing (always, where the server guards
        its own storage). Of what the engine reads and writes, or with ``whole`` of all."""
        return None

    def is_corruption(self, exc: BaseException) -> bool:
        """Whether an error reports damaged storage (the database must not be written)."""
        return False

    def empty_wal(self, db) -> None:
        """On the database thread, where the database has a log named after its path: move
        what it holds into the database this connection has open, and empty it."""

    def keep_unwritten(self, target):
        """Before the engine's connections to a damaged database close: whatever keeps their
        closing from writing to it; returns a function that ends it (or None)."""
        return None

    def damage_message(self, target, found: str) -> str:
        """The one message for a damaged database: what was found, what to do."""
        return f"{target} is damaged ({found}); nothing is written to it"

    def job_table_ddl(self) -> str:
        """The spec's ``bulk_operation_jobs`` DDL in this database's dialect."""
        raise NotImplementedError

    def record_models(self) -> tuple:
        """The tables of our undo record on this backend (what a job's cleanup deletes from)."""
        from ..models import BulkJobChange, BulkJobSpan

        return (BulkJobChange, BulkJobSpan)

    def create_record_tables(self, db, models) -> None:
        """Create our undo-record tables (``models``) that are missing."""
        raise NotImplementedError

    def after_explicit_ids(self, db, table: str) -> None:
        """After rows were inserted into ``table`` with ids of their own (the sample data's
        articles): make the ids the database generates next follow them (nothing where the
        next id is max(id) + 1 anyway, as SQLite's rowid)."""

    def schema_transaction(self, db):
        """The transaction that creates missing schema, excluding another process doing it."""
        return self.write_transaction(db)

    def chunk_recorder(self, db):
        """The object that keeps a mark-read chunk's undo record (see undo_record.py)."""
        raise NotImplementedError

    def other_programs(self, target):
        """An object whose ``present()`` says whether another program may be waiting to write
        (used only where ``paces_writers``)."""
        raise NotImplementedError

    def foreign_program_present(self, target) -> bool:
        """Whether a program other than this app's engines (the web server among them) may have
        the database open now; False only where the database proves that none has. On the
        engine's read thread."""
        return True

    def announce_chunk(self, db, job_id: int, owner: str) -> None:
        """Inside a chunk's transaction: tell listeners, at commit, that ``owner``'s job moved
        (nothing where the backend has no such channel: they poll changes_seen)."""

    def listen(self, target, on_notice):
        """Call ``on_notice(job_id, owner)`` (on a thread of its own) whenever a chunk commits;
        returns a ``stop()`` function, or None where the backend cannot push (the faces poll
        ``changes_seen`` then)."""
        return None

    def hold_liveness(self, db, owner: str) -> None:
        """On the engine's database thread after connecting: make ``owner``'s liveness visible
        to other processes, where the database can carry it (nothing on SQLite: the owner id
        names a process of this host, which the OS answers for)."""

    def owners_alive(self, owners) -> dict[str, bool] | None:
        """{owner: alive} for the given owner ids, asked of the database; None where the
        database cannot tell (leases.py then judges by the owner id)."""
        return None
