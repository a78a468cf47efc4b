"""A category of more feeds than a chunk marks feed by feed (marking.MANY_FEEDS): each chunk
marks its span in one statement, and still reports exactly what it changed per feed, keeps an
exact undo record and leaves starred rows and other users alone (issue 26: 2,000 feeds)."""

from __future__ import annotations

import pytest
from support.databases import database, read_status, written
from support.engine import run_engine

from desktop.store.marking import MANY_FEEDS

EXTRA_FEEDS = MANY_FEEDS + 8


def add_many_feeds(target) -> list[int]:
    """EXTRA_FEEDS more feeds in category 1, their articles interleaved as a poller's rounds
    leave them (ids after the existing ones); user 1 has read some, has an unread row for
    others; user 2 has read every fourth. Returns the new feeds' ids."""
    with written(target) as conn:
        made = conn.execute("SELECT created_at FROM feeds WHERE id = 1").fetchone()[0]
        first_feed = conn.execute("SELECT max(id) FROM feeds").fetchone()[0] + 1
        article = conn.execute("SELECT max(id) FROM articles").fetchone()[0]
        feeds = list(range(first_feed, first_feed + EXTRA_FEEDS))
        for feed_id in feeds:
            conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) "
                         "VALUES (?, ?, ?, 1, ?)", (feed_id, f"https://m{feed_id}.example/rss",
                                                   f"Many {feed_id}", made))
        for _round in range(3):
            for feed_id in feeds:
                article += 1
                conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) "
                             "VALUES (?, ?, ?, ?, 'body')", (article, feed_id, f"A{article}", made))
                if article % 3 == 1:
                    conn.execute("INSERT INTO read_status (user_id, article_id, is_read, "
                                 "is_starred, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
                                 (article, article % 2 == 0, article % 5 == 0, made, made))
                if article % 4 == 0:
                    conn.execute("INSERT INTO read_status (user_id, article_id, is_read, "
                                 "created_at, updated_at) VALUES (2, ?, TRUE, ?, ?)",
                                 (article, made, made))
    return feeds


def unread_by_feed(target, user_id: int = 1) -> dict[int, int]:
    with database(target) as conn:
        rows = conn.execute(
            "SELECT a.feed_id, count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id "
            "WHERE f.category_id = 1 AND NOT EXISTS (SELECT 1 FROM read_status r WHERE "
            "r.user_id = ? AND r.article_id = a.id AND r.is_read) GROUP BY a.feed_id",
            (user_id,)).fetchall()
    return {feed_id: count for feed_id, count in rows}


@pytest.fixture(params=["feed by feed", "id by id"])
def walk(request, monkeypatch):
    """Each way a chunk's statements can walk its span (scopes.walked_cheaply picks by the
    ids per feed): forced here, whatever the span."""
    from desktop.store import scopes

    monkeypatch.setattr(scopes, "IDS_PER_FEED_WALKED_BY_ID",
                        0 if request.param == "feed by feed" else 10**9)
    return request.param


def test_a_category_of_many_feeds_is_marked_exactly_and_undone_exactly(reader, walk):
    feeds = add_many_feeds(reader)
    before_rows = read_status(reader)
    unread = unread_by_feed(reader)
    assert len(unread) > MANY_FEEDS
    events = []

    async def body(manager):
        manager.subscribe(events.append)
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
        job = await manager.wait_for_job(job_id)
        undo = await manager.undo_job(1, job_id)
        return job, await manager.wait_for_job(undo.id)

    job, undone = run_engine(reader, body)
    assert job.status == "completed" and undone.status == "completed"
    marked = {}
    for event in events:
        if event.kind == "progress" and event.job.id == job.id:
            for feed_id, count in event.marked_by_feed.items():
                marked[feed_id] = marked.get(feed_id, 0) + count
    assert marked == unread and job.marked_count == sum(unread.values())
    # the one-statement chunks ran: every new feed's articles were in a single span
    assert set(feeds) <= set(marked)
    after_undo = read_status(reader)
    for row_id, row in before_rows.items():  # every row as it was (read state, stars)
        assert (after_undo[row_id]["is_read"], after_undo[row_id]["is_starred"]) == (
            row["is_read"], row["is_starred"]), row_id
    assert unread_by_feed(reader) == unread
    with database(reader) as conn:
        others = conn.execute("SELECT count(*) FROM read_status WHERE user_id = 2 "
                              "AND NOT is_read").fetchone()[0]
    assert others == 0  # user 2's rows: all read before, all read after


def test_one_statement_per_chunk_not_one_per_feed(server_db, monkeypatch):
    """The whole span's statement runs, not one per feed (a chunk counting them would cost a
    statement per feed: thousands with an OPML import)."""
    from desktop.jobs import chunk

    add_many_feeds(server_db)
    calls = {"span": 0, "feed": 0}
    real_span, real_feed = chunk.mark_span_read, chunk.mark_feed_range_read

    def span(*args, **kwargs):
        calls["span"] += 1
        return real_span(*args, **kwargs)

    def feed(*args, **kwargs):
        calls["feed"] += 1
        return real_feed(*args, **kwargs)

    monkeypatch.setattr(chunk, "mark_span_read", span)
    monkeypatch.setattr(chunk, "mark_feed_range_read", feed)

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
        return await manager.wait_for_job(job_id)

    job = run_engine(server_db, body, max_chunk=1_000_000)
    assert job.status == "completed"
    assert calls["span"] >= 1 and calls["feed"] < EXTRA_FEEDS


def test_a_span_of_few_ids_per_feed_is_walked_id_by_id(server_db):
    """The cheaper walk by the span's ids per feed of the category, and the (id, feed_id) index
    behind it (a seek per feed of a 2,000-feed category made every chunk cost ~25 ms)."""
    from peewee import SqliteDatabase

    from desktop.store.models import database_proxy
    from desktop.store.scopes import (
        IDS_PER_FEED_WALKED_BY_ID,
        Scope,
        _span_counts_template,
        span_counts,
        walked_cheaply,
    )

    add_many_feeds(server_db)
    run_engine(server_db, lambda manager: manager.prepare_for_writing())  # the app's indexes
    category = Scope("category", 1)
    with database(server_db) as conn:
        feeds = conn.execute("SELECT count(*) FROM feeds WHERE category_id = 1").fetchone()[0]
    database_proxy.initialize(SqliteDatabase(server_db))
    try:
        few = IDS_PER_FEED_WALKED_BY_ID * feeds - 1
        by_id, by_feed = walked_cheaply(category, 0, few), walked_cheaply(category, 0, few + 1)
        assert by_id.id_by_id and not by_feed.id_by_id
        assert not walked_cheaply(Scope("feed", 1), 0, 10).id_by_id
        assert span_counts(by_id, 0, few) == span_counts(by_feed, 0, few)
        statement = _span_counts_template(SqliteDatabase, by_id)
        plan = database_proxy.execute_sql("EXPLAIN QUERY PLAN " + statement.sql,
                                          statement.params({"low": 0, "high": few})).fetchall()
        assert any("article_id_feed_id" in row[-1] for row in plan), plan
    finally:
        database_proxy.obj.close()
        database_proxy.initialize(None)

