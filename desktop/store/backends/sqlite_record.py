"""SQLite's undo record of a mark-read chunk (see undo_record.py for what is recorded and
why): the inserted rows by rowid range, the updated ones by a TEMP trigger of this
connection."""

from __future__ import annotations

from ..undo_record import KEPT, RecordLost, write_span

UPDATED = "rss_desktop_marked_updates"  # temp table of this connection


class RowidRecorder:
    """SQLite's: the inserted rows by rowid range, the updated ones by a TEMP trigger."""

    def __init__(self, db):
        self.db = db
        self.before = 0

    @staticmethod
    def marking(sql: str, params: list) -> None:
        """The marking statements run as they are: their row counts are all this needs."""
        return None

    def _prepare(self) -> None:
        """The temp table and trigger (TEMP objects write nothing to the database file and exist
        for this connection only). Asked for in every chunk: created inside a transaction, they
        are gone again if it rolls back, and IF NOT EXISTS costs microseconds in-process."""
        db = self.db
        db.execute_sql(f"CREATE TEMP TABLE IF NOT EXISTS {UPDATED} (article_id INTEGER, "
                       "kept TEXT)")
        db.execute_sql(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {UPDATED}_trigger AFTER UPDATE OF is_read ON "
            "read_status WHEN (old.is_read = 0 OR old.is_read IS NULL) AND new.is_read = 1 "
            f"BEGIN INSERT INTO {UPDATED} VALUES (new.article_id, {KEPT.format('new')}); END")

    def _largest_rowid(self) -> int:
        return self.db.execute_sql("SELECT max(id) FROM read_status").fetchone()[0] or 0

    def begin(self, job_id: int, low: int) -> None:
        """Start recording a chunk of job ``job_id`` (inside its transaction)."""
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
        above = db.execute_sql("SELECT count(*) FROM read_status WHERE id > ?",
                               (before,)).fetchone()[0] if inserted else 0
        if above != inserted:  # some new rows took rowids below ``before``
            raise RecordLost(f"{inserted} rows inserted, {above} with rowids above {before}")
        db.execute_sql(f"INSERT OR IGNORE INTO bulk_job_changes (job_id, article_id, kept) "
                       f"SELECT ?, article_id, kept FROM {UPDATED}", (job_id,))
        write_span(job_id, low, high, before + 1 if inserted else None,
                   after if inserted else None)
