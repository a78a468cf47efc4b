"""What a mark-read chunk writes so that an undo can revert exactly what it changed.

A chunk changes two kinds of read_status rows, and they are recorded apart:

- rows it **inserts** (the user had no row for the article): new rows take rowids above every
  existing one (with AUTOINCREMENT, not always the next ones), and no other program can insert
  while the chunk holds the write lock, so they are exactly the rows with rowid in (largest
  before the chunk, largest after]; one ``bulk_job_spans`` row per chunk names that range.
  Nothing per article.
- existing rows it **updates** from unread to read: a TEMP trigger of this connection (the web
  server's connections never see it) notes each in a temp table, copied into
  ``bulk_job_changes`` at the end of the chunk. About a dozen bytes each, for a minority of
  articles (rows the user had and left unread).

So the record costs little more than the marking itself, instead of as much (one row per changed
article, the format of older versions, which undo.py still reverts). If the rowid range cannot
be trusted (rowids at SQLite's limit are allocated at random, or the table has none), the chunk
says so and the job runs on without a record, which makes it not undoable rather than inexact.
"""

from __future__ import annotations

from peewee import fn

from .models import BulkJobSpan, ReadStatus, database_proxy

UPDATED = "rss_desktop_marked_updates"  # temp table of this connection


class RecordLost(Exception):
    """The rows a chunk inserted cannot be told by their rowids: drop the job's record."""


def _prepare(db) -> None:
    """The temp table and trigger, once per connection (TEMP objects write nothing to the
    database file and exist for this connection only)."""
    if getattr(db, "recording_ready", None) is db.connection():
        return
    db.execute_sql(f"CREATE TEMP TABLE IF NOT EXISTS {UPDATED} (article_id INTEGER)")
    db.execute_sql(
        f"CREATE TEMP TRIGGER IF NOT EXISTS {UPDATED}_trigger AFTER UPDATE OF is_read ON "
        f"read_status WHEN old.is_read = 0 AND new.is_read = 1 BEGIN INSERT INTO {UPDATED} "
        "VALUES (new.article_id); END")
    db.recording_ready = db.connection()


def _largest_rowid() -> int:
    return ReadStatus.select(fn.MAX(ReadStatus.id)).scalar() or 0


def begin() -> int:
    """Start recording a chunk (inside its transaction); returns the largest rowid before it."""
    db = database_proxy.obj
    _prepare(db)
    db.execute_sql(f"DELETE FROM {UPDATED}")  # whatever other writes of ours left there
    return _largest_rowid()


def end(job_id: int, low: int, high: int, before: int, changed_rows: int) -> None:
    """Write the chunk's record: the span with its inserted rowids, and the updated rows.
    ``changed_rows``: how many rows the chunk's statements changed, inserted or updated.

    Raises RecordLost when the inserted rows are not exactly the rowids above ``before``."""
    db = database_proxy.obj
    updated = db.execute_sql(f"SELECT count(*) FROM {UPDATED}").fetchone()[0]
    inserted, after = changed_rows - updated, _largest_rowid()
    above = ReadStatus.select().where(ReadStatus.id > before).count() if inserted else 0
    if above != inserted:  # some new rows took rowids below ``before``
        raise RecordLost(f"{inserted} rows inserted, {above} with rowids above {before}")
    db.execute_sql(f"INSERT OR IGNORE INTO bulk_job_changes (job_id, article_id) "
                   f"SELECT ?, article_id FROM {UPDATED}", (job_id,))
    BulkJobSpan.insert(job_id=job_id, low=low, high=high,
                       first_row=before + 1 if inserted else None,
                       last_row=after if inserted else None).execute()
