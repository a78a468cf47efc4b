"""Which articles a scope covers: the one vocabulary of jobs, the tree and the article list
(marking them read is marking.py's).

A scope is a category, a feed, the feeds of no category ("uncategorized": a row of the tree and
a list, no job's scope) or everything; a job's is also bounded by a watermark (the newest
article id the job covers, fixed when the job is created), optionally by an ingestion-time
cutoff (or a publication-date one: ``by`` "published", which falls back to the ingestion
time for an article without a publication date), and optionally by an article ("this one and
everything older": ids are the ingestion order). Chunks walk the scope in article-id spans
(cursor, cursor + span], feed by feed through the (feed_id, id) index; nothing here ever lists
every id of a scope (a cutoff is a filter on the rows a span reads anyway: no index needed).

The same scope is written two ways: ``condition()``, a peewee expression (the jobs'), and
``sql()``, plain SQL over ``articles a`` with ``:name`` values (the article list's, which
builds its statements as text).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from peewee import SQL, NodeList, SqliteDatabase, Value, fn

from ..headstart.tree import unread_by_feed
from .built_once import BuiltOnce
from .job_types import MARK_READ_BY_SCOPE
from .models import Article, Feed, database_proxy
from .schema import ARTICLE_ID_FEED_INDEX
from .selection import in_ranges, narrowing_condition

SCOPE_KINDS = ("category", "feed", "uncategorized", "all")
AGE_BY = ("received", "published")  # what an older-than cutoff compares: arrival or publication


def age_of_article(by: str = "received"):
    """The expression an older-than cutoff compares (``by``: one of AGE_BY): the ingestion time,
    or the publication date where the article has one (NULL or '' falls back to arrival)."""
    if by == "published":
        return fn.COALESCE(fn.NULLIF(Article.published_date, ""), Article.created_at)
    return Article.created_at


def age_sql(by: str = "received") -> str:
    """age_of_article as SQL over ``articles a``."""
    if by == "published":
        return "COALESCE(NULLIF(a.published_date, ''), a.created_at)"
    return "a.created_at"


@dataclass(frozen=True)
class Scope:
    """Which articles: ``kind`` (one of SCOPE_KINDS) and its category or feed id. ``name`` is
    how the tree shows it (a category's or feed's title), no part of which articles."""

    kind: str
    target_id: int | None = None  # category or feed id; None for "uncategorized" and "all"
    cutoff: str | None = None  # only articles ingested before this (db timestamp text)
    up_to: int | None = None  # only this article and those ingested before it (id <= up_to)
    name: str = ""
    by: str = "received"  # what ``cutoff`` compares (AGE_BY): arrival, or publication date
    # narrowed to what was picked in the article list (selection.py): this article and those
    # ingested after it (id >= from_id), the selected id ranges, the list's search
    from_id: int | None = None
    id_ranges: tuple[tuple[int, int], ...] = ()
    search: str = ""
    # a chunk's span walked id by id (the (id, feed_id) index once) rather than feed by feed
    # (the feed index, one seek per feed of the scope): see walked_cheaply
    id_by_id: bool = False

    @property
    def narrowed(self) -> bool:
        """Narrowed by a condition a feed's id range cannot say (selected ranges, a search):
        its chunks mark through the whole condition, in one statement."""
        return bool(self.id_ranges or self.search.split())

    @property
    def job_request(self) -> tuple[str, dict] | None:
        """(job_type, parameters) that marks this scope read, or None if it is no job scope."""
        job_type = MARK_READ_BY_SCOPE.get(self.kind)  # "uncategorized" is no job's scope
        return job_type.request(self.target_id) if job_type else None

    def condition(self):
        """The peewee expression selecting this scope's articles (without id bounds)."""
        # SQLite's unary + keeps a term from choosing an index: the id range chooses it then
        feed = NodeList((SQL("+"), Article.feed), glue="") if self.id_by_id else Article.feed
        if self.kind == "category":
            cond = feed.in_(Feed.select(Feed.id).where(Feed.category == self.target_id))
        elif self.kind == "uncategorized":
            cond = feed.in_(Feed.select(Feed.id).where(Feed.category.is_null()))
        elif self.kind == "feed":
            cond = Article.feed == self.target_id
        elif self.kind == "all":
            cond = Value(1) == 1
        else:
            raise ValueError(f"unknown scope kind {self.kind!r}")
        if self.cutoff:
            cond &= age_of_article(self.by) < self.cutoff
        if self.up_to is not None:
            cond &= Article.id <= self.up_to
        if self.from_id is not None:
            cond &= Article.id >= self.from_id
        narrowing = narrowing_condition(self.id_ranges, self.search)
        return cond if narrowing is None else cond & narrowing

    def sql(self) -> tuple[str, dict]:
        """What condition() says, as SQL over ``articles a`` with ``:name`` values."""
        parts, params = [], {}
        if self.kind == "category":
            parts.append("a.feed_id IN (SELECT id FROM feeds WHERE category_id = :target)")
        elif self.kind == "uncategorized":
            parts.append("a.feed_id IN (SELECT id FROM feeds WHERE category_id IS NULL)")
        elif self.kind == "feed":
            parts.append("a.feed_id = :target")
        elif self.kind != "all":
            raise ValueError(f"unknown scope kind {self.kind!r}")
        if self.kind in ("category", "feed"):
            params["target"] = self.target_id
        if self.cutoff:
            parts.append(f"{age_sql(self.by)} < :cutoff")
            params["cutoff"] = self.cutoff
        if self.up_to is not None:
            parts.append("a.id <= :up_to")
            params["up_to"] = self.up_to
        if self.from_id is not None:
            parts.append("a.id >= :from_id")
            params["from_id"] = self.from_id
        if self.narrowed:
            raise ValueError("a list is never narrowed to a selection or a search of a job")
        return " AND ".join(parts) or "1 = 1", params

    def feeds_sql(self) -> tuple[str, dict]:
        """SQL selecting the ids of the scope's feeds (not for "all")."""
        if self.kind == "category":
            return "SELECT id FROM feeds WHERE category_id = :target", {"target": self.target_id}
        if self.kind == "uncategorized":
            return "SELECT id FROM feeds WHERE category_id IS NULL", {}
        if self.kind == "feed":
            return "SELECT :target", {"target": self.target_id}
        raise ValueError("every feed is no list of feeds: walk the articles' ids instead")

    def holds(self, article_id: int, feed_id: int | None, category_id: int | None,
              created_at: str | None, published: str | None = None) -> bool:
        """Whether an article (as a list shows it) is in the scope: what condition() says in
        SQL, for one article in hand (timestamps compare as text, as in SQL)."""
        if self.by == "published" and published:
            created_at = published
        if feed_id is None:
            return False
        if self.kind == "category" and category_id != self.target_id:
            return False
        if self.kind == "uncategorized" and category_id is not None:
            return False
        if self.kind == "feed" and feed_id != self.target_id:
            return False
        if self.cutoff and not (created_at is not None and created_at < self.cutoff):
            return False
        if self.from_id is not None and article_id < self.from_id:
            return False
        if self.search.split():
            raise ValueError("whether a title matches a search is the database's to say")
        return in_ranges(article_id, self.id_ranges) and (
            self.up_to is None or article_id <= self.up_to)


def count_in_scope(scope: Scope, watermark: int, after: int = 0) -> int:
    """How many articles of the scope lie in (after, watermark]."""
    return (Article.select(fn.COUNT(Article.id))
            .where(scope.condition() & (Article.id > after) & (Article.id <= watermark))
            .scalar())


# Walking a span feed by feed costs a seek per feed of the scope (~4 us on the 2,000-feed
# category), id by id ~0.55 us per id of the span (its (id, feed_id) index entry, tested
# against the scope's feed list): the latter below ~7 ids per feed. With the seeks a chunk's
# three statements cost ~25 ms whatever its span, so on a slower machine chunks sized by time
# shrank to ~900 ids, and a 2,000-feed category took ~1,000 chunks (issue 26).
IDS_PER_FEED_WALKED_BY_ID = 7


def walked_cheaply(scope: Scope, low: int, high: int) -> Scope:
    """``scope`` for the ids in (low, high], walked the cheaper way on SQLite: id by id when
    the span holds fewer ids than IDS_PER_FEED_WALKED_BY_ID per feed of a category's (or the
    uncategorized) feeds. The same articles either way."""
    if scope.kind not in ("category", "uncategorized") or not isinstance(
            database_proxy.obj, SqliteDatabase):
        return scope
    statement = _feeds_in_scope_template(type(database_proxy.obj), scope.kind)
    feeds = database_proxy.execute_sql(statement.sql, statement.params(
        {"category": scope.target_id})).fetchone()[0]
    by_id = high - low < IDS_PER_FEED_WALKED_BY_ID * feeds
    return scope if by_id == scope.id_by_id else replace(scope, id_by_id=by_id)


@functools.cache
def _feeds_in_scope_template(database_kind: type, kind: str) -> BuiltOnce:
    """How many feeds a category (or the uncategorized) has: asked every chunk, built once."""
    query = Feed.select(fn.COUNT(Feed.id)).where(
        Feed.category.is_null() if kind == "uncategorized" else Feed.category == -9301)
    return BuiltOnce.from_query(query, {-9301: "category"})


def span_counts(scope: Scope, low: int, high: int) -> dict[int, int]:
    """{feed_id: in-scope articles with ids in (low, high]} — the feeds a chunk must visit.

    For a category or feed this is an index range per feed; for everything, one pass over the
    span of the table.
    """
    statement = _span_counts_template(type(database_proxy.obj), scope)
    params = statement.params({"low": low, "high": high})
    return dict(database_proxy.execute_sql(statement.sql, params).fetchall())


_LOW, _HIGH = -9201, -9202  # stand-ins for a span's bounds while peewee builds its SQL


@functools.lru_cache(maxsize=32)  # a job's scope, and a narrowed one's cut to each span
def _span_counts_template(database_kind: type, scope: Scope) -> BuiltOnce:
    """span_counts' SQL for ``scope``, built once: peewee building it was ~0.9 ms of every
    chunk, the statement itself ~0.6 ms on the compact file (issue 26)."""
    query = (Article.select(Article.feed, fn.COUNT(Article.id))
             .where(scope.condition() & (Article.id > _LOW) & (Article.id <= _HIGH))
             .group_by(Article.feed))
    return BuiltOnce.from_query(query, {_LOW: "low", _HIGH: "high"})


def all_rows(query) -> list[tuple]:
    """A query's rows as plain tuples, fetched at once: peewee's row by row wrapping cost more
    than the query itself for a span of thousands of feeds."""
    return database_proxy.execute_sql(*query.sql()).fetchall()


def feed_categories(feed_ids) -> dict[int, int | None]:
    """{feed_id: category_id} for the given feeds."""
    query = Feed.select(Feed.id, Feed.category).where(Feed.id.in_(list(feed_ids))).tuples()
    return dict(query)


def unread_counts(user_id: int) -> dict[int, int]:
    """{feed_id: unread article count} for the user (feeds with no articles are absent).

    Totals per feed come from the (feed_id) index; the user's read rows are subtracted, so
    the cost follows the number of read rows rather than a join over every article. Each read
    row's feed comes from the (id, feed_id) index where there is one (SQLite's planner would
    rather read the article's row, a page of its own when articles carry their content). On
    SQLite these are the statements the window's opening prefetch runs (headstart/tree.py),
    each answering in one row (a thread takes the GIL back for every row it steps).
    """
    db = database_proxy.obj
    if isinstance(db, SqliteDatabase):
        return unread_by_feed(lambda sql, params: db.execute_sql(sql, params).fetchone()[0],
                              user_id, _article_feed_lookup())
    totals = dict(all_rows(Article.select(Article.feed, fn.COUNT(Article.id))
                           .group_by(Article.feed)))
    param = database_proxy.param
    read = database_proxy.execute_sql(
        f"SELECT a.feed_id, COUNT(*) FROM read_status r JOIN articles a ON a.id = r.article_id "
        f"WHERE r.user_id = {param} AND r.is_read = {param} GROUP BY a.feed_id",
        (user_id, True)).fetchall()
    for feed_id, count in read:
        totals[feed_id] = max(0, totals.get(feed_id, 0) - count)
    return totals


def _article_feed_lookup() -> str:
    """SQLite's INDEXED BY the (id, feed_id) index when the file has it; else nothing (the
    engine adds it with its schema, before its first job; PostgreSQL's planner finds it)."""
    db = database_proxy.obj
    present = db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                             (ARTICLE_ID_FEED_INDEX,)).fetchone()
    return f'INDEXED BY "{ARTICLE_ID_FEED_INDEX}"' if present else ""
