"""How much of an SQLite file the engine checks before its first write (issues 20 and 26).

``PRAGMA quick_check`` reads every page of the file: on the benchmark's 1,000,000-article, 3.9 GB
server file 2-4 s, paid by the first write of every process after the web server wrote the file
(that is: always). 90 % of those pages are the ``articles`` table's own rows (bodies of a few KB,
most in overflow chains): the engine never writes them, and never reads them either (a job
reads articles through their ``feed_id`` index only). So before the first write the engine
checks, in one read snapshot, each other table with its indexes (``PRAGMA quick_check(TABLE)``,
SQLite >= 3.33): every b-tree it writes (read_status, the job table, the undo record), the
schema, and everything small besides (``sessions``, ``feeds``...): 0.14-0.4 s there, most of it
``read_status``, and the request's own reads overlap it (guard.py).

What this does not see, and why it is safe to write anyway:
- A damaged page of the article table: a write of the engine never touches it, so it cannot
  spread it; SQLite stops (SQLITE_CORRUPT) whatever reads it, and then the whole file is
  checked and every write refused (guard.notice_error), and remembered (checked_files).
- A page claimed by two b-trees (only a whole check counts every page's uses): a partial check
  still finds most (a child pointer into another tree lands on keys out of order or a page of
  the wrong kind).
- A free-list page that is also in use: SQLite takes new pages from the free list first and
  would overwrite it; no partial check looks at the free list (SQLite 3.40 checks it only in a
  whole check). So a file with pages on its free list (a server that deletes articles) is
  checked whole. A file whose free list is empty takes new pages from its end.

The whole check runs where there is a reason to doubt the file: pages on the free list, damage
reported by SQLite in this process or remembered from an earlier one, a WAL left by a killed
process (``sqlite_file.check_file``, the full ``integrity_check``), and in the window, in the
background after opening.

The statements are in headstart/check.py: a command that will write runs them from its start,
ahead of the engine's import, and the engine takes that verdict if nothing was committed since.
"""

from __future__ import annotations

import sqlite3

from peewee import DatabaseError

from ...headstart.check import check_in_snapshot


def check_before_writing(db, *, whole: bool, is_corruption) -> str | None:
    """SQLite's findings (one line) or None: ``PRAGMA quick_check`` of every table but the
    article bodies, or of the whole file with ``whole`` or pages on its free list
    (headstart.check.check_in_snapshot: the same statements a command runs ahead)."""
    try:
        with db.atomic():  # one read snapshot for every table (a deferred transaction)
            return check_in_snapshot(lambda sql: db.execute_sql(sql).fetchall(), _version(db),
                                     whole=whole)
    except (DatabaseError, sqlite3.DatabaseError) as exc:  # (rows fetched: not wrapped)
        if not is_corruption(exc):
            raise
        return f"SQLite's quick_check: {exc}"


def _version(db) -> tuple[int, ...]:
    """The version of the SQLite library this connection runs (peewee's driver may be
    pysqlite3's, not the standard library's)."""
    text = db.execute_sql("SELECT sqlite_version()").fetchone()[0]
    return tuple(int(part) for part in text.split(".")[:3])
