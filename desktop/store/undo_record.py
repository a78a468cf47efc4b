"""What a mark-read chunk writes so that an undo can revert exactly what it changed.

A chunk changes two kinds of read_status rows, and they are recorded apart:

- rows it **inserts** (the user had no row for the article): one ``bulk_job_spans`` row per
  chunk names the ids of the rows it inserted, first_row..last_row. Nothing per article.
- existing rows it **updates** from unread to read: one ``bulk_job_changes`` row each, about a
  dozen bytes, for a minority of articles (rows the user had and left unread).

So the record costs little more than the marking itself. How the two sets are found is the
backend's (``RowidRecorder`` for SQLite here, ``ReturningRecorder`` for PostgreSQL):

- SQLite: new rows take rowids above every existing one (with AUTOINCREMENT, not always the
  next ones), and no other program can insert while the chunk holds the write lock, so they are
  exactly the rows with rowid in (largest before the chunk, largest after]. A TEMP trigger of
  this connection (the web server's connections never see it) notes each updated row in a temp
  table, copied into ``bulk_job_changes`` at the end of the chunk.
- PostgreSQL: other sessions insert concurrently, so ids are not a range of ours by position;
  the marking statements return the rows they wrote instead (see backends/postgres.py).

If the inserted rows cannot be told exactly (rowids at SQLite's limit are allocated at random,
or the table has none), the chunk says so and the job runs on without a record, which makes it
not undoable rather than inexact.
"""

from __future__ import annotations

from peewee import fn

from .models import BulkJobChange, BulkJobSpan, ReadStatus

UPDATED = "rss_desktop_marked_updates"  # temp table of this connection


class RecordLost(Exception):
    """The rows a chunk inserted cannot be told exactly: drop the job's record."""


def write_span(job_id: int, low: int, high: int, first_row: int | None,
               last_row: int | None) -> None:
    BulkJobSpan.insert(job_id=job_id, low=low, high=high, first_row=first_row,
                       last_row=last_row).execute()


def write_changes(job_id: int, article_ids) -> None:
    """Record existing rows the chunk changed (by article: the job's user has one of each)."""
    rows = [{"job_id": job_id, "article_id": article_id} for article_id in article_ids]
    for start in range(0, len(rows), 5000):
        BulkJobChange.insert_many(rows[start:start + 5000]).on_conflict_ignore().execute()


class RowidRecorder:
    """SQLite's: the inserted rows by rowid range, the updated ones by a TEMP trigger."""

    needs_rows = False  # the marking statements need not return what they wrote

    def __init__(self, db):
        self.db = db
        self.before = 0

    def _prepare(self) -> None:
        """The temp table and trigger, once per connection (TEMP objects write nothing to the
        database file and exist for this connection only)."""
        db = self.db
        if getattr(db, "recording_ready", None) is db.connection():
            return
        db.execute_sql(f"CREATE TEMP TABLE IF NOT EXISTS {UPDATED} (article_id INTEGER)")
        db.execute_sql(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {UPDATED}_trigger AFTER UPDATE OF is_read ON "
            f"read_status WHEN old.is_read = 0 AND new.is_read = 1 BEGIN INSERT INTO {UPDATED} "
            "VALUES (new.article_id); END")
        db.recording_ready = db.connection()

    @staticmethod
    def _largest_rowid() -> int:
        return ReadStatus.select(fn.MAX(ReadStatus.id)).scalar() or 0

    def begin(self) -> None:
        """Start recording a chunk (inside its transaction)."""
        self._prepare()
        self.db.execute_sql(f"DELETE FROM {UPDATED}")  # whatever other writes of ours left
        self.before = self._largest_rowid()

    def end(self, job_id: int, low: int, high: int, changed_rows: int) -> None:
        """Write the chunk's record. ``changed_rows``: how many rows the chunk's statements
        changed, inserted or updated. Raises RecordLost when the inserted rows are not exactly
        the rowids above the largest before the chunk."""
        db, before = self.db, self.before
        updated = db.execute_sql(f"SELECT count(*) FROM {UPDATED}").fetchone()[0]
        inserted, after = changed_rows - updated, self._largest_rowid()
        above = ReadStatus.select().where(ReadStatus.id > before).count() if inserted else 0
        if above != inserted:  # some new rows took rowids below ``before``
            raise RecordLost(f"{inserted} rows inserted, {above} with rowids above {before}")
        db.execute_sql(f"INSERT OR IGNORE INTO bulk_job_changes (job_id, article_id) "
                       f"SELECT ?, article_id FROM {UPDATED}", (job_id,))
        write_span(job_id, low, high, before + 1 if inserted else None,
                   after if inserted else None)


class ReturningRecorder:
    """PostgreSQL's: the marking statements return the rows they wrote (``took``)."""

    needs_rows = True

    def __init__(self):
        self.inserted: list[tuple[int, int]] = []  # (row id, article id)
        self.updated: list[int] = []  # article ids

    def begin(self) -> None:
        self.inserted, self.updated = [], []

    def took(self, inserted=(), updated=()) -> None:
        self.inserted.extend(inserted)
        self.updated.extend(updated)

    def end(self, job_id: int, low: int, high: int, changed_rows: int) -> None:
        """One span with the inserted rows' ids when they are consecutive (as they are unless
        another session inserted rows at the same moment); otherwise those articles are
        recorded one by one with the updated ones. Exact either way."""
        ids = sorted(row_id for row_id, _ in self.inserted)
        consecutive = bool(ids) and ids[-1] - ids[0] + 1 == len(ids)
        changed = list(self.updated)
        if ids and not consecutive:
            changed += [article_id for _, article_id in self.inserted]
        write_changes(job_id, changed)
        write_span(job_id, low, high, ids[0] if consecutive else None,
                   ids[-1] if consecutive else None)
