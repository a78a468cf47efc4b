"""Marking one id span of a scope read for a user: the hot path of every chunk.

Feed by feed through the (feed_id, id) index (one prepared upsert, built once per kind of
database), or in one statement for a span of more than MANY_FEEDS feeds. Only unread -> read
changes are written; a recorder (undo_record) may wrap each statement so that it also records
what it changed. The statements are benchmarked (benchmarks/README.md): change them with care.
"""

from __future__ import annotations

import functools

from peewee import EXCLUDED, JOIN, Value, fn

from .built_once import BuiltOnce
from .models import Article, ReadStatus, database_proxy, flag_unset
from .scopes import Scope, age_of_article, all_rows

READ_STATUS_COLUMNS = [
    ReadStatus.user, ReadStatus.article, ReadStatus.is_read, ReadStatus.is_starred,
    ReadStatus.is_archived, ReadStatus.read_at, ReadStatus.created_at, ReadStatus.updated_at,
]


def _feed_range(feed_id: int, low: int, high: int, cutoff: str | None, by: str = "received"):
    cond = (Article.feed == feed_id) & (Article.id > low) & (Article.id <= high)
    if cutoff:
        cond &= age_of_article(by) < cutoff
    return cond


def _marking_source(user_id, feed_id, low, high, cutoff, now, by="received"):
    """The rows marking a feed's articles in (low, high] read would write."""
    return (Article.select(Value(user_id), Article.id, Value(True), Value(False), Value(False),
                           Value(now), Value(now), Value(now))
            .where(_feed_range(feed_id, low, high, cutoff, by)))


# Stand-ins for a statement's values while peewee builds its SQL once; negative ids and control
# characters no real value has. A chunk runs the same upsert for each feed of its span.
_STAND_INS = {-9001: "user", -9002: "feed", -9003: "low", -9004: "high", "\x00now": "now",
              "\x00cutoff": "cutoff"}


@functools.cache
def _upsert_template(database_kind: type, with_cutoff: bool,
                     by: str = "received") -> BuiltOnce:
    """The marking upsert, built once per kind of database: peewee's query building was a
    tenth of a chunk's time."""
    source = _marking_source(-9001, -9002, -9003, -9004, "\x00cutoff" if with_cutoff else None,
                             "\x00now", by)
    query = (ReadStatus.insert_from(source, READ_STATUS_COLUMNS)
             .on_conflict(conflict_target=[ReadStatus.user, ReadStatus.article],
                          update={ReadStatus.is_read: True,
                                  ReadStatus.read_at: EXCLUDED.read_at,
                                  ReadStatus.updated_at: EXCLUDED.updated_at},
                          where=flag_unset(ReadStatus.is_read))
             .returning())  # none of peewee's own: a chunk asks for its rows where it needs them
    return BuiltOnce.from_query(query, _STAND_INS)


def mark_feed_range_read(user_id: int, feed_id: int, low: int, high: int, cutoff: str | None,
                         now: str, *, upsert: bool = True, recorder=None,
                         cutoff_by: str = "received") -> tuple[int, int]:
    """Mark one feed's articles with ids in (low, high] read for the user.

    Only unread -> read changes are written (read_at and updated_at set on those); starred and
    archived flags and other users' rows are untouched. Returns (articles changed, rows
    changed): they differ only where the server left duplicate rows for an article.
    ``upsert=False`` is the form for a read_status table without its unique index. A
    ``recorder`` (undo_record) may turn each statement into one that also records what it
    changed (``marking``). ``cutoff_by`` says what ``cutoff`` compares (scopes.AGE_BY).
    """

    def run(sql: str, params) -> tuple[int, int] | None:
        """(rows, articles) changed by ``sql``, where the recorder runs it its own way."""
        wrapped = recorder.marking(sql, list(params)) if recorder is not None else None
        if wrapped is None:
            return None
        rows, articles = database_proxy.execute_sql(*wrapped).fetchone()
        return rows, articles

    if upsert:
        statement = _upsert_template(type(database_proxy.obj), cutoff is not None, cutoff_by)
        params = statement.params({"user": user_id, "feed": feed_id, "low": low, "high": high,
                                   "now": now, "cutoff": cutoff})
        counted = run(statement.sql, params)
        if counted:
            return counted[1], counted[0]
        changed = database_proxy.execute_sql(statement.sql, params).rowcount
        return changed, changed
    source = _marking_source(user_id, feed_id, low, high, cutoff, now, cutoff_by)
    in_range = Article.select(Article.id).where(_feed_range(feed_id, low, high, cutoff,
                                                            cutoff_by))
    unread = ((ReadStatus.user == user_id) & flag_unset(ReadStatus.is_read)
              & ReadStatus.article.in_(in_range))
    update = ReadStatus.update(is_read=True, read_at=now, updated_at=now).where(unread)
    existing = ReadStatus.select(Value(1)).where(
        (ReadStatus.user == user_id) & (ReadStatus.article == Article.id))
    insert = (ReadStatus.insert_from(source.where(~fn.EXISTS(existing)), READ_STATUS_COLUMNS)
              .returning())
    updated = run(*update.sql())
    if updated is not None:
        inserted = run(*insert.sql())
        return updated[1] + inserted[1], updated[0] + inserted[0]
    articles = (ReadStatus.select(fn.COUNT(ReadStatus.article.distinct())).where(unread)
                .scalar())
    rows = update.execute()
    inserted = insert.as_rowcount().execute()
    return articles + inserted, rows + inserted


# A span with more feeds than this is marked by one statement for the whole span instead of
# one per feed: with thousands of feeds in a category (an OPML import), the statements' fixed
# cost outgrew their work tenfold (benchmarks, shape feeds2000).
MANY_FEEDS = 32


def mark_span_read(user_id: int, scope: Scope, low: int, high: int, now: str, *,
                   recorder=None) -> tuple[dict[int, int], int]:
    """Mark the scope's articles with ids in (low, high] read for the user in one statement
    (the form for a span of MANY_FEEDS feeds or more; needs read_status's unique index).

    Returns ({feed_id: articles newly read}, rows changed). The articles it changes are
    counted per feed first, in the same transaction, by the upsert's own rule: no row for the
    user, or a row it updates (the ``where`` below: keep the two alike); the unique index
    makes that one row per article.
    """
    in_span = scope.condition() & (Article.id > low) & (Article.id <= high)
    updates = flag_unset(ReadStatus.is_read)  # a NULL is_read is unread
    unread = (Article.select(Article.feed, fn.COUNT(Article.id))
              .join(ReadStatus, JOIN.LEFT_OUTER,
                    on=(ReadStatus.user == user_id) & (ReadStatus.article == Article.id))
              .where(in_span & (ReadStatus.id.is_null() | updates))
              .group_by(Article.feed))
    marked = {feed_id: count for feed_id, count in all_rows(unread) if count}
    source = Article.select(Value(user_id), Article.id, Value(True), Value(False), Value(False),
                            Value(now), Value(now), Value(now)).where(in_span)
    sql, params = (ReadStatus.insert_from(source, READ_STATUS_COLUMNS)
                   .on_conflict(conflict_target=[ReadStatus.user, ReadStatus.article],
                                update={ReadStatus.is_read: True,
                                        ReadStatus.read_at: EXCLUDED.read_at,
                                        ReadStatus.updated_at: EXCLUDED.updated_at},
                                where=updates)
                   .returning().sql())
    wrapped = recorder.marking(sql, list(params)) if recorder is not None else None
    if wrapped is not None:
        rows, _articles = database_proxy.execute_sql(*wrapped).fetchone()
    else:
        rows = database_proxy.execute_sql(sql, params).rowcount
    return marked, rows
