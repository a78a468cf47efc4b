"""The two reference points: the physical floor, and the web server spec's algorithm as written.

Both run in a child process on a fresh copy (see child.py) and return plain dicts.
"""

from __future__ import annotations

import json
import sqlite3
import time

from desktop.store.clock import utc_now_text

from .dataset import USER_ID

SPEC_BATCH = 100
SPEC_SLEEP = 0.1  # the spec's "small delay to prevent database lock contention"

FLOOR_SQL = """
INSERT INTO read_status (user_id, article_id, is_read, is_starred, is_archived, read_at,
                         created_at, updated_at)
SELECT :user, a.id, 1, 0, 0, :now, :now, :now FROM articles a
WHERE a.feed_id IN (SELECT id FROM feeds WHERE category_id = :cat) AND a.id <= :wm
ON CONFLICT (user_id, article_id) DO UPDATE
SET is_read = 1, read_at = excluded.read_at, updated_at = excluded.updated_at
WHERE is_read = 0
"""


def open_plain(path, busy_ms: int = 5000) -> sqlite3.Connection:
    """A plain sqlite3 connection set up like the web server's (WAL, NORMAL, busy timeout)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")
    conn.execute("PRAGMA foreign_keys = on")
    return conn


# What the engine also writes when it records a job's changes for undo (bulk_job_changes):
# the in-scope articles the upsert is about to change, recorded first in the same transaction.
UNDO_RECORD_SQL = """
INSERT INTO bulk_job_changes (job_id, article_id)
SELECT 0, a.id FROM articles a
WHERE a.feed_id IN (SELECT id FROM feeds WHERE category_id = :cat) AND a.id <= :wm
AND NOT EXISTS (SELECT 1 FROM read_status r
                WHERE r.user_id = :user AND r.article_id = a.id AND r.is_read = 1)
"""


def _current_schema(path) -> set[str]:
    """Bring the copy to the app's current schema (untimed), as the engine's open() would."""
    from desktop.store.connection import connect

    db = connect(path)
    try:
        return set(db.get_tables())
    finally:
        db.close()


def run_floor(path, category_id: int, watermark: int, *, undo_record: bool = False) -> dict:
    """One statement marks the whole category read, in one IMMEDIATE transaction.

    With ``undo_record``, the same plus recording the changed articles for undo first: the
    floor for the work the engine does when it keeps an undo record.
    """
    tables = _current_schema(path)
    if undo_record and "bulk_job_changes" not in tables:
        return {"skipped": "this engine keeps no bulk_job_changes table"}
    conn = open_plain(path)
    params = {"user": USER_ID, "now": utc_now_text(), "cat": category_id, "wm": watermark}
    plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + FLOOR_SQL, params)]
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    recorded = conn.execute(UNDO_RECORD_SQL, params).rowcount if undo_record else None
    changed = conn.execute(FLOOR_SQL, params).rowcount
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "changed": changed, "recorded": recorded, "plan": plan}


def run_spec(path, category_id: int) -> dict:
    """``_process_mark_category_read`` + ``_batch_mark_articles_read`` as the spec writes them.

    Two departures, both in the spec's favour: the ``asyncio.sleep(0.1)`` after each batch is
    not slept (its cost is added arithmetically), and ``.scalar()`` on the id queries, which
    would return one id, is read as the evidently intended list of every id.
    """
    from desktop.store.connection import connect
    from desktop.store.models import Article, BulkOperationJob, Feed, ReadStatus

    db = connect(path)
    started = time.perf_counter()
    # create_job: the row, with its estimated total
    total_estimate = (Article.select().join(Feed).where(Feed.category == category_id).count())
    job = BulkOperationJob.create(
        job_type="mark_category_read", status="pending", user_id=USER_ID,
        parameters=json.dumps({"category_id": category_id}), created_at=utc_now_text(),
        total=total_estimate)
    job_id = job.id
    # _process_job
    job = BulkOperationJob.get_by_id(job_id)
    job.status = "running"
    job.started_at = utc_now_text()
    job.save()
    # _process_mark_category_read
    article_ids = [row[0] for row in Article.select(Article.id).join(Feed)
                   .where(Feed.category == category_id).tuples()]
    total_articles = len(article_ids)
    job = BulkOperationJob.get_by_id(job_id)
    job.total = total_articles
    job.save()
    processed = batches = 0
    for i in range(0, total_articles, SPEC_BATCH):
        batch_ids = article_ids[i:i + SPEC_BATCH]
        _batch_mark_articles_read(ReadStatus, USER_ID, batch_ids)
        processed += len(batch_ids)
        job = BulkOperationJob.get_by_id(job_id)
        job.progress = processed
        job.save()
        batches += 1  # the spec sleeps SPEC_SLEEP here
    job = BulkOperationJob.get_by_id(job_id)
    job.status = "completed"
    job.completed_at = utc_now_text()
    job.save()
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "batches": batches, "processed": processed,
            "seconds_with_sleeps": seconds + batches * SPEC_SLEEP}


def _batch_mark_articles_read(ReadStatus, user_id: int, article_ids: list[int]) -> None:
    timestamp = utc_now_text()
    ReadStatus.update(is_read=True, read_at=timestamp, updated_at=timestamp).where(
        (ReadStatus.user == user_id) & (ReadStatus.article.in_(article_ids))).execute()
    existing_ids = {row[0] for row in ReadStatus.select(ReadStatus.article).where(
        (ReadStatus.user == user_id) & (ReadStatus.article.in_(article_ids))).tuples()}
    new_article_ids = [aid for aid in article_ids if aid not in existing_ids]
    if new_article_ids:
        ReadStatus.insert_many([
            {"user": user_id, "article": article_id, "is_read": True, "read_at": timestamp,
             "created_at": timestamp, "updated_at": timestamp}
            for article_id in new_article_ids
        ]).execute()
