"""Undoing a finished mark-read job: make unread again exactly the articles it changed.

A mark-read job records each article it changed (``bulk_job_changes``). Undo reverts those whose
read state is still the job's doing: read, with ``read_at`` inside the job's run and
``updated_at`` equal to it. An article read again later, marked unread, or starred since, is
left as it is; an article that was read before the job was never recorded.
"""

from __future__ import annotations

import json

from peewee import fn

from .clock import utc_now_text
from .jobs_table import JobRecord, JobRequestError, get_job, load_job
from .models import Article, BulkJobChange, BulkOperationJob, ReadStatus

UNDO_JOB_TYPE = "undo_mark_read"
MAX_UNDO_CHUNK = 10_000  # article ids go into one IN list: stay far below SQLite's 32,766


def check_undoable(job: JobRecord) -> None:
    """Raise JobRequestError saying why ``job`` cannot be undone, if it cannot."""
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


def count_changes(job_id: int) -> int:
    return BulkJobChange.select().where(BulkJobChange.job_id == job_id).count()


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


def revert_changes(job: JobRecord, low: int, high: int, now: str) -> dict[int, int]:
    """Make unread the recorded articles of ``job`` in (low, high] that are still as the job
    left them. Returns {feed_id: how many became unread}."""
    recorded = BulkJobChange.select(BulkJobChange.article_id).where(
        (BulkJobChange.job_id == job.id) & (BulkJobChange.article_id > low)
        & (BulkJobChange.article_id <= high))
    reverted = [article_id for (article_id,) in
                ReadStatus.update(is_read=False, read_at=None, updated_at=now)
                .where((ReadStatus.user == job.user_id) & ReadStatus.article.in_(recorded)
                       & (ReadStatus.is_read == True)  # noqa: E712
                       & (ReadStatus.read_at == ReadStatus.updated_at)
                       & ReadStatus.read_at.between(job.started_at, job.completed_at))
                .returning(ReadStatus.article).tuples().execute()]
    if not reverted:
        return {}
    return dict(Article.select(Article.feed, fn.COUNT(Article.id))
                .where(Article.id.in_(reverted)).group_by(Article.feed).tuples())


def insert_undo_job(user_id: int, job_id: int) -> JobRecord:
    """Create the pending job that undoes the user's job ``job_id`` and mark that job undone.

    Another user's job is "not found" (JobNotFound); a job that cannot be undone, or was undone
    already, raises JobRequestError saying why. Nothing is written in either case.
    """
    with BulkOperationJob._meta.database.atomic("IMMEDIATE"):
        original = get_job(user_id, job_id)
        check_undoable(original)
        row = BulkOperationJob.create(
            job_type=UNDO_JOB_TYPE, status="pending", user_id=user_id,
            parameters=json.dumps({"job_id": job_id}), progress=0, total=count_changes(job_id),
            created_at=utc_now_text(), cursor=0, marked_count=0, watermark=0)
        BulkOperationJob.update(undone_by=row.id).where(BulkOperationJob.id == job_id).execute()
    return load_job(row.id)
