"""The articles of a scope, for the window's list: found span by span into a TEMP table of the
read connection, read back a page at a time by position.

The list is an append-only sequence: each step walks the next span of article ids (newest first
or oldest first, the ingestion order, which the (feed_id, id) index serves) and appends the
matching ids to the list's table, numbering them on from the last position. So a page at any
position is an index lookup, the positions never move once given (an article marked read later
keeps its row: the person sees it turn from unread to read rather than vanish), and memory stays
flat whatever the scope's size: the ids live in the database's temporary storage (SQLite's
temporary file, PostgreSQL's temp buffers), the window keeps only the rows it shows. TEMP
tables belong to the connection: nothing is written to the shared database, and it works on a
database opened read-only.

"Unread only" and the title search are evaluated as each span is walked: an article read before
the walk reached it is not listed, one read after stays. The list ends at the newest article
when it was started (its ``high``); later arrivals appear when it is started again.

The same statements run on SQLite and PostgreSQL: placeholders are written ``:name`` and given
to the database in its own style; the functions are handed the database's backend, which names
the schema of TEMP tables and the case-insensitive LIKE of the title search.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from peewee import DatabaseError

from .models import database_proxy
from .scopes import Scope

TABLE_PREFIX = "rss_desktop_list_"
FIRST_SPAN = 2000  # ids walked by a list's first step: a screenful at once in a dense scope
STEP_SECONDS = 0.02  # later steps are sized to this: a page read waits behind one at most
MIN_SPAN = 500
PAGE_COLUMNS = """a.id, a.feed_id, f.category_id, f.title, a.title, a.url, a.published_date,
    a.created_at,
    EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = :user AND r.article_id = a.id
            AND r.is_read),
    EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = :user AND r.article_id = a.id
            AND r.is_starred)"""


@dataclass(frozen=True)
class ListSpec:
    """Which articles a list shows, in which order: a scope of the tree (all, category,
    uncategorized, feed), for a user, all or unread only, whose title contains every word of
    ``search`` (case-insensitive: on SQLite for ASCII letters only, as its LIKE is)."""

    user_id: int
    scope: Scope
    unread_only: bool = True
    search: str = ""
    newest_first: bool = True

    def words(self) -> list[str]:
        return self.search.split()

    def condition(self, backend) -> tuple[str, dict]:
        """SQL over ``articles a`` selecting the list's articles (without id bounds), in the
        dialect of ``backend``."""
        scope, params = self.scope.sql()
        parts = [] if scope == "1 = 1" else [scope]  # "all": the statement as it always was
        params = {**params, "user": self.user_id}
        if self.unread_only:
            parts.append("NOT EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = :user "
                         "AND r.article_id = a.id AND r.is_read)")
        like = backend.case_insensitive_like
        for number, word in enumerate(self.words()):
            parts.append(f"a.title {like} :word{number} ESCAPE '\\'")
            params[f"word{number}"] = "%" + _escape_like(word) + "%"
        return " AND ".join(parts) or "1 = 1", params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _execute(backend, sql: str, params: dict):
    """Run ``sql``, whose values are written ``:name``, in the backend's parameter style
    (``?`` for SQLite, ``%s`` for PostgreSQL)."""
    values = []

    def positional(match: re.Match) -> str:
        values.append(params[match.group(1)])
        return backend.placeholder

    return database_proxy.execute_sql(PLACEHOLDER.sub(positional, sql), values)


@dataclass(frozen=True)
class ListStart:
    """A list begun: its table, and the scope's ids it walks, [low, high] (high is the newest
    article when it began: the list's end; both 0 when the scope has no article)."""

    table: str
    low: int
    high: int

    @property
    def empty(self) -> bool:
        return self.high < self.low or self.high == 0

    def first_cursor(self, newest_first: bool) -> int:
        """Where the walk starts: ids above the cursor (newest first) or up to it (oldest
        first) are walked."""
        return self.high if newest_first else self.low - 1


@dataclass(frozen=True)
class ArticleRow:
    """One article as the list shows it; ``position`` counts from 0."""

    position: int
    id: int
    feed_id: int | None
    category_id: int | None
    feed_title: str
    title: str
    url: str | None
    published: str | None
    received: str | None
    is_read: bool
    is_starred: bool

    @property
    def gone(self) -> bool:
        """Deleted from the database after it was listed (its feed was removed)."""
        return self.feed_id is None


@dataclass(frozen=True)
class ListStep:
    """What one step added: the list has ``count`` rows; ``cursor`` is where the next step
    goes on; ``done``: the whole scope was walked. ``rows``: the first rows, if asked for."""

    cursor: int
    count: int
    done: bool
    seconds: float
    rows: list[ArticleRow] | None = None


def next_span(span: int, seconds: float) -> int:
    """The next step's span of ids, aimed at STEP_SECONDS; at most twice or half the last."""
    if seconds <= 0:
        return span * 2
    wanted = span * STEP_SECONDS / seconds
    return int(max(MIN_SPAN, min(span * 2, max(span / 2, wanted))))


def table_name(generation: int) -> str:
    return f"{TABLE_PREFIX}{int(generation)}"


class _ListTables(threading.local):
    """The list tables this thread's connection made (the read thread's: one list at a time)."""

    connection = None
    names: set[str]


_made = _ListTables()


def _tables_of_this_connection() -> set[str]:
    """Names of the list tables the current connection holds. A new connection (after a lost
    one was replaced) holds none: TEMP tables end with the connection that made them."""
    connection = database_proxy.connection()
    if _made.connection is not connection:
        _made.connection, _made.names = connection, set()
    return _made.names


def _qualified(backend, table: str) -> str:
    return f'{backend.temp_schema}."{table}"'


def _list_gone(table: str) -> bool:
    """After a statement on a list's table failed: whether because the table is gone, the
    connection it lived in having been lost and replaced meanwhile (a server restart)."""
    return table not in _tables_of_this_connection()


def start_list(backend, generation: int, spec: ListSpec) -> ListStart:
    """Begin a list (dropping the tables of earlier ones): its table and its ids' range."""
    db = database_proxy
    table = table_name(generation)
    made = _tables_of_this_connection()
    for name in sorted(made):
        db.execute_sql(f"DROP TABLE IF EXISTS {_qualified(backend, name)}")
        made.discard(name)
    # pos numbers the rows as they are inserted: an INTEGER PRIMARY KEY (the rowid) on SQLite,
    # a SERIAL on PostgreSQL
    db.execute_sql(f'CREATE TEMP TABLE "{table}" (pos {backend.row_number_key} PRIMARY KEY, '
                   "article_id INTEGER NOT NULL)")
    made.add(table)
    if spec.scope.kind == "all":
        # two subqueries: each reads one end of the primary key, not the whole table
        low, high = db.execute_sql("SELECT (SELECT min(id) FROM articles), "
                                   "(SELECT max(id) FROM articles)").fetchone()
    else:  # each feed's first and last id from the (feed_id, id) index
        feeds, params = spec.scope.feeds_sql()
        low, high = _execute(
            backend, f"WITH scope(id) AS ({feeds}) SELECT min(first), max(last) FROM (SELECT "
            "(SELECT min(id) FROM articles WHERE feed_id = scope.id) AS first, "
            "(SELECT max(id) FROM articles WHERE feed_id = scope.id) AS last FROM scope) "
            "AS ends", params).fetchone()
    return ListStart(table, low or 0, high or 0)


def extend_list(backend, start: ListStart, spec: ListSpec, cursor: int, span: int,
                first_rows: int = 0) -> ListStep | None:
    """Walk the next ``span`` ids after ``cursor`` and append the matching articles; with
    ``first_rows``, also return the list's first rows. None when the list is gone (a newer one
    began meanwhile)."""
    condition, params = spec.condition(backend)
    if spec.newest_first:
        low, high, next_cursor = max(cursor - span, start.low - 1), cursor, cursor - span
        done = next_cursor < start.low
    else:
        low, high, next_cursor = cursor, min(cursor + span, start.high), cursor + span
        done = next_cursor >= start.high
    if start.table not in _tables_of_this_connection():
        return None
    order = "DESC" if spec.newest_first else "ASC"
    began = time.perf_counter()
    try:
        if high > low and not start.empty:
            # rows are numbered in the order the SELECT gives them (on PostgreSQL too: a
            # volatile default, nextval(), is evaluated after the ORDER BY)
            _execute(backend,
                     f"INSERT INTO {_qualified(backend, start.table)} (article_id) SELECT a.id "
                     f"FROM articles a WHERE ({condition}) AND a.id > :low AND a.id <= :high "
                     f"ORDER BY a.id {order}", {**params, "low": low, "high": high})
        count = database_proxy.execute_sql(f"SELECT coalesce(max(pos), 0) FROM "
                                           f"{_qualified(backend, start.table)}").fetchone()[0]
    except DatabaseError:
        if _list_gone(start.table):
            return None
        raise
    seconds = time.perf_counter() - began
    rows = (read_page(backend, start.table, spec.user_id, 0, first_rows) if first_rows
            else None)
    return ListStep(next_cursor, count, done or start.empty, seconds, rows)


def read_page(backend, table: str, user_id: int, first: int, count: int
              ) -> list[ArticleRow] | None:
    """The rows at positions first .. first + count - 1 (fewer at the end); None when the list
    is gone. An article deleted since it was listed comes back as a row that says so."""
    if table not in _tables_of_this_connection():
        return None
    try:
        found = _execute(
            backend, f"SELECT t.pos - 1, {PAGE_COLUMNS} FROM {_qualified(backend, table)} t "
            "LEFT JOIN articles a ON a.id = t.article_id LEFT JOIN feeds f ON f.id = a.feed_id "
            "WHERE t.pos > :first AND t.pos <= :last ORDER BY t.pos",
            {"user": user_id, "first": first, "last": first + count}).fetchall()
    except DatabaseError:
        if _list_gone(table):
            return None
        raise
    return [_row(values) for values in found]


def _row(values) -> ArticleRow:
    (position, article_id, feed_id, category_id, feed_title, title, url, published, received,
     is_read, is_starred) = values
    return ArticleRow(position, article_id, feed_id, category_id, feed_title or "",
                      title or "", url, published, received, bool(is_read), bool(is_starred))


def read_states(backend, table: str, user_id: int, first: int, count: int
                ) -> dict[int, tuple[bool, bool]] | None:
    """{article id: (read, starred)} of the rows at those positions, now (None: list gone)."""
    rows = read_page(backend, table, user_id, first, count)
    if rows is None:
        return None
    return {row.id: (row.is_read, row.is_starred) for row in rows if not row.gone}


def has_newer(backend, spec: ListSpec, high: int) -> bool:
    """Whether an article of the scope (all or unread alike) arrived after the list began."""
    plain = ListSpec(spec.user_id, spec.scope, unread_only=False)
    condition, params = plain.condition(backend)
    return bool(_execute(
        backend, f"SELECT EXISTS (SELECT 1 FROM articles a WHERE ({condition}) AND a.id > :high)",
        {**params, "high": high}).fetchone()[0])


def selected_ranges(backend, table: str, blocks: list[tuple[int, int]], *, exact_blocks: bool,
                    limit: int) -> list[list[int]] | None:
    """The article id ranges [first, last] of blocks of the list's rows (positions from 0,
    inclusive), for a job narrowed to them (store.selection); None when the list is gone.

    ``exact_blocks``: the job's scope is the list's (with its search), so a block of rows is
    exactly its scope's articles from the block's smallest id to its largest — one pair
    whatever its length. Otherwise (the Uncategorized list: a job's scope is every article)
    each article is its own pair. At most ``limit`` + 1 pairs are read: more than ``limit`` is
    too many for a job."""
    if table not in _tables_of_this_connection():
        return None
    pairs: list[list[int]] = []
    try:
        for first, last in blocks:
            bounds = {"first": first, "last": last + 1}
            if exact_blocks:
                low, high = _execute(
                    backend,
                    f"SELECT min(article_id), max(article_id) FROM {_qualified(backend, table)} "
                    "WHERE pos > :first AND pos <= :last", bounds).fetchone()
                found = [(low, high)] if low is not None else []
            else:
                found = [(article_id, article_id) for (article_id,) in _execute(
                    backend,
                    f"SELECT article_id FROM {_qualified(backend, table)} WHERE pos > :first "
                    "AND pos <= :last ORDER BY pos LIMIT :limit",
                    {**bounds, "limit": limit + 1 - len(pairs)}).fetchall()]
            pairs.extend([low, high] for low, high in found)
            if len(pairs) > limit:
                break
    except DatabaseError:
        if _list_gone(table):
            return None
        raise
    return pairs


def next_unread_position(backend, table: str, user_id: int, after: int) -> int | None:
    """The position of the first row after position ``after`` whose article is unread for the
    user now (-1: from the start); None when there is none (or the list is gone)."""
    if table not in _tables_of_this_connection():
        return None
    try:
        found = _execute(
            backend,
            f"SELECT t.pos - 1 FROM {_qualified(backend, table)} t "
            "JOIN articles a ON a.id = t.article_id "
            "WHERE t.pos > :after AND NOT EXISTS (SELECT 1 FROM read_status r "
            "WHERE r.user_id = :user AND r.article_id = t.article_id AND r.is_read) "
            "ORDER BY t.pos LIMIT 1", {"after": after + 1, "user": user_id}).fetchone()
    except DatabaseError:
        if _list_gone(table):
            return None
        raise
    return found[0] if found else None
