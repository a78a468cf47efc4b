"""Which articles a bulk job covers, and marking one id range of them read.

A scope is a category, a feed or everything, bounded by a watermark (the newest article id the
job covers, fixed when the job is created), optionally by an ingestion-time cutoff, and
optionally by an article ("this one and everything older": ids are the ingestion order). Chunks
walk the scope in article-id spans (cursor, cursor + span], feed by feed through the
(feed_id, id) index; nothing here ever lists every id of a scope.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from peewee import EXCLUDED, JOIN, Value, fn

from .models import Article, Feed, ReadStatus, database_proxy, flag_unset

SCOPE_KINDS = ("category", "feed", "all")


@dataclass(frozen=True)
class Scope:
    kind: str  # one of SCOPE_KINDS
    target_id: int | None = None  # category or feed id; None for "all"
    cutoff: str | None = None  # only articles ingested before this (db timestamp text)
    up_to: int | None = None  # only this article and those ingested before it (id <= up_to)

    def condition(self):
        """The peewee expression selecting this scope's articles (without id bounds)."""
        if self.kind == "category":
            cond = Article.feed.in_(Feed.select(Feed.id).where(Feed.category == self.target_id))
        elif self.kind == "feed":
            cond = Article.feed == self.target_id
        elif self.kind == "all":
            cond = Value(1) == 1
        else:
            raise ValueError(f"unknown scope kind {self.kind!r}")
        if self.cutoff:
            cond &= Article.created_at < self.cutoff
        if self.up_to is not None:
            cond &= Article.id <= self.up_to
        return cond

    def holds(self, article_id: int, feed_id: int | None, category_id: int | None,
              created_at: str | None) -> bool:
        """Whether an article (as a list shows it) is in the scope: what condition() says in
        SQL, for one article in hand (timestamps compare as text, as in SQL)."""
        if feed_id is None:
            return False
        if self.kind == "category" and category_id != self.target_id:
            return False
        if self.kind == "feed" and feed_id != self.target_id:
            return False
        if self.cutoff and not (created_at is not None and created_at < self.cutoff):
            return False
        return self.up_to is None or article_id <= self.up_to


def count_in_scope(scope: Scope, watermark: int, after: int = 0) -> int:
    """How many articles of the scope lie in (after, watermark]."""
    return (Article.select(fn.COUNT(Article.id))
            .where(scope.condition() & (Article.id > after) & (Article.id <= watermark))
            .scalar())


def span_counts(scope: Scope, low: int, high: int) -> dict[int, int]:
    """{feed_id: in-scope articles with ids in (low, high]} — the feeds a chunk must visit.

    For a category or feed this is an index range per feed; for everything, one pass over the
    span of the table.
    """
    return dict(Article.select(Article.feed, fn.COUNT(Article.id))
                .where(scope.condition() & (Article.id > low) & (Article.id <= high))
                .group_by(Article.feed).tuples())


READ_STATUS_COLUMNS = [
    ReadStatus.user, ReadStatus.article, ReadStatus.is_read, ReadStatus.is_starred,
    ReadStatus.is_archived, ReadStatus.read_at, ReadStatus.created_at, ReadStatus.updated_at,
]


def _feed_range(feed_id: int, low: int, high: int, cutoff: str | None):
    cond = (Article.feed == feed_id) & (Article.id > low) & (Article.id <= high)
    if cutoff:
        cond &= Article.created_at < cutoff
    return cond


def _marking_source(user_id, feed_id, low, high, cutoff, now):
    """The rows marking a feed's articles in (low, high] read would write."""
    return (Article.select(Value(user_id), Article.id, Value(True), Value(False), Value(False),
                           Value(now), Value(now), Value(now))
            .where(_feed_range(feed_id, low, high, cutoff)))


# Stand-ins for a statement's values while peewee builds its SQL once; negative ids and control
# characters no real value has. A chunk runs the same upsert for each feed of its span.
_SLOTS = {-9001: "user", -9002: "feed", -9003: "low", -9004: "high", "\x00now": "now",
          "\x00cutoff": "cutoff"}


@functools.cache
def _upsert_template(database_kind: type, with_cutoff: bool) -> tuple[str, list]:
    """(SQL, where each parameter comes from) of the marking upsert, built once per kind of
    database: peewee's query building was a tenth of a chunk's time. A slot is a value's name,
    or (constant,)."""
    source = _marking_source(-9001, -9002, -9003, -9004, "\x00cutoff" if with_cutoff else None,
                             "\x00now")
    query = (ReadStatus.insert_from(source, READ_STATUS_COLUMNS)
             .on_conflict(conflict_target=[ReadStatus.user, ReadStatus.article],
                          update={ReadStatus.is_read: True,
                                  ReadStatus.read_at: EXCLUDED.read_at,
                                  ReadStatus.updated_at: EXCLUDED.updated_at},
                          where=flag_unset(ReadStatus.is_read))
             .returning())  # none of peewee's own: a chunk asks for its rows where it needs them
    sql, params = query.sql()
    slots = [_SLOTS[value] if not isinstance(value, bool) and value in _SLOTS else (value,)
             for value in params]
    return sql, slots


def mark_feed_range_read(user_id: int, feed_id: int, low: int, high: int, cutoff: str | None,
                         now: str, *, upsert: bool = True, recorder=None) -> tuple[int, int]:
    """Mark one feed's articles with ids in (low, high] read for the user.

    Only unread -> read changes are written (read_at and updated_at set on those); starred and
    archived flags and other users' rows are untouched. Returns (articles changed, rows
    changed): they differ only where the server left duplicate rows for an article.
    ``upsert=False`` is the form for a read_status table without its unique index. A
    ``recorder`` (undo_record) may turn each statement into one that also records what it
    changed (``marking``).
    """

    def run(sql: str, params) -> tuple[int, int] | None:
        """(rows, articles) changed by ``sql``, where the recorder runs it its own way."""
        wrapped = recorder.marking(sql, list(params)) if recorder is not None else None
        if wrapped is None:
            return None
        rows, articles = database_proxy.execute_sql(*wrapped).fetchone()
        return rows, articles

    if upsert:
        sql, slots = _upsert_template(type(database_proxy.obj), cutoff is not None)
        values = {"user": user_id, "feed": feed_id, "low": low, "high": high, "now": now,
                  "cutoff": cutoff}
        params = [values[slot] if isinstance(slot, str) else slot[0] for slot in slots]
        counted = run(sql, params)
        if counted:
            return counted[1], counted[0]
        changed = database_proxy.execute_sql(sql, params).rowcount
        return changed, changed
    source = _marking_source(user_id, feed_id, low, high, cutoff, now)
    in_range = Article.select(Article.id).where(_feed_range(feed_id, low, high, cutoff))
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


def feed_categories(feed_ids) -> dict[int, int | None]:
    """{feed_id: category_id} for the given feeds."""
    query = Feed.select(Feed.id, Feed.category).where(Feed.id.in_(list(feed_ids))).tuples()
    return dict(query)


def unread_counts(user_id: int) -> dict[int, int]:
    """{feed_id: unread article count} for the user (feeds with no articles are absent).

    Totals per feed come from the (feed_id, id) index; the user's read rows are subtracted, so
    the cost follows the number of read rows rather than a join over every article.
    """
    totals = dict(Article.select(Article.feed, fn.COUNT(Article.id))
                  .group_by(Article.feed).tuples())
    read = (Article.select(Article.feed, fn.COUNT(ReadStatus.article))
            .join(ReadStatus, JOIN.INNER, on=(ReadStatus.article == Article.id))
            .where((ReadStatus.user == user_id) & (ReadStatus.is_read == True))  # noqa: E712
            .group_by(Article.feed).tuples())
    for feed_id, count in read:
        totals[feed_id] = max(0, totals.get(feed_id, 0) - count)
    return totals
