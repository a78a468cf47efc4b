"""A read_status row whose is_read is NULL is unread, as the web server reads it: counted unread,
marked by a job and by a single-article write, and made unread (0) again by undo."""

from __future__ import annotations

from support.databases import SERVER_SCHEMA, database, written
from support.engine import run_engine

from desktop.store.connection import is_server_url
from desktop.store.scopes import Scope

# user 1's rows for articles of category 1 (1..70) that are starred and unread (every fifth,
# not every third): is_read becomes NULL
NULL_ARTICLES = {a for a in range(1, 71) if a % 5 == 0 and a % 3}


def allow_null_is_read(target) -> None:
    """Drop NOT NULL from read_status.is_read (a server's older or hand-made schema), and make
    user 1's NULL_ARTICLES rows NULL."""
    with written(target) as conn:
        if is_server_url(target):
            conn.execute("ALTER TABLE read_status ALTER COLUMN is_read DROP NOT NULL")
        else:  # SQLite cannot drop a constraint: the table again, without it
            table = SERVER_SCHEMA[SERVER_SCHEMA.index("CREATE TABLE read_status"):]
            table = table[:table.index(";")].replace("is_read INTEGER NOT NULL DEFAULT 0",
                                                     "is_read INTEGER DEFAULT 0")
            assert "is_read INTEGER DEFAULT 0" in table
            conn.execute("ALTER TABLE read_status RENAME TO read_status_old")
            conn.execute(table)
            conn.execute("INSERT INTO read_status SELECT * FROM read_status_old")
            conn.execute("DROP TABLE read_status_old")
            conn.execute("CREATE UNIQUE INDEX read_status_user_article ON read_status "
                         "(user_id, article_id)")
        marks = ", ".join("?" * len(NULL_ARTICLES))
        conn.execute(f"UPDATE read_status SET is_read = NULL WHERE user_id = 1 "
                     f"AND article_id IN ({marks})", sorted(NULL_ARTICLES))


def is_read_of(target, articles) -> dict[int, object]:
    with database(target) as conn:
        marks = ", ".join("?" * len(articles))
        return {a: (None if r is None else int(r)) for a, r in conn.execute(
            f"SELECT article_id, is_read FROM read_status WHERE user_id = 1 "
            f"AND article_id IN ({marks})", sorted(articles))}


def test_null_is_read_is_unread_marked_by_a_job_and_undone_to_unread(reader):
    allow_null_is_read(reader)
    unread_in_category = 70 - len([a for a in range(1, 71) if a % 3 == 0])
    assert is_read_of(reader, NULL_ARTICLES) == dict.fromkeys(NULL_ARTICLES)

    async def counts(manager):
        by_feed, _, _ = await manager.counts_snapshot(1)
        in_scope, _ = await manager.unread_in_scope(1, Scope("category", 1))
        return by_feed[1] + by_feed[2], in_scope

    assert run_engine(reader, counts) == (unread_in_category, unread_in_category)

    async def mark_then_undo(manager):
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
        job = await manager.wait_for_job(job_id)
        after_job = is_read_of(reader, NULL_ARTICLES), await counts(manager)
        undo = await manager.wait_for_job((await manager.undo_job(1, job_id)).id)
        return job, after_job, undo

    job, (after_job, counted), undo = run_engine(reader, mark_then_undo)
    assert job.status == "completed" and job.marked_count == unread_in_category
    assert after_job == dict.fromkeys(NULL_ARTICLES, 1) and counted == (0, 0)
    assert undo.status == "completed" and undo.marked_count == unread_in_category
    # undo makes them unread the way the server writes unread: 0, not NULL
    assert is_read_of(reader, NULL_ARTICLES) == dict.fromkeys(NULL_ARTICLES, 0)
    assert run_engine(reader, counts) == (unread_in_category, unread_in_category)


def test_a_single_article_write_marks_a_null_row_read(reader):
    allow_null_is_read(reader)
    article = min(NULL_ARTICLES)

    async def mark(manager):
        return await manager.set_article_read(1, article, True)

    change = run_engine(reader, mark)
    assert change.is_read and change.unread_delta == -1
    assert is_read_of(reader, {article}) == {article: 1}
