"""One article's read and starred state for a user: the single-row writes of the window (mark
read or unread, star or unstar), by the web server's rules, numbered in the order they commit.

The rules are the server's: marking read sets ``is_read``, ``read_at`` and ``updated_at``;
marking unread clears ``read_at``; starring sets ``starred_at``, unstarring clears it; every
change sets ``updated_at`` (which is also what keeps an undo from reverting an article changed
since its job). A row is created only to set a flag; a write that changes nothing writes nothing.
With the unique (user_id, article_id) index, setting a flag is one upsert; without it (a server
that left duplicate rows), an UPDATE of every row of the article and an INSERT only where none
exists, as marking.mark_feed_range_read does.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from peewee import EXCLUDED, fn

from .clock import utc_now_text
from .job_requests import check_user_exists
from .models import Article, Feed, ReadStatus, database_proxy, flag_unset

FLAGS = {"read": (ReadStatus.is_read, ReadStatus.read_at),
         "starred": (ReadStatus.is_starred, ReadStatus.starred_at)}


class ArticleNotFound(LookupError):
    def __init__(self, article_id):
        super().__init__(f"article {article_id} does not exist (any more)")
        self.article_id = article_id


@dataclass(frozen=True)
class ArticleChange:
    """What one write left: the article's state for the user after it, and how its feed's unread
    count moved (-1: read now, +1: unread again, 0: unchanged). ``sequence`` numbers the write
    among this engine's article writes in commit order (see WriteSequence)."""

    user_id: int
    article_id: int
    feed_id: int
    category_id: int | None
    is_read: bool
    is_starred: bool
    unread_delta: int
    sequence: int


class WriteSequence:
    """Numbers single-article writes in the order they commit, so that a snapshot of the unread
    counts knows exactly which of them it includes.

    A write's COMMIT and the start of a snapshot's read transaction never overlap: both hold
    ``lock``. A snapshot that started after a write's commit sees it and reads a number at least
    that write's; one that started before does not see it and reads a smaller number. (A job's
    chunks need none of this: their progress is read in the same transaction as the counts.)
    The read transaction must keep the snapshot of its first statement to its end
    (connection.read_snapshot: on PostgreSQL REPEATABLE READ, not READ COMMITTED).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.committed = 0

    def commit(self, transaction) -> int:
        """Commit ``transaction`` (an entered peewee atomic()); return the write's number."""
        with self.lock:
            transaction.__exit__(None, None, None)  # COMMIT (a failure rolls back and raises)
            self.committed += 1
            return self.committed

    def snapshot_point(self) -> int:
        """Inside a read transaction: start its snapshot now and say which writes it sees
        (those numbered up to the result)."""
        with self.lock:
            database_proxy.execute_sql("SELECT 1 FROM articles LIMIT 1").fetchall()
            return self.committed


def set_read(user_id: int, article_id: int, read: bool, *, upsert: bool,
             sequence: WriteSequence, backend) -> ArticleChange:
    return _set_flag(backend, "read", user_id, article_id, read, upsert, sequence)


def set_starred(user_id: int, article_id: int, starred: bool, *, upsert: bool,
                sequence: WriteSequence, backend) -> ArticleChange:
    return _set_flag(backend, "starred", user_id, article_id, starred, upsert, sequence)


def _state(user_id: int, article_id: int) -> tuple[bool, bool]:
    """(read, starred) now; any row of the article counts (a server may have left two)."""
    # (as integers: PostgreSQL has no max() of booleans)
    read, starred = (ReadStatus.select(fn.MAX(ReadStatus.is_read.cast("INTEGER")),
                                       fn.MAX(ReadStatus.is_starred.cast("INTEGER")))
                     .where((ReadStatus.user == user_id) & (ReadStatus.article == article_id))
                     .tuples().get())
    return bool(read), bool(starred)


def _set_flag(backend, flag: str, user_id: int, article_id: int, value: bool, upsert: bool,
              sequence: WriteSequence) -> ArticleChange:
    column, stamp = FLAGS[flag]
    transaction = backend.write_transaction(database_proxy.obj)
    transaction.__enter__()
    try:
        check_user_exists(user_id)  # our connections do not enforce foreign keys
        where = (Article.select(Article.feed, Feed.category).join(Feed)
                 .where(Article.id == article_id).tuples().first())
        if where is None:
            raise ArticleNotFound(article_id)
        was_read, _ = _state(user_id, article_id)
        _write(user_id, article_id, column, stamp, value, utc_now_text(), upsert)
        is_read, is_starred = _state(user_id, article_id)
    except BaseException:
        transaction.__exit__(*sys.exc_info())  # ROLLBACK
        raise
    number = sequence.commit(transaction)
    return ArticleChange(user_id, article_id, where[0], where[1], is_read, is_starred,
                         int(was_read) - int(is_read), number)


def _write(user_id: int, article_id: int, column, stamp, value: bool, now: str,
           upsert: bool) -> None:
    """Set the flag to ``value`` where it differs: ``stamp`` (read_at, starred_at) is ``now``
    when set and NULL when cleared, ``updated_at`` is ``now``."""
    rows = (ReadStatus.user == user_id) & (ReadStatus.article == article_id)
    changes = {column: value, stamp: now if value else None, ReadStatus.updated_at: now}
    if not value:  # clearing a flag never needs a row: no row means unread and not starred
        ReadStatus.update(changes).where(rows & (column == True)).execute()  # noqa: E712
        return
    new_row = {ReadStatus.user: user_id, ReadStatus.article: article_id,
               ReadStatus.is_read: False, ReadStatus.is_starred: False,
               ReadStatus.is_archived: False, ReadStatus.created_at: now,
               ReadStatus.updated_at: now, column: True, stamp: now}
    if upsert:
        (ReadStatus.insert(new_row)
         .on_conflict(conflict_target=[ReadStatus.user, ReadStatus.article],
                      update={column: True, stamp: getattr(EXCLUDED, stamp.column_name),
                              ReadStatus.updated_at: EXCLUDED.updated_at},
                      where=flag_unset(column))
         .execute())
        return
    ReadStatus.update(changes).where(rows & flag_unset(column)).execute()
    if not ReadStatus.select().where(rows).exists():
        ReadStatus.insert(new_row).execute()
