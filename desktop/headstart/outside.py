"""An SQLite file seen from outside SQLite: ``stat`` and ``/proc/locks``, nothing opened.

Never open the database file, its ``-wal`` or its ``-shm`` with plain file calls: on POSIX,
closing any descriptor of a file drops every fcntl lock this process holds on it, and another
process would then believe it is the last one, checkpoint and delete the WAL under our open
connections (see store/sqlite_file.py, which builds on these). Here because a start's head
start (headstart/) needs them before the store is imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PROC_LOCKS = Path("/proc/locks")
WAL_HEADER_BYTES = 32  # a WAL no longer than its header holds no frame


def sidecar(path: Path, suffix: str) -> Path:
    """The file SQLite keeps beside ``path``: ``-wal``, ``-shm``, ``-journal``."""
    return path.with_name(path.name + suffix)


def file_identity(path) -> tuple[int, int] | None:
    """(device, inode) of the file that ``path`` names now, or None when nothing is there (or
    the path cannot be looked up): what tells an engine that its file was removed or replaced.
    ``os.stat`` opens nothing, so it never drops a lock."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def wal_has_frames(path: Path) -> bool:
    """Whether the -wal beside ``path`` holds frames (by its size: ``stat`` opens nothing)."""
    try:
        return os.stat(sidecar(path, "-wal")).st_size > WAL_HEADER_BYTES
    except OSError:
        return False


def left_wal(path: Path) -> bool:
    """Whether a WAL with frames lies beside ``path`` that no process holds (a process was
    killed, or the pair was copied): the next connection applies it. Looked at from outside
    (``stat``, ``/proc/locks``); where other processes' locks cannot be seen, any WAL with
    frames counts."""
    if not wal_has_frames(path):
        return False
    if not (sys.platform.startswith("linux") and _PROC_LOCKS.exists()):
        return True
    try:
        holders = lock_holders(path)
    except OSError:
        return True
    return not (holders["db"] or holders["shm"])


def _lock_lines() -> list[tuple[int, int, int, int]]:
    """(pid, inode, start, end) of every POSIX lock on this host, from /proc/locks."""
    found = []
    for line in _PROC_LOCKS.read_text().splitlines():
        fields = line.split()
        if "->" in fields:  # a process blocked waiting for the lock that follows
            continue
        try:
            at = fields.index("ADVISORY") if "ADVISORY" in fields else fields.index("MANDATORY")
            pid = int(fields[at + 2])
            inode = int(fields[at + 3].rsplit(":", 1)[1])
            start = int(fields[at + 4])
            end = fields[at + 5]
        except (ValueError, IndexError):
            continue
        found.append((pid, inode, start, -1 if end == "EOF" else int(end)))
    return found


def lock_holders(path: Path) -> dict[str, set[int]]:
    """{"db" | "shm": pids holding a POSIX lock on the database file or its -shm} (Linux)."""
    inodes = {}
    for kind, candidate in (("db", path), ("shm", sidecar(path, "-shm"))):
        try:
            inodes[os.stat(candidate).st_ino] = kind
        except OSError:
            continue
    holders: dict[str, set[int]] = {"db": set(), "shm": set()}
    for pid, inode, _start, _end in _lock_lines():
        if inode in inodes:
            holders[inodes[inode]].add(pid)
    return holders


def file_stamp(path) -> list[int] | None:
    """[device, inode, size, mtime_ns] of the file at ``path``, or None if there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns]


def holds_nothing_beside(path: Path, *, empty_counts_as_nothing: bool) -> bool:
    """No ``-wal`` or hot ``-journal`` beside ``path`` (or, if asked, only empty ones)."""
    for suffix in ("-wal", "-journal"):
        try:
            size = sidecar(path, suffix).stat().st_size
        except FileNotFoundError:
            continue
        if size or not empty_counts_as_nothing:
            return False
    return True


def written_beside(path: Path) -> bool:
    """Whether a writer left anything beside ``path``: frames in its WAL, or a journal. (A
    connection that only opened a WAL-mode file may have created an empty WAL.)"""
    try:
        journal = os.stat(sidecar(path, "-journal")).st_size
    except OSError:
        journal = 0
    return bool(journal) or wal_has_frames(path)
