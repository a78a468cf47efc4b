"""What a mark-read chunk writes so that an undo can revert exactly what it changed.

A chunk changes two kinds of read_status rows, and they are recorded apart:

- rows it **inserts** (the user had no row for the article): one ``bulk_job_spans`` row per
  chunk names the ids of the rows it inserted, first_row..last_row. Nothing per article.
- existing rows it **updates** from unread to read: one ``bulk_job_changes`` row each, about a
  dozen bytes, for a minority of articles (rows the user had and left unread).

So the record costs little more than the marking itself. How the two sets are found is the
backend's (``RowidRecorder`` in backends/sqlite_record.py, ``ServerSideRecorder`` in
backends/postgres_record.py; this module holds what both share and what undo reads back):

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

from peewee import SQL, Tuple, fn

from .models import BulkJobArticleSet, BulkJobChange, BulkJobSpan, ReadStatus

# SQLite: a row's columns that a chunk does not write, as one text: what another program's
# star, unstar or archive changes (with updated_at, which a chunk writes too). '' for the
# usual unstarred, unarchived row: a byte in the record instead of ten.
KEPT = ("CASE WHEN {0}.is_starred = 0 AND {0}.is_archived = 0 AND {0}.starred_at IS NULL "
        "THEN '' ELSE quote({0}.is_starred) || ',' || quote({0}.is_archived) || ',' || "
        "quote({0}.starred_at) END")
# a row as a chunk inserts it: neither starred nor archived
AS_INSERTED = ((ReadStatus.is_starred == False) & (ReadStatus.is_archived == False)  # noqa: E712
               & ReadStatus.starred_at.is_null())


# PostgreSQL: the transaction that wrote a row's version, as a number (xid has no ordering;
# backends/postgres_record.py writes this transaction's)
WRITTEN_BY = "xmin::text::bigint"


class RecordLost(Exception):
    """The rows a chunk inserted cannot be told exactly: drop the job's record."""


def write_span(job_id: int, low: int, high: int, first_row: int | None,
               last_row: int | None) -> None:
    BulkJobSpan.insert(job_id=job_id, low=low, high=high, first_row=first_row,
                       last_row=last_row).execute()


def keeps_article_sets(backend) -> bool:
    """Whether ``backend``'s records hold article arrays (ServerSideRecorder's)."""
    return BulkJobArticleSet in backend.record_models()


def article_set_sizes(job_id: int, first_low: int, last_low: int) -> dict[int, int]:
    """{chunk low: how many articles its sets name} for the job's chunks starting in
    [first_low, last_low], in one query."""
    size = fn.SUM(fn.cardinality(BulkJobArticleSet.article_ids))
    return dict(BulkJobArticleSet.select(BulkJobArticleSet.low, size)
                .where((BulkJobArticleSet.job_id == job_id)
                       & BulkJobArticleSet.low.between(first_low, last_low))
                .group_by(BulkJobArticleSet.low).tuples())


# Each function below gives its rows as a few conditions, one statement each: an OR of two
# IN subqueries made SQLite scan every read_status row of the user instead of looking up the
# recorded articles through the (user_id, article_id) index.

def set_rows_as_left(job_id: int, low: int, high: int) -> list:
    """read_status rows of the articles the job's sets name for its chunks in (low, high]
    that are still the version the marking statement wrote (their xmin): any later write, by
    anyone, even within the same second, makes a new version (PostgreSQL)."""
    sets = BulkJobArticleSet
    of_chunks = (sets.job_id == job_id) & (sets.low >= low) & (sets.low < high)
    kept = of_chunks & sets.written_by.is_null(False)
    older = of_chunks & sets.written_by.is_null()
    # The articles and the versions apart, not as (article, version) pairs: pairs made the
    # planner hash-join a scan of the whole table. Apart is as exact: a transaction id is one
    # transaction's, and every row a chunk wrote has its articles in that chunk's sets.
    return [ReadStatus.article.in_(sets.select(fn.unnest(sets.article_ids)).where(kept))
            & SQL(f'"read_status".{WRITTEN_BY}').in_(sets.select(sets.written_by).where(kept)),
            ReadStatus.article.in_(sets.select(fn.unnest(sets.article_ids)).where(older))]


def updated_rows_as_left(job_id: int, low: int, high: int, article_sets: bool) -> list:
    """read_status rows the job's chunks in (low, high] updated (bulk_job_changes) whose
    columns the chunk did not write still hold what it left there (KEPT, on SQLite; a record of
    older versions has none, and its rows are judged by their timestamps alone);
    ``article_sets``: the backend keeps article sets (keeps_article_sets)."""
    changes = BulkJobChange
    of_chunks = (changes.job_id == job_id) & (changes.article_id > low) & (
        changes.article_id <= high)
    if article_sets:  # PostgreSQL records its updates as sets; these are older
        return [ReadStatus.article.in_(changes.select(changes.article_id).where(of_chunks))]
    kept = changes.select(changes.article_id, changes.kept).where(
        of_chunks & changes.kept.is_null(False))
    older = changes.select(changes.article_id).where(of_chunks & changes.kept.is_null())
    return [Tuple(ReadStatus.article, SQL(KEPT.format('"read_status"'))).in_(kept),
            ReadStatus.article.in_(older)]
