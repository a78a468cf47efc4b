"""The shared SQLite file seen from outside SQLite: what is in it, and who else has it open.

Never open the database file, its ``-wal`` or its ``-shm`` with plain file calls here: on POSIX,
closing any descriptor of a file drops every fcntl lock this process holds on it (SQLite's "How
To Corrupt An SQLite Database File", section 2.2), and another process would then believe it is
the last one, checkpoint and delete the WAL under our open connections. So the header is checked
through SQLite itself (whose unix VFS shares one set of locks per file in the process and defers
closing a descriptor while any lock is held), sizes come from ``stat``, and other processes'
locks from ``/proc/locks``.

Read-only opening: SQLite reads a WAL-mode file only with its ``-shm`` (and ``-wal``) beside it,
which it creates unless the folder cannot be written. Where nothing can change the file (a
read-only file system, no WAL or journal holding anything the file lacks) it is opened
``immutable=1`` and needs neither; anywhere else a writer may come, so it is not, and a file
SQLite cannot read is refused saying why and what to do (``why_unreadable``).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..headstart.check import CHECK_FINDINGS, check_findings
from ..headstart.outside import _PROC_LOCKS, holds_nothing_beside, lock_holders
from ..headstart.outside import sidecar as _sidecar
from ..headstart.reading import SERVER_TABLES
from .backends.base import DatabaseOpenError


@dataclass(frozen=True)
class FileContents:
    """What ``inspect_file`` found: ``tables`` is empty for a missing, empty or new file."""

    exists: bool
    tables: frozenset[str]

    @property
    def is_blank(self) -> bool:
        """No file, an empty file, or an SQLite database without a single table."""
        return not self.tables

    @property
    def missing_server_tables(self) -> list[str]:
        return [name for name in SERVER_TABLES if name not in self.tables]


_MOUNTS = Path("/proc/self/mountinfo")


def on_read_only_file_system(path: Path) -> bool:
    """Whether nothing on this host can write ``path``'s file system: it is mounted read-only
    and, where Linux tells, the file system itself is read-only. A read-only bind mount of a
    writable one (a container's ``:ro`` volume) is not: another mount may be writing the file."""
    try:
        if not os.statvfs(path).f_flag & os.ST_RDONLY:
            return False
        device = os.stat(path).st_dev
        if not _MOUNTS.exists():
            return True
        lines = _MOUNTS.read_text().splitlines()
    except OSError:
        return False
    # mountinfo: "id parent major:minor root mountpoint options [optional...] - type source
    # super-options"; every mount of one file system shares its major:minor and super-options
    wanted = f"{os.major(device)}:{os.minor(device)}"
    super_options = [line.split(" - ", 1)[1].split()[2:3] for line in lines
                     if line.split()[2:3] == [wanted] and " - " in line]
    return bool(super_options) and all(
        options and "ro" in options[0].split(",") for options in super_options)


def unchangeable(path: Path) -> bool:
    """Whether ``path`` may be read ``immutable=1`` for as long as it is open: nothing can
    write it, and everything it holds is in the file itself."""
    return (on_read_only_file_system(path)
            and holds_nothing_beside(path, empty_counts_as_nothing=True))


def read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` read-only for good: ``immutable=1`` where it is
    ``unchangeable`` (SQLite then creates nothing beside it, which it could not), else
    ``mode=ro``, which sees other programs' commits."""
    return f"{path.resolve().as_uri()}?{'immutable=1' if unchangeable(path) else 'mode=ro'}"


def why_unreadable(path: Path) -> str:
    """Why SQLite, opening the readable ``path`` read-only, was "unable to open database file":
    it is in WAL mode and its ``-shm``/``-wal`` are missing and cannot be created beside it."""
    wal, shm = _sidecar(path, "-wal").name, _sidecar(path, "-shm").name
    if on_read_only_file_system(path):  # unchangeable() was false: the WAL holds changes
        return (f"cannot be read: it is in WAL mode and {wal} holds changes that {path.name} "
                f"itself lacks, which SQLite reads only with a {shm} beside them; this "
                f"read-only file system has none and cannot get one: copy {path.name} and "
                f"{wal} together to a folder you can write and open the copy")
    try:
        mounted_read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        mounted_read_only = False
    where, instead = (
        ("on a read-only mount of a file system that may still be written elsewhere",
         "open it through a mount that can write it") if mounted_read_only else
        ("in a folder this user cannot write", "open it as a user who can write its folder"))
    return (f"cannot be read: it is in WAL mode, and SQLite reads such a file only with {shm} "
            f"beside it, which it cannot create {where}; a program may write the file "
            f"meanwhile, so it cannot be read as unchangeable either: {instead}, or copy "
            f"{path.name} (with {wal}, if there is one) to a folder you can write and open the "
            "copy")


def inspect_file(path: Path) -> FileContents:
    """Look at ``path`` without changing it, or raise DatabaseOpenError saying what is wrong.

    A file with no WAL or hot journal beside it is complete on its own and is read with
    ``immutable=1``: no lock, and no ``-wal``/``-shm`` created beside a foreign file (a look
    this short is safe even if a writer starts meanwhile; an empty WAL counts as none on a
    read-only file system). Otherwise it is read with ``mode=ro`` so that SQLite takes the WAL
    or journal into account.
    """
    if path.is_dir():
        raise DatabaseOpenError(path, "is a directory, not a database file")
    if not path.exists():
        return FileContents(False, frozenset())
    size = path.stat().st_size
    if size == 0:
        return FileContents(True, frozenset())
    if not os.access(path, os.R_OK):
        raise DatabaseOpenError(path, "cannot be read by this user (permission denied)")
    settled = holds_nothing_beside(path, empty_counts_as_nothing=on_read_only_file_system(path))
    uri = f"{path.resolve().as_uri()}?{'immutable=1' if settled else 'mode=ro'}"
    try:
        probe = sqlite3.connect(uri, uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise DatabaseOpenError(path, f"cannot be opened ({exc})") from None
    try:
        page_size = probe.execute("PRAGMA page_size").fetchone()[0]
        tables = frozenset(name for (name,) in probe.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text:
            raise DatabaseOpenError(path, "is not an SQLite database") from None
        if "unable to open" in text:
            raise DatabaseOpenError(path, why_unreadable(path)) from None
        if "malformed" in text:
            raise DatabaseOpenError(path, "is truncated or damaged (SQLite: database disk image "
                                          "is malformed)") from None
        raise DatabaseOpenError(path, f"cannot be read as a database ({text})") from None
    finally:
        probe.close()
    if size % page_size:
        raise DatabaseOpenError(path, f"is truncated ({size} bytes is not a whole number of "
                                      f"{page_size}-byte pages)")
    return FileContents(True, tables)


def check_file(path: Path, pragma: str = "integrity_check") -> str | None:
    """Check the file (with its WAL) through a read-only connection of its own, before any
    read-write one exists: a read-only connection never checkpoints, so a WAL that turns out
    not to belong to the file is never written into it. None if sound, else what was found."""
    probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return check_findings(pragma, probe.execute(f"PRAGMA {pragma}({CHECK_FINDINGS})"))
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) not in (sqlite3.SQLITE_CORRUPT,
                                                          sqlite3.SQLITE_NOTADB):
            return None  # (locked, say) not a finding: the check before the first write stays
        return f"SQLite's {pragma}: {exc}"
    finally:
        probe.close()


# -- other processes on this host (their locks: headstart/outside.py): which are this app's engines

_PROC_UNIX = Path("/proc/net/unix")
LOCKS_CACHE_SECONDS = 0.25
_ENGINE_NAME = "rss-desktop-engine:"  # + pid: an abstract Unix socket, see mark_engine_process
_engine_mark: socket.socket | None = None


def mark_engine_process() -> None:
    """Let other processes tell this one from the web server: bind an abstract Unix socket named
    after this pid (Linux). It is never listened on, creates no file, is visible to every user
    in /proc/net/unix and vanishes with the process, so a pid reused later is never taken for an
    engine. Called by every engine that opens a file; idempotent."""
    global _engine_mark
    if _engine_mark is not None or not sys.platform.startswith("linux"):
        return
    mark = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        mark.bind(f"\0{_ENGINE_NAME}{os.getpid()}")
    except OSError:  # e.g. a fork of a marked process: its parent's name; or no AF_UNIX
        mark.close()
        return
    _engine_mark = mark


def engine_pids() -> set[int]:
    """Pids of this host's processes that marked themselves as engines (same network
    namespace); empty where that cannot be read."""
    try:
        lines = _PROC_UNIX.read_text().splitlines()
    except OSError:
        return set()
    found = set()
    for line in lines:
        name = line.rsplit(None, 1)[-1]
        if name.startswith("@" + _ENGINE_NAME) and name[len(_ENGINE_NAME) + 1:].isdigit():
            found.add(int(name[len(_ENGINE_NAME) + 1:]))
    return found


def foreign_program_present(path) -> bool:
    """Whether a process that is not one of this app's engines (the web server, a sqlite3
    shell...) may have the database open; False only when /proc/locks proves nobody does.

    In WAL mode every open connection holds a lock on the -shm file (a stopped process keeps
    it; a killed one loses it at once), so on Linux the holders are known exactly. A
    rollback-journal file's idle connections hold no lock, and other systems have no
    /proc/locks: there the answer is "maybe", True.
    """
    path = Path(path)
    if not (sys.platform.startswith("linux") and _PROC_LOCKS.exists()
            and _sidecar(path, "-shm").exists()):
        return True
    try:
        holders = lock_holders(path)
    except OSError:
        return True
    others = {pid for pids in holders.values() for pid in pids} - {os.getpid()}
    return bool(others - engine_pids()) if others else False


class OtherProcesses:
    """Whether another process has the database open, as far as this host can tell.

    In WAL mode every connection holds a shared lock on the ``-shm`` file's "DMS" byte for as
    long as it is open, so another program's connection — idle, busy or waiting for the write
    lock — shows in ``/proc/locks``. Our own connections are this pid and never count. Where
    that cannot be known (not Linux, or a rollback-journal file, whose idle connections hold
    no lock), the answer is "maybe": True.

    The answer is looked up on a thread of its own, never on the caller's: reading
    ``/proc/locks`` takes the kernel's file-lock semaphore for writing, which waits out an RCU
    grace period unless it was read in the last few ms: 5–20 ms asleep on every look (issue 26:
    on the database thread, between chunks, that was a job's 0.1 s in 50 chunks). ``present()``
    gives the last answer (at most one look, ``LOCKS_CACHE_SECONDS``, old) and starts the next
    look when it is due. The first look starts with the object, as an engine opens its file,
    long before a chunk asks; a ``present()`` before it answered waits for it.
    """

    def __init__(self, path, *, clock=time.monotonic):
        self.path = Path(path)
        self._clock = clock
        self._checked_at = float("-inf")
        self._answer = True
        self._looking = threading.Lock()  # held while a look is under way
        self._answered = threading.Event()  # the first look is done
        self._usable = sys.platform.startswith("linux") and _PROC_LOCKS.exists()
        mark_engine_process()  # every engine on a file has one of these: other engines see it
        if self._usable:
            self._start_look()

    def present(self) -> bool:
        if not self._usable:
            return True
        if self._clock() - self._checked_at >= LOCKS_CACHE_SECONDS:
            self._start_look()
        self._answered.wait()
        return self._answer

    def _start_look(self) -> None:
        if not self._looking.acquire(blocking=False):
            return  # one is under way
        self._checked_at = self._clock()
        try:
            threading.Thread(target=self._look_aside, name="rss-desktop-locks",
                             daemon=True).start()
        except RuntimeError:  # no new thread at the interpreter's exit: keep the last answer
            self._looking.release()
            self._answered.set()

    def _look_aside(self) -> None:
        try:
            self._answer = self._look()
        finally:
            self._checked_at = self._clock()  # (the next look is due a whole interval after)
            self._looking.release()
            self._answered.set()

    def _look(self) -> bool:
        if not _sidecar(self.path, "-shm").exists():
            return True  # not WAL: idle connections of others are invisible
        try:
            holders = lock_holders(self.path)
        except OSError:
            return True
        me = os.getpid()
        return any(pid != me for pids in holders.values() for pid in pids)
