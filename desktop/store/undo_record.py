"""What a mark-read chunk writes so that an undo can revert exactly what it changed.

A chunk changes two kinds of read_status rows, and they are recorded apart:

- rows it **inserts** (the user had no row for the article): one ``bulk_job_spans`` row per
  chunk names the ids of the rows it inserted, first_row..last_row. Nothing per article.
- existing rows it **updates** from unread to read: one ``bulk_job_changes`` row each, about a
  dozen bytes, for a minority of articles (rows the user had and left unread).

So the record costs little more than the marking itself. How the two sets are found is the
backend's (``RowidRecorder`` for SQLite, ``ServerSideRecorder`` for PostgreSQL):

- SQLite: new rows take rowids above every existing one (with AUTOINCREMENT, not always the
  next ones), and no other program can insert while the chunk holds the write lock, so they are
  exactly the rows with rowid in (largest before the chunk, largest after]. A TEMP trigger of
  this connection (the web server's connections never see it) notes each updated row in a temp
  table, copied into ``bulk_job_changes`` at the end of the chunk.
- PostgreSQL: other sessions insert concurrently, and ``INSERT … ON CONFLICT`` draws an id for
  every row it proposes, so the inserted rows' ids are never a range of ours. Each marking
  statement records the articles it changed, inserted or updated, as one sorted array row of
  ``bulk_job_article_sets`` in the same statement (a data-modifying WITH). No article crosses
  to Python (sending them back through Python doubled the job's time), and the record costs
  4 bytes an article (a ``bulk_job_changes`` row each, with its index, cost 70 and 17 % of the
  job's time); undo reverts them as it reverts updated rows.

If the inserted rows cannot be told exactly (rowids at SQLite's limit are allocated at random,
or the table has none), the chunk says so and the job runs on without a record, which makes it
not undoable rather than inexact.
"""

from __future__ import annotations

from peewee import fn

from .backends import current as current_backend
from .models import BulkJobArticleSet, BulkJobSpan

UPDATED = "rss_desktop_marked_updates"  # temp table of this connection


class RecordLost(Exception):
    """The rows a chunk inserted cannot be told exactly: drop the job's record."""


def write_span(job_id: int, low: int, high: int, first_row: int | None,
               last_row: int | None) -> None:
    BulkJobSpan.insert(job_id=job_id, low=low, high=high, first_row=first_row,
                       last_row=last_row).execute()


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
        db.execute_sql(f"CREATE TEMP TABLE IF NOT EXISTS {UPDATED} (article_id INTEGER)")
        db.execute_sql(
            f"CREATE TEMP TRIGGER IF NOT EXISTS {UPDATED}_trigger AFTER UPDATE OF is_read ON "
            f"read_status WHEN old.is_read = 0 AND new.is_read = 1 BEGIN INSERT INTO {UPDATED} "
            "VALUES (new.article_id); END")

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
        db.execute_sql(f"INSERT OR IGNORE INTO bulk_job_changes (job_id, article_id) "
                       f"SELECT ?, article_id FROM {UPDATED}", (job_id,))
        write_span(job_id, low, high, before + 1 if inserted else None,
                   after if inserted else None)


class ServerSideRecorder:
    """PostgreSQL's: each marking statement also records the articles it changed, as one array
    row of ``bulk_job_article_sets``, inside the server, in the same statement."""

    def __init__(self, db):
        self.db = db
        self.job_id = self.low = 0

    def marking(self, sql: str, params: list) -> tuple[str, list]:
        """``sql`` (an INSERT or UPDATE of read_status without RETURNING) as one statement that
        also records the articles it changed; its one row is (rows changed, articles changed).

        Exact whatever other sessions insert meanwhile: the record names articles, not rows
        (DISTINCT folds a duplicate row's). A statement that changed nothing records nothing.
        The job and the chunk are parameters, not literals: the text stays the same for the
        whole job, so psycopg prepares it once instead of once per chunk."""
        return (f"WITH marked AS ({sql} RETURNING article_id), "
                "noted AS (INSERT INTO bulk_job_article_sets (job_id, low, article_ids) "
                "SELECT %s, %s, array_agg(DISTINCT article_id) FROM marked "
                "HAVING count(*) > 0) "
                "SELECT count(*), count(DISTINCT article_id) FROM marked",
                [*params, self.job_id, self.low])

    def begin(self, job_id: int, low: int) -> None:
        self.job_id, self.low = job_id, low

    def end(self, job_id: int, low: int, high: int, changed_rows: int) -> None:
        write_span(job_id, low, high, None, None)


def keeps_article_sets() -> bool:
    """Whether this backend's records hold article arrays (ServerSideRecorder's)."""
    return BulkJobArticleSet in current_backend().record_models()


def article_set_sizes(job_id: int, first_low: int, last_low: int) -> dict[int, int]:
    """{chunk low: how many articles its sets name} for the job's chunks starting in
    [first_low, last_low], in one query."""
    size = fn.SUM(fn.cardinality(BulkJobArticleSet.article_ids))
    return dict(BulkJobArticleSet.select(BulkJobArticleSet.low, size)
                .where((BulkJobArticleSet.job_id == job_id)
                       & BulkJobArticleSet.low.between(first_low, last_low))
                .group_by(BulkJobArticleSet.low).tuples())


def articles_in_sets(job_id: int, low: int, high: int):
    """A subquery: the article ids the job's sets name for its chunks in (low, high]."""
    return (BulkJobArticleSet.select(fn.unnest(BulkJobArticleSet.article_ids))
            .where((BulkJobArticleSet.job_id == job_id) & (BulkJobArticleSet.low >= low)
                   & (BulkJobArticleSet.low < high)))
