"""The two reference points: the physical floor, and the web server spec's algorithm as written.

Both run in a child process on a fresh copy (see child.py) and return plain dicts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from desktop.store.clock import utc_now_text
from desktop.store.undo_record import KEPT

from ..common.dataset import USER_ID
from ..common.plain_connection import open_plain

SPEC_BATCH = 100
SPEC_SLEEP = 0.1  # the spec's "small delay to prevent database lock contention"

FLOOR_SQL = """
INSERT INTO read_status (user_id, article_id, is_read, is_starred, is_archived, read_at,
                         created_at, updated_at)
SELECT :user, a.id, 1, 0, 0, :now, :now, :now FROM articles a
WHERE a.feed_id IN (SELECT id FROM feeds WHERE category_id = :cat) AND a.id <= :wm
ON CONFLICT (user_id, article_id) DO UPDATE
SET is_read = 1, read_at = excluded.read_at, updated_at = excluded.updated_at
WHERE is_read = 0 OR is_read IS NULL
"""


# The engine's undo record (desktop/store/undo_record.py) in bare SQL: a TEMP trigger notes the
# existing rows the statement updates; the rows it inserts are named by their rowid range.
RECORD_SETUP = (
    "CREATE TEMP TABLE IF NOT EXISTS bench_marked_updates (article_id INTEGER, kept TEXT)",
    "CREATE TEMP TRIGGER IF NOT EXISTS bench_marked_updates_trigger AFTER UPDATE OF is_read ON "
    "read_status WHEN (old.is_read = 0 OR old.is_read IS NULL) AND new.is_read = 1 BEGIN "
    f"INSERT INTO bench_marked_updates VALUES (new.article_id, {KEPT.format('new')}); END",
)
LARGEST_ROWID = "SELECT max(id) FROM read_status"
RECORD_UPDATES = ("INSERT OR IGNORE INTO bulk_job_changes (job_id, article_id, kept) "
                  "SELECT 0, article_id, kept FROM bench_marked_updates")
RECORD_SPAN = ("INSERT INTO bulk_job_spans (job_id, low, high, first_row, last_row) "
               "VALUES (0, 0, :wm, :first, :last)")


def _current_schema(path) -> set[str]:
    """Bring the copy to the app's current schema (untimed), as the engine's open() would."""
    from desktop.store.backends.sqlite import SQLITE
    from desktop.store.connection import connect
    from desktop.store.schema import ensure_schema

    db = connect(path)
    try:
        ensure_schema(SQLITE, db)  # a prepared copy: writes nothing
        return set(db.get_tables())
    finally:
        db.close()


def run_floor(path, category_id: int, watermark: int, *, foreign_keys: bool = True,
              undo_record: bool = False) -> dict:
    """One statement marks the whole category read, in one IMMEDIATE transaction, on a
    connection enforcing foreign keys (the web server's) or not (``foreign_keys=False``, ours).

    With ``undo_record``, the same plus the engine's undo record in bare SQL (RECORD_SETUP...):
    the floor for the work the engine does when it keeps one.
    """
    tables = _current_schema(path)
    if undo_record and not {"bulk_job_changes", "bulk_job_spans"} <= tables:
        return {"skipped": "this engine keeps no bulk_job_spans table"}
    conn = open_plain(path, foreign_keys=foreign_keys)
    params = {"user": USER_ID, "now": utc_now_text(), "cat": category_id, "wm": watermark}
    plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + FLOOR_SQL, params)]
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    recorded = None
    if undo_record:
        for sql in RECORD_SETUP:
            conn.execute(sql)
        before = conn.execute(LARGEST_ROWID).fetchone()[0] or 0
    changed = conn.execute(FLOOR_SQL, params).rowcount
    if undo_record:
        after = conn.execute(LARGEST_ROWID).fetchone()[0] or 0
        recorded = conn.execute(RECORD_UPDATES).rowcount
        conn.execute(RECORD_SPAN, {"wm": watermark, "first": before + 1, "last": after})
    committing = time.perf_counter()
    wal = Path(f"{path}-wal")
    spilled = wal.stat().st_size if wal.exists() else 0  # pages the cache could not hold
    conn.execute("COMMIT")  # the WAL frames are written here (and a checkpoint may follow)
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "commit_seconds": seconds - (committing - started),
            "wal_bytes_before_commit": spilled, "changed": changed,
            "recorded_updates": recorded, "plan": plan, "foreign_keys": foreign_keys}


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
