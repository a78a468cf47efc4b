"""The feed tree and its unread counts read while the window starts (issue 26: open fast).

Before this, ``rss-desktop gui`` counted only once Python, Qt and the window were up: ~0.45 s
of start, then ~0.3 s of counting on a 1,000,000-article file. ``TreePrefetch`` starts on a
thread of its own before the command line has even imported the engine, reads the tree and its
counts in one read transaction of a read-only connection, and the window takes that snapshot
instead of counting, once it has opened the same file for the same user
(ui/window/database.py), if ``confirm()`` then finds that nothing was committed since
(``PRAGMA data_version`` unchanged on the prefetch's connection: any other connection's commit,
our engine's included, moves it) and that the path still names the same file. Otherwise the
window counts as it always did. A snapshot is never kept past that: nothing here is a cache.

Plain Python and sqlite3 (no peewee, no Qt): imported at the very start, it must cost nothing
(the store's import is ~70 ms of the same GIL the window's start needs). The statements here
are the ones the store counts with on SQLite too (``store.scopes.unread_counts`` runs
``unread_by_feed``), each returning ONE row (JSON): a thread stepping a statement releases the
GIL, but takes it back for every row, and while the GUI thread runs Python each take waits up
to the interpreter's switch interval (5 ms): 42 rows took 0.2 s more beside the window's start.

The thread, the snapshot and ``confirm()`` are reading.py's ReadAhead (always ``mode=ro``:
the window must see every commit); it leaves a WAL that no process holds to the engine.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .reading import ReadAhead

# The user's unread counts on SQLite (see unread_by_feed); {indexed_by}: the (id, feed_id)
# index's INDEXED BY clause where the file has it.
FEED_TOTALS_SQL = ("SELECT json_group_object(feed_id, total) FROM "
                   "(SELECT feed_id, COUNT(*) AS total FROM articles GROUP BY feed_id)")
READ_BY_FEED_SQL = ("SELECT json_group_array(json_array(feed_id, marked)) FROM "
                    "(SELECT a.feed_id AS feed_id, COUNT(*) AS marked FROM read_status r "
                    "JOIN articles a {indexed_by} ON a.id = r.article_id "
                    "WHERE r.user_id = ? AND r.is_read = ? GROUP BY a.feed_id)")
# The tree as store.overview.load_overview orders it: by LOWER(name), then id. SQLite's LOWER
# folds ASCII only and compares UTF-8 bytes, which order as Python's str does: the rows come
# with their key and are sorted here (an aggregate's input order is not SQL's to promise).
CATEGORIES_SQL = ("SELECT json_group_array(json_array(LOWER(name), id, name)) "
                  "FROM categories")
FEEDS_SQL = ("SELECT json_group_array(json_array(LOWER(title), id, title, category_id)) "
             "FROM feeds")
ARTICLE_ID_FEED_INDEX = "article_id_feed_id"  # store.schema's name for the (id, feed_id) index


def unread_by_feed(first_value, user_id: int, indexed_by: str = "") -> dict[int, int]:
    """{feed id: the user's unread articles} (feeds without articles absent): totals per feed
    from the (feed_id) index, less the user's read rows, each row's feed read from the (id,
    feed_id) index when ``indexed_by`` names it. ``first_value(sql, params)``: the first
    column of the statement's one row, on the caller's connection."""
    totals = {int(feed_id): total for feed_id, total in
              json.loads(first_value(FEED_TOTALS_SQL, ()) or "{}").items()}
    read = json.loads(first_value(READ_BY_FEED_SQL.format(indexed_by=indexed_by),
                                  (user_id, True)) or "[]")
    for feed_id, marked in read:
        totals[feed_id] = max(0, totals.get(feed_id, 0) - marked)
    return totals


@dataclass
class PrefetchedTree:
    """What the prefetch read, in one snapshot of ``path`` (the file ``identity`` names)."""

    path: Path
    identity: tuple[int, int]
    user_id: int
    categories: list[tuple[int, str]]  # (id, name), in the tree's order
    feeds: list[tuple[int, str, int | None]]  # (id, title, category id), in the tree's order
    unread_by_feed: dict[int, int]
    progress_by_job: dict[int, int] = field(default_factory=dict)  # the user's jobs


def settings_user(settings_file: Path) -> int | None:
    """The user the window's settings chose last (QSettings' INI file: ``user_id`` under
    ``[General]``), read without Qt; None when it cannot tell. Only a guess: the window
    takes the snapshot only if it chose the same user."""
    try:
        lines = settings_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    section = None
    for line in lines:
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "General" and line.partition("=")[0].strip() == "user_id":
            value = line.partition("=")[2].strip()
            return int(value) if value.isdigit() and int(value) > 0 else None
    return None


class TreePrefetch(ReadAhead):
    """Reads ``path``'s tree and counts for ``user_id`` (None: the first user, as the window
    picks when its settings name none it has) on a thread of its own; ``result`` (a
    concurrent Future) holds the PrefetchedTree, or None where it does not apply. Then
    ``confirm()`` once (no commit since, the path names the same file), or ``close()``."""

    thread_name = "rss-desktop-prefetch"

    def __init__(self, path, user_id: int | None = None):
        super().__init__(path)
        self.user_id = user_id

    def _read(self, connection: sqlite3.Connection, identity) -> PrefetchedTree | None:
        def first_value(sql: str, params=()):
            return connection.execute(sql, params).fetchone()[0]

        user_id = self._user(first_value)
        if user_id is None:
            return None
        has_index = first_value("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                "AND name = ?", (ARTICLE_ID_FEED_INDEX,))
        categories = [(cid, name) for _key, cid, name in
                      sorted(json.loads(first_value(CATEGORIES_SQL)))]
        feeds = [(fid, title, category_id) for _key, fid, title, category_id in
                 sorted(json.loads(first_value(FEEDS_SQL)), key=lambda row: row[:2])]
        counts = unread_by_feed(first_value, user_id,
                                f'INDEXED BY "{ARTICLE_ID_FEED_INDEX}"' if has_index else "")
        progress = {}
        if first_value("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'bulk_operation_jobs'"):
            progress = {int(job): done for job, done in json.loads(first_value(
                "SELECT json_group_object(id, progress) FROM bulk_operation_jobs "
                "WHERE user_id = ?", (user_id,)) or "{}").items()}
        return PrefetchedTree(self.path, identity, user_id, categories, feeds, counts, progress)

    def _user(self, first_value) -> int | None:
        """The user the window will show: the settings' one if the database has it, else the
        first by id (MainWindow._load_users)."""
        if self.user_id is not None and first_value(
                "SELECT COUNT(*) FROM users WHERE id = ?", (self.user_id,)):
            return self.user_id
        return first_value("SELECT MIN(id) FROM users")
