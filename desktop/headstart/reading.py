"""One read of a database file ahead of the engine (tree.py, check.py): on a thread and a
read-only connection of its own, in one snapshot; then, asked once (``confirm()``), whether
the file is still as it was read.

"Still as read": the path names the same file (device, inode) and nothing was committed since.
On a ``mode=ro`` connection SQLite says so exactly: ``PRAGMA data_version`` is unchanged.
SQLite creates a ``-wal`` and ``-shm`` for a read-only connection to a WAL-mode file that has
none: a file with nothing beside it is opened ``mode=ro`` only if it has a reader's tables
(looked at ``immutable=1`` first), as the engine opening it next creates them too. A subclass
may read such a file ``immutable=1`` instead, so that a command refused later (bad arguments)
leaves nothing beside a file it never wrote. Such
a connection sees no commit, so then the file must keep its (size, mtime) and nothing may have
been written beside it: weaker (a commit within the clock tick of the read can pass unseen),
so only for a read whose user accepts that (the check: see check.py).

A ``-wal`` with frames that no process holds is never opened: the engine checks such a WAL
before it opens anything (outside.left_wal), which our connection, holding the ``-shm`` lock,
would hide from it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

from .outside import file_identity, file_stamp, holds_nothing_beside, left_wal, written_beside

CONFIRM_SECONDS = 120.0  # a read nobody asked about by then is closed unused
# The web server's tables: a database without them is some other program's.
SERVER_TABLES = ("users", "categories", "feeds", "articles", "read_status")


def is_readers_file(path: Path) -> bool:
    """Whether the file at ``path``, complete in itself (nothing beside it), has an RSS
    reader's tables: looked at ``immutable=1``, which creates nothing beside it."""
    try:
        uri = f"{path.as_uri()}?immutable=1"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as probe:
            tables = {name for (name,) in probe.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    return tables.issuperset(SERVER_TABLES)


class ReadAhead:
    """``start()``, then ``confirm()`` once, or ``close()`` (always safe to call). ``result``
    (a concurrent Future) holds what ``_read`` returned, or None where nothing was read."""

    thread_name = "rss-desktop-read-ahead"
    immutable_when_alone = False  # read a file with nothing beside it immutable=1 (see above)

    def __init__(self, path):
        self.path = Path(path).expanduser().absolute()
        self.result: Future = Future()
        self._confirm: Future | None = None
        self._asked = threading.Event()
        self._connection: sqlite3.Connection | None = None
        self._as_read: tuple | None = None  # (identity, stamp if read immutable, data_version)
        self._closing = False
        self._finished = False  # the thread has closed its connection
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def confirm(self) -> Future:
        """A Future: True when the file is still as read (see the module), checked on the
        thread, which then closes; False once closed, or where nothing was read."""
        with self._lock:
            if self._confirm is None:
                self._confirm = Future()
                if self._finished:
                    self._confirm.set_result(False)
                self._asked.set()
            return self._confirm

    def close(self) -> None:
        """Stop (a statement running is interrupted) and close, unless confirm() asked first."""
        self._closing = True
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):  # (closed by its thread meanwhile)
                connection.interrupt()  # thread-safe in SQLite; the thread closes it
        self._asked.set()

    # -- what a subclass gives ----------------------------------------------------------------
    def _wanted(self, identity: tuple[int, int]) -> bool:
        """Whether to read at all (before anything is opened)."""
        return True

    def _read(self, connection: sqlite3.Connection, identity: tuple[int, int]):
        """What is read, inside the snapshot (a read transaction already begun)."""
        raise NotImplementedError

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            value = self._open_and_read()
        except Exception:  # anything the engine would say better: it reads the file itself
            value = None
        self.result.set_result(value)
        still = False
        if value is not None:
            self._asked.wait(CONFIRM_SECONDS)
            with self._lock:
                asked = self._confirm is not None and not self._closing
            if asked:
                try:
                    still = self._still_as_read()
                except sqlite3.Error:
                    still = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        with self._lock:
            self._finished = True
            if self._confirm is not None and not self._confirm.done():
                self._confirm.set_result(still)

    def _open_and_read(self):
        identity = file_identity(self.path)
        if (identity is None or self._closing or left_wal(self.path)
                or not self._wanted(identity)):
            return None
        alone = holds_nothing_beside(self.path, empty_counts_as_nothing=False)
        if alone and not self.immutable_when_alone and not is_readers_file(self.path):
            return None  # (mode=ro would leave a -wal and -shm beside a foreign WAL-mode file)
        alone = alone and self.immutable_when_alone
        stamp = file_stamp(self.path) if alone else None  # (before the read: see the module)
        connection = sqlite3.connect(
            f"{self.path.as_uri()}?{'immutable=1' if alone else 'mode=ro'}", uri=True,
            timeout=5, isolation_level=None, check_same_thread=False)
        self._connection = connection
        if self._closing:
            return None
        connection.execute("BEGIN")  # one snapshot (it starts at the first read)
        try:
            data_version = connection.execute("PRAGMA data_version").fetchone()[0]
            value = self._read(connection, identity)
        finally:
            with contextlib.suppress(sqlite3.Error):  # (interrupted: closing anyway)
                connection.execute("COMMIT")
        self._as_read = (identity, stamp, data_version)
        return value

    def _still_as_read(self) -> bool:
        identity, stamp, data_version = self._as_read
        if file_identity(self.path) != identity:
            return False
        if stamp is not None:  # read immutable=1: no commit shows on the connection
            return file_stamp(self.path) == stamp and not written_beside(self.path)
        return self._connection.execute("PRAGMA data_version").fetchone()[0] == data_version
