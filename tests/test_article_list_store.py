"""The article list's queries (store/article_list.py) on a real SQLite file and a real
PostgreSQL database: which articles, in which order, walked span by span into a TEMP table and
read back by position."""

from __future__ import annotations

import pytest
from support.databases import make_server_database, make_server_database_pg, sqlite

from desktop.store import connect
from desktop.store.article_list import (
    ListSpec,
    extend_list,
    has_newer,
    read_page,
    read_states,
    start_list,
)
from desktop.store.backends import backend_for
from desktop.store.backends.postgres import POSTGRES
from desktop.store.backends.sqlite import SQLITE
from desktop.store.scopes import Scope

# make_server_database: category 1 = feeds 1, 2 = articles 1..70; category 2 = feeds 3, 4 =
# 71..100; feed 5 (no category) = 101..105. User 1 read every third article.
UNREAD_1 = [n for n in range(1, 106) if n % 3]


def another_program(target):
    """A function running one SQL statement on the database in a connection of its own, as the
    web server would (the same statement text on both backends)."""
    if isinstance(target, str):
        import psycopg

        def run(statement: str) -> None:
            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute(statement)
    else:
        def run(statement: str) -> None:
            with sqlite(target) as conn:
                conn.execute(statement)
                conn.commit()
    return run


@pytest.fixture(params=["sqlite", "postgresql"])
def reader(request, tmp_path):
    """The small known data set, in an SQLite file or a PostgreSQL database."""
    if request.param == "sqlite":
        return make_server_database(tmp_path / "reader.db")
    return make_server_database_pg(request.getfixturevalue("postgres_url"))


@pytest.fixture
def backend(reader):
    """The backend of the data set's database, which the list's functions are handed."""
    return backend_for(reader)


@pytest.fixture
def db(reader):
    database = connect(reader)
    yield another_program(reader)
    database.close()


def walk(backend, spec: ListSpec, span: int = 1000, generation: int = 1):
    """Start a list and walk it to its end; its start and every row."""
    start = start_list(backend, generation, spec)
    cursor, count = start.first_cursor(spec.newest_first), 0
    while True:
        step = extend_list(backend, start, spec, cursor, span)
        assert step.count >= count  # append-only
        cursor, count = step.cursor, step.count
        if step.done:
            break
    return start, read_page(backend, start.table, spec.user_id, 0, count + 10)


@pytest.mark.parametrize("span", [1, 7, 1000])
def test_a_category_unread_newest_first_whatever_the_span(db, backend, span):
    start, rows = walk(backend, ListSpec(1, Scope("category", 1)), span)
    assert (start.low, start.high) == (1, 70)
    assert [row.id for row in rows] == [n for n in reversed(UNREAD_1) if n <= 70]
    assert [row.position for row in rows] == list(range(len(rows)))
    first = rows[0]
    assert (first.feed_id, first.category_id, first.feed_title, first.title) == (
        2, 1, "Feed 2", "Article 70")
    assert not first.is_read and first.is_starred  # user 1 starred every fifth


def test_every_kind_and_order(db, backend):
    def ids(kind, target_id=None, **spec):
        listed = walk(backend, ListSpec(1, Scope(kind, target_id), **spec), span=9)[1]
        return [row.id for row in listed]

    assert ids(kind="feed", target_id=3, unread_only=False) == list(range(90, 70, -1))
    assert ids(kind="uncategorized", newest_first=False) == [101, 103, 104]
    assert ids(kind="all", unread_only=False, newest_first=False) == list(range(1, 106))
    assert ids(kind="all") == list(reversed(UNREAD_1))
    read_rows = walk(backend, ListSpec(1, Scope("feed", 4), unread_only=False), span=3)[1]
    assert [row.is_read for row in read_rows] == [n % 3 == 0 for n in range(100, 90, -1)]


def test_search_matches_every_word_and_takes_like_characters_literally(db, backend):
    db("UPDATE articles SET title = 'Rust 100% safe_code' WHERE id = 4")
    db("UPDATE articles SET title = 'rust 1000 safeXcode' WHERE id = 5")

    def ids(search):
        listed = walk(backend, ListSpec(1, Scope("all"), search=search), span=20)[1]
        return [row.id for row in listed]

    assert ids("RUST") == [5, 4]  # case-insensitive (ASCII)
    assert ids("100%") == [4] and ids("safe_code") == [4]
    assert ids("rust 1000") == [5] and ids("rust zebra") == []
    assert ids("Article 10") == [104, 103, 101, 100, 10]


def test_an_article_read_after_it_was_listed_keeps_its_row(db, backend):
    spec = ListSpec(1, Scope("feed", 1))
    start = start_list(backend, 1, spec)
    step = extend_list(backend, start, spec, start.first_cursor(True), 10)  # ids 31..40 walked
    listed = read_page(backend, start.table, 1, 0, 100)
    assert [row.id for row in listed] == [40, 38, 37, 35, 34, 32, 31]
    # another program reads 37 (listed) and 29 (not yet)
    db("INSERT INTO read_status (user_id, article_id, is_read, created_at, updated_at) "
       "VALUES (1, 37, TRUE, 'x', 'x'), (1, 29, TRUE, 'x', 'x')")
    step = extend_list(backend, start, spec, step.cursor, 100)
    rows = read_page(backend, start.table, 1, 0, 100)
    assert [row.id for row in rows][:7] == [40, 38, 37, 35, 34, 32, 31]  # positions kept
    assert 29 not in [row.id for row in rows] and rows[2].is_read
    assert read_states(backend, start.table, 1, 2, 1) == {37: (True, False)}
    assert step.done and step.count == len(rows)


def test_the_list_ends_at_the_newest_article_when_it_began(db, backend):
    spec = ListSpec(1, Scope("feed", 5), unread_only=False)
    start, _ = walk(backend, spec)
    assert not has_newer(backend, spec, start.high)
    db("INSERT INTO articles (feed_id, title, created_at) VALUES (5, 'Late', 'x')")
    db("DELETE FROM articles WHERE id = 104")  # and one goes away
    assert has_newer(backend, spec, start.high)
    assert not has_newer(backend, ListSpec(1, Scope("feed", 4)), start.high)
    again = read_page(backend, start.table, 1, 0, 10)
    assert [row.id for row in again] == [105, None, 103, 102, 101]
    assert again[1].gone and not again[0].gone


def test_a_newer_list_replaces_the_older_ones_table(db, backend):
    spec = ListSpec(1, Scope("all"))
    older, _ = walk(backend, spec, generation=1)
    newer = start_list(backend, 2, spec)
    assert read_page(backend, older.table, 1, 0, 10) is None  # gone: its pages are dropped
    assert extend_list(backend, older, spec, 50, 10) is None
    assert extend_list(backend, newer, spec, newer.first_cursor(True), 10).count == 6  # 96..105


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_scope_without_articles(request, tmp_path, kind):
    shape = {"articles_per_feed": (0, 0, 3, 0, 0)}
    target = (make_server_database(tmp_path / "reader.db", **shape) if kind == "sqlite" else
              make_server_database_pg(request.getfixturevalue("postgres_url"), **shape))
    database, backend = connect(target), backend_for(target)
    try:
        start, rows = walk(backend, ListSpec(1, Scope("category", 1)))
        assert start.empty and rows == []
        assert [row.id for row in walk(backend, ListSpec(1, Scope("all")))[1]] == [2, 1]
    finally:
        database.close()


def test_a_list_whose_connection_was_lost_is_gone_not_an_error(postgres_url):
    """The server ended the read connection (a restart): its TEMP table went with it. The next
    statement reconnects; the list says it is gone (the window starts it again), and a new list
    works on the new connection."""
    import psycopg

    database, backend = connect(make_server_database_pg(postgres_url)), POSTGRES
    try:
        spec = ListSpec(1, Scope("feed", 1))
        start, rows = walk(backend, spec)
        pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(postgres_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert read_page(backend, start.table, 1, 0, 10) is None
        assert extend_list(backend, start, spec, 10, 10) is None
        again = walk(backend, spec, generation=2)[1]
        assert [row.id for row in again] == [row.id for row in rows]
    finally:
        database.close()


def test_a_read_only_database_can_be_listed(server_db):
    """TEMP tables live in the connection's own temporary database: nothing of the list is
    written to the file, which may be opened mode=ro. (A plain peewee database: the list takes
    what differs between databases from the backend it is handed, nothing from the database.)"""
    database = connect(server_db)
    database.close()
    from peewee import SqliteDatabase

    from desktop.store.models import database_proxy
    read_only = SqliteDatabase(f"{server_db.resolve().as_uri()}?mode=ro", uri=True)
    database_proxy.initialize(read_only)
    try:
        listed = walk(SQLITE, ListSpec(1, Scope("feed", 5)))[1]
        assert [row.id for row in listed] == [104, 103, 101]
    finally:
        read_only.close()


def test_selected_blocks_become_id_ranges_and_the_next_unread_row_is_found(db, backend):
    """The selection's blocks of rows (positions) as id ranges (store.selection), and the
    next unread row after a position, read from the list's table."""
    from desktop.store.article_list import next_unread_position, selected_ranges

    spec = ListSpec(1, Scope("category", 1), unread_only=False)  # 70 .. 1, newest first
    start, rows = walk(backend, spec)
    assert [row.id for row in rows] == list(range(70, 0, -1))
    blocks = [(0, 4), (10, 10), (30, 39)]  # 70..66, 60, 40..31
    assert selected_ranges(backend, start.table, blocks, exact_blocks=True, limit=10) == [
        [66, 70], [60, 60], [31, 40]]
    assert selected_ranges(backend, start.table, [(0, 2)], exact_blocks=False, limit=10) == [
        [70, 70], [69, 69], [68, 68]]
    assert len(selected_ranges(backend, start.table, [(0, 69)], exact_blocks=False, limit=5)) == 6
    # user 1 read every third article: 69 (position 1) is read, 68 (position 2) is not
    assert next_unread_position(backend, start.table, 1, 0) == 2
    assert next_unread_position(backend, start.table, 1, -1) == 0
    db("UPDATE read_status SET is_read = TRUE WHERE user_id = 1")
    db("INSERT INTO read_status (user_id, article_id, is_read, is_starred, is_archived, "
       "created_at, updated_at) SELECT 1, id, TRUE, FALSE, FALSE, created_at, created_at "
       "FROM articles a WHERE NOT EXISTS (SELECT 1 FROM read_status r "
       "WHERE r.user_id = 1 AND r.article_id = a.id)")
    db("UPDATE read_status SET is_read = FALSE WHERE user_id = 1 AND article_id = 5")
    assert next_unread_position(backend, start.table, 1, 0) == 65  # article 5: the only unread one
    assert next_unread_position(backend, start.table, 1, 65) is None
