"""Undoing a finished mark-read job: make unread again exactly the articles it changed.

A mark-read job records what it changed (undo_record.py: per chunk the rowids of the rows it
inserted, and each existing row it updated — on PostgreSQL, arrays of the articles each of its
statements changed; jobs of older versions, each article it changed).
Undo reverts those whose row still holds what the chunk left in it: read, with ``read_at``
inside the job's run and ``updated_at`` equal to it, and — exact, not to the second — on
PostgreSQL still the row version the chunk wrote (xmin), on SQLite with the columns the chunk
did not write (starred, archived, starred_at) as it left them (undo_record). An article read
again later, marked unread, starred or unstarred since, even within the chunk's second, is left
as it is; an article that was read before the job was never recorded.
"""

from __future__ import annotations

import json
from contextlib import nullcontext

from peewee import fn

from . import undo_record
from .clock import utc_now_text
from .job_types import UNDO
from .jobs_table import (
    RECORD_FORMAT,
    JobRecord,
    JobRequestError,
    get_job,
    load_job,
    write_transaction,
)
from .models import (
    Article,
    BulkJobChange,
    BulkJobSpan,
    BulkOperationJob,
    ReadStatus,
    returned_rows,
)

UNDO_JOB_TYPE = UNDO.name
MAX_UNDO_CHUNK = 10_000  # recorded articles an undo chunk of an older job's record reverts
ID_BATCH = 10_000  # article ids bound in one statement: far below SQLite's 32,766


def check_undoable(job: JobRecord) -> None:
    """Raise JobRequestError saying why ``job`` cannot be undone, if it cannot."""
    if job.unreadable:
        raise JobRequestError(job.unreadable)
    if job.job_type == UNDO_JOB_TYPE:
        raise JobRequestError(f"job {job.id} is itself an undo and cannot be undone")
    if not job.finished:
        raise JobRequestError(f"job {job.id} is still {job.status}; cancel it or let it finish "
                              "before undoing it")
    if job.undone_by:
        raise JobRequestError(f"job {job.id} was already undone (by job {job.undone_by})")
    if not job.recorded:
        raise JobRequestError(f"job {job.id} was not run by this app from its start, so there "
                              "is no record of the articles it changed")
    if not job.marked_count:
        raise JobRequestError(f"job {job.id} marked no article read; there is nothing to undo")


def count_changes(job: JobRecord) -> int:
    """How many articles the job's record names: what its undo goes through."""
    if job.recorded == RECORD_FORMAT:
        return job.marked_count or 0
    return BulkJobChange.select().where(BulkJobChange.job_id == job.id).count()


def next_spans(backend, job_id: int, cursor: int,
               size: int) -> tuple[int, int, list[tuple], bool]:
    """(how many recorded rows, largest article id, [(first_row, last_row) of each span], any
    left after) of the job's next chunks after ``cursor``: at least one, until they name
    ``size`` rows (``backend``: the database's, whose record is read)."""
    count, high, ranges = 0, cursor, []
    spans = list(BulkJobSpan.select(BulkJobSpan.low, BulkJobSpan.high, BulkJobSpan.first_row,
                                    BulkJobSpan.last_row)
                 .where((BulkJobSpan.job_id == job_id) & (BulkJobSpan.low >= cursor))
                 .order_by(BulkJobSpan.low).limit(64).tuples())
    in_sets = (undo_record.article_set_sizes(job_id, spans[0][0], spans[-1][0])
               if spans and undo_record.keeps_article_sets(backend) else {})
    for low, span_high, first, last in spans:
        updated = BulkJobChange.select().where(
            (BulkJobChange.job_id == job_id) & (BulkJobChange.article_id > low)
            & (BulkJobChange.article_id <= span_high)).count()
        if first is not None:  # (AUTOINCREMENT leaves gaps between rowids)
            updated += ReadStatus.select().where(ReadStatus.id.between(first, last)).count()
        updated += in_sets.get(low, 0)
        count += updated
        high = span_high
        if first is not None:
            ranges.append((first, last))
        if count >= size:
            break
    left = BulkJobSpan.select().where((BulkJobSpan.job_id == job_id)
                                      & (BulkJobSpan.low >= high) & (BulkJobSpan.high > high))
    return count, high, ranges, left.exists()


def next_changes(job_id: int, cursor: int, size: int) -> tuple[int, int]:
    """(how many, largest article id) of the next ``size`` recorded changes after ``cursor``."""
    window = (BulkJobChange.select(BulkJobChange.article_id)
              .where((BulkJobChange.job_id == job_id) & (BulkJobChange.article_id > cursor))
              .order_by(BulkJobChange.article_id).limit(min(size, MAX_UNDO_CHUNK))
              .alias("window"))
    count, high = (BulkJobChange.select(fn.COUNT(window.c.article_id),
                                        fn.MAX(window.c.article_id))
                   .from_(window).tuples().get())
    return count, high or cursor


def _still_the_jobs_doing(job: JobRecord):
    """read_status rows whose read state nobody changed since the job marked them."""
    return ((ReadStatus.user == job.user_id) & (ReadStatus.is_read == True)  # noqa: E712
            & (ReadStatus.read_at == ReadStatus.updated_at)
            & ReadStatus.read_at.between(job.started_at, job.completed_at))


def _revert(job: JobRecord, rows, now: str) -> list[int]:
    """Make unread the job's rows among ``rows`` still as it left them; their article ids."""
    return [article_id for (article_id,) in returned_rows(
        ReadStatus.update(is_read=False, read_at=None, updated_at=now)
        .where(_still_the_jobs_doing(job) & rows).returning(ReadStatus.article).tuples())]


def revert_changes(backend, job: JobRecord, low: int, high: int, now: str,
                   inserted: list[tuple] = ()) -> dict[int, int]:
    """Make unread the job's recorded rows for articles in (low, high] — the updated ones it
    recorded, and those it inserted (rowid ranges ``inserted``) — that are still as the job
    left them. Returns {feed_id: how many became unread}."""
    article_sets = undo_record.keeps_article_sets(backend)
    as_left = undo_record.updated_rows_as_left(job.id, low, high, article_sets)
    if article_sets:
        as_left += undo_record.set_rows_as_left(job.id, low, high)
    reverted = [article for rows in as_left for article in _revert(job, rows, now)]
    for first, last in inserted:
        reverted += _revert(job, ReadStatus.id.between(first, last) & undo_record.AS_INSERTED,
                            now)
    by_feed: dict[int, int] = {}
    for start in range(0, len(reverted), ID_BATCH):
        for feed_id, count in (Article.select(Article.feed, fn.COUNT(Article.id))
                               .where(Article.id.in_(reverted[start:start + ID_BATCH]))
                               .group_by(Article.feed).tuples()):
            by_feed[feed_id] = by_feed.get(feed_id, 0) + count
    return by_feed


def insert_undo_job(backend, user_id: int, job_id: int, *, check_only: bool = False) -> JobRecord:
    """Create the pending job that undoes the user's job ``job_id`` and mark that job undone,
    read, checked and written under one lock of its row.

    Another user's job is "not found" (JobNotFound); a job that cannot be undone, or was undone
    already, raises JobRequestError saying why. Nothing is written in either case, nor with
    ``check_only``, which returns the job as read if it could be undone.
    """
    with nullcontext() if check_only else write_transaction(backend):
        original = get_job(user_id, job_id, lock_with=None if check_only else backend)
        check_undoable(original)
        if check_only:
            return original
        row = BulkOperationJob.create(
            job_type=UNDO_JOB_TYPE, status="pending", user_id=user_id,
            parameters=json.dumps({"job_id": job_id}), progress=0, total=count_changes(original),
            created_at=utc_now_text(), cursor=0, marked_count=0, watermark=0)
        BulkOperationJob.update(undone_by=row.id).where(BulkOperationJob.id == job_id).execute()
    return load_job(row.id)
