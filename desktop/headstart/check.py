"""The check before the first write, run ahead while a command starts (issue 26).

The engine checks an SQLite file before it first writes to it (store/backends/sqlite_check.py
says what is checked and why): 0.1-0.3 s on a 1,000,000-article file, paid by every command
after the web server wrote the file. The command line spends as long importing the engine
before it can even open the file. ``CheckAhead`` runs the same statements from the start of a
command that writes a job at once (``mark-read``, ``undo``, ``retry``), on a thread and a
read-only connection of its own: SQLite releases the GIL while it checks, so the check and
the imports share the two cores instead of taking turns.

The engine's guard takes the check's word (``sound_as_is()``) instead of checking again only
if it found the file sound, the path still names that file and nothing was committed since
(reading.py: ``PRAGMA data_version`` unchanged, or, for a file read ``immutable=1`` because
nothing lay beside it, its size and mtime unchanged and still nothing written beside it).
Otherwise, damage found included, it checks as it always did. Nothing is kept past the command.

It decides what to check as the guard would (guard._check_unless_known): not at all when the
record of checks says the file is unchanged since one passed; the whole file when the record
doubts it, when the file has pages on its free list, or when SQLite is older than 3.33. A WAL
that no process holds is left alone (reading.py): the engine checks it whole before it opens
anything (store.sqlite_file.check_file).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import checked_files
from .outside import file_stamp
from .reading import ReadAhead

CHECK_FINDINGS = 3  # the first finding says what is wrong; the check stops after a few
# The table the check before a write leaves out (store.models.Article's): the article bodies,
# which the engine neither writes nor reads (their index is read, and checked whole when it
# reports damage).
UNCHECKED_TABLES = frozenset({"articles"})
TABLE_CHECKS_SINCE = (3, 33, 0)  # quick_check(TABLE); an older SQLite checks the whole file
CORRUPTION_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def check_findings(pragma: str, rows) -> str | None:
    """One line from the rows of ``PRAGMA quick_check`` or ``integrity_check``: None for "ok",
    else the first finding."""
    findings = [line.strip() for row in rows for line in str(row[0]).splitlines()
                if line.strip() and not line.startswith("***")]  # "*** in database main ***"
    if findings == ["ok"]:
        return None
    more = " (and more)" if len(findings) > 1 else ""
    return f"SQLite's {pragma}: {findings[0]}{more}"


def check_in_snapshot(rows, version: tuple[int, ...], *, whole: bool) -> str | None:
    """SQLite's findings (one line) or None: ``PRAGMA quick_check`` of every table but the
    article bodies, or of the whole file with ``whole``, pages on its free list or an SQLite
    older than ``TABLE_CHECKS_SINCE``. Run inside one read transaction; ``rows(sql)`` returns a
    statement's rows on the caller's connection (the store's peewee one, or ours)."""
    if whole or version < TABLE_CHECKS_SINCE or rows("PRAGMA freelist_count")[0][0]:
        return check_findings("quick_check", rows(f"PRAGMA quick_check({CHECK_FINDINGS})"))
    tables = [name for (name,) in rows(
        "SELECT name FROM sqlite_schema WHERE type = 'table' "
        "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%'") if name not in UNCHECKED_TABLES]
    for table in ("sqlite_schema", *tables):
        quoted = table.replace("'", "''")
        found = check_findings(f"quick_check({table})", rows(f"PRAGMA quick_check('{quoted}')"))
        if found:
            return found
    return None


class CheckAhead(ReadAhead):
    """The check before the first write on ``path``, on a thread of its own from ``start()``;
    ``sound_as_is()`` once (the engine's guard), and ``close()`` (the command, however it
    ends). ``result``: the check's findings once it ended (``Findings``), or None where
    nothing was checked."""

    thread_name = "rss-desktop-check-ahead"
    # A command refused later (bad arguments, a foreign file) leaves nothing beside a file it
    # never wrote. The weaker "still as read" is enough here: the check looks for damaged
    # storage, and a commit it did not see was written by SQLite, as the engine's own check
    # trusts every commit after it (reading.py).
    immutable_when_alone = True

    def __init__(self, path, record: Path | None):
        super().__init__(path)
        self.record = record

    def sound_as_is(self, path, identity) -> Findings | None:
        """On the engine's database thread, before its first write to ``path`` (which it opened
        as the file ``identity`` names): the check's ``Findings`` if it found that very file
        sound and nothing was committed since; else None, and the engine checks itself (damage
        too, which it then reports in its own words, from a snapshot it holds the locks of).
        Waits for the check to end."""
        if Path(path).expanduser().absolute() != self.path or identity is None:
            return None
        still = self.confirm()
        findings = self.result.result()
        if findings is None or findings.found or findings.identity != tuple(identity):
            return None
        return findings if still.result() else None

    def _wanted(self, identity) -> bool:
        # a file the record remembers: the guard finds it there too, and checks nothing
        stamp = file_stamp(self.path)
        return not checked_files.was_checked(self.record, self.path, stamp)

    def _read(self, connection: sqlite3.Connection, identity) -> Findings:
        whole = checked_files.doubted(self.record, self.path, identity)
        version = tuple(int(part) for part in sqlite3.sqlite_version.split(".")[:3])
        try:
            found = check_in_snapshot(lambda sql: connection.execute(sql).fetchall(), version,
                                      whole=whole)
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in CORRUPTION_CODES:
                raise
            found = f"SQLite's quick_check: {exc}"
        return Findings(found, whole, identity)


@dataclass(frozen=True)
class Findings:
    """What the check ahead found (None: sound), whether it read every page, and of which file
    (device, inode)."""

    found: str | None
    whole: bool
    identity: tuple[int, int]
