"""Rows of ``bulk_operation_jobs``: validation, creation, queries and guarded state changes.

Every state change that a worker makes is guarded by "still running and still mine", so a job
cancelled (by anyone, in any process) or taken over is never written by a stale worker.
"""

from __future__ import annotations

import functools
import json
from contextlib import nullcontext
from dataclasses import dataclass, fields
from types import SimpleNamespace

import peewee
from peewee import Case, fn

from .built_once import BuiltOnce
from .clock import db_text_of, shown, utc_now_text
from .job_requests import (
    MAX_ID,
    JobRequestError,
    bounded_watermark,
    check_request,
    newest_article_id,
    parse_parameters,
    positive_int,
)
from .models import BulkOperationJob, Feed, database_proxy, job_columns, returned_rows
from .scopes import Scope, count_in_scope

STATUSES = ("pending", "running", "completed", "failed", "cancelled")
FINISHED = ("completed", "failed", "cancelled")
MAX_LIST_LIMIT = 100
# bulk_operation_jobs.recorded: how a mark-read job keeps its undo record. 1 (older versions):
# one bulk_job_changes row per changed article. 2: per chunk a bulk_job_spans row (the rows it
# inserted, by rowid range) and a bulk_job_changes row per existing row it changed; on
# PostgreSQL instead, per marking statement a bulk_job_article_sets row of the articles it
# changed (undo reads whichever the job has).
RECORD_PER_ARTICLE, RECORD_FORMAT = 1, 2


def write_transaction(backend):
    """One write transaction on this thread's database, of ``backend`` (see backends.base)."""
    return backend.write_transaction(database_proxy.obj)


def locked(backend, query):
    """``query`` holding the rows it reads until the transaction ends (see backends.base)."""
    return backend.for_update(query)


class JobNotFound(LookupError):
    def __init__(self, job_id):
        super().__init__(f"job {job_id} not found")
        self.job_id = job_id


@dataclass(frozen=True)
class JobRecord:
    """A plain snapshot of one job row, safe to hand between threads."""

    id: int
    job_type: str
    status: str
    user_id: int
    parameters: str
    progress: int
    total: int
    created_at: str
    started_at: str | None
    completed_at: str | None
    error_message: str | None
    watermark: int | None
    cursor: int | None
    marked_count: int | None
    owner: str | None
    recorded: int | None = None
    undone_by: int | None = None
    updated_at: str | None = None
    confirmed_count: int | None = None
    # what in the row cannot be understood (a column another program filled with something
    # else), naming the job, the column and the value: such a job is failed, never run
    unreadable: str | None = None

    @classmethod
    def from_row(cls, row: BulkOperationJob) -> JobRecord:
        """The row as plain values, read defensively (see _read_column): timestamps in any
        accepted form become the database's text; a value that cannot be understood is kept
        as it is (ints: as None), and the first one is named in ``unreadable``."""
        values, problems = {}, []
        for f in fields(cls):
            value = getattr(row, f.name, None)
            if f.name != "unreadable":
                value, problem = _read_column(f.name, value)
                if problem:
                    problems.append(f"its {f.name} holds {shown(value)}, which is {problem}")
                    value = None if f.name in INTEGER_COLUMNS else value
            values[f.name] = value
        values["progress"] = values["progress"] or 0
        values["total"] = values["total"] or 0
        if problems:
            values["unreadable"] = f"job {values['id']} cannot be run: {problems[0]}"
        return cls(**values)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def run_by_server(self) -> bool:
        """Written and run by a program that knows only the spec's columns (the web server):
        none of ours filled in, no owner of ours."""
        return self.watermark is None and self.owner is None

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


TIMESTAMP_COLUMNS = ("created_at", "started_at", "completed_at", "updated_at")
INTEGER_COLUMNS = ("user_id", "progress", "total", "watermark", "cursor", "marked_count",
                   "recorded", "undone_by", "confirmed_count")


def _read_column(name: str, value) -> tuple[object, str | None]:
    """(the value as a JobRecord holds it, what is wrong with it or None) for one column of a
    job row, which another program may have written (SQLite keeps whatever it was given)."""
    if value is None:
        return None, None
    if name in TIMESTAMP_COLUMNS:
        try:
            return db_text_of(value), None
        except ValueError:
            return value, "not a timestamp"
    if name == "status" and value not in STATUSES:
        return value, f"not a status ({', '.join(STATUSES)})"
    if name in INTEGER_COLUMNS:
        least = 1 if name == "user_id" else 0
        if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_ID:
            return value, "not a user id" if name == "user_id" else "not a count or an id"
    return value, None


def insert_job(backend, job_type: str, user_id: int, parameters: dict, watermark: int | None = None,
               total: int = 0, confirmed_count: int | None = None) -> JobRecord:
    """Validate and write a new pending job; nothing is written if invalid.

    ``watermark`` and ``total`` come from ``count_scope``: a job is never seen as "0 of 0".
    ``confirmed_count``: the unread articles the person was shown and confirmed, if any.
    """
    with write_transaction(backend):
        scope, parameters = check_request(job_type, user_id, parameters, watermark)
        row = BulkOperationJob.create(
            job_type=job_type, status="pending", user_id=user_id,
            parameters=json.dumps(parameters, sort_keys=True), progress=0, total=total,
            created_at=utc_now_text(), cursor=0, marked_count=0, recorded=RECORD_FORMAT,
            confirmed_count=confirmed_count,
            watermark=bounded_watermark(scope, watermark))
    return JobRecord.from_row(row)


def server_jobs_overlapping(user_id: int, scope: Scope) -> list[JobRecord]:
    """The web server's unfinished jobs of the user whose articles overlap ``scope``'s (reads
    only). Its jobs read ids, then insert rows: running beside ours they can fail on the
    unique (user_id, article_id) index."""
    def category_of(feed_id):
        return Feed.select(Feed.category).where(Feed.id == feed_id).scalar()

    def overlap(a: Scope, b: Scope) -> bool:
        if "all" in (a.kind, b.kind):
            return True
        if a.kind == b.kind:
            return a.target_id == b.target_id
        category, feed = (a, b) if a.kind == "category" else (b, a)
        return category.kind == "category" and category_of(feed.target_id) == category.target_id

    found = []
    for job in unfinished_jobs():
        if job.user_id != user_id or not job.run_by_server or job.unreadable:
            continue
        try:
            theirs, _ = parse_parameters(job.job_type, job.parameters)
        except JobRequestError:
            continue
        if theirs.kind != "undo" and overlap(scope, theirs):
            found.append(job)
    return found


def count_for_claim(job_id: int) -> tuple[int, int] | None:
    """(watermark, total) to set when claiming a job whose row has no total yet — counted
    before the claim, so its row never reads "running 0 of 0". None when it has one, or when
    the row makes no sense (running it will fail with the reason)."""
    query = _select_jobs()
    row = query.where(BulkOperationJob.id == job_id).first() if query is not None else None
    if row is None or row.total:
        return None
    job = JobRecord.from_row(row)
    if job.unreadable:
        return None
    try:
        scope, _ = parse_parameters(job.job_type, job.parameters)
    except JobRequestError:
        return None
    if scope.kind == "undo":
        return None
    watermark = bounded_watermark(scope, job.watermark)
    after = job.cursor or 0
    return watermark, (job.progress if after else 0) + count_in_scope(scope, watermark, after)


def _select_jobs():
    """SELECT of the job columns this database has: until this app first writes a job, the
    database may hold the server's table without our columns, or no job table at all (None)."""
    database = BulkOperationJob._meta.database.obj
    present = job_columns.get(database)  # cached until the schema is prepared
    if not present:
        present = {c.name for c in database.get_columns("bulk_operation_jobs")}
        if present:
            job_columns[database] = present
    if not present:
        return None
    return BulkOperationJob.select(*[field for field in BulkOperationJob._meta.sorted_fields
                                     if field.column_name in present])


def load_job(job_id: int) -> JobRecord | None:
    row = BulkOperationJob.get_or_none(BulkOperationJob.id == job_id)
    return JobRecord.from_row(row) if row else None


def get_job(user_id: int, job_id: int, *, lock_with=None) -> JobRecord:
    """The user's job; another user's job is "not found" too. With ``lock_with`` (the backend,
    inside a write transaction) its row stays as read until the transaction ends."""
    if not all(isinstance(value, int) and 0 < value <= MAX_ID for value in (user_id, job_id)):
        raise JobNotFound(job_id)  # no row has such an id
    query = _select_jobs()
    if query is not None:
        query = query.where((BulkOperationJob.id == job_id)
                            & (BulkOperationJob.user_id == user_id))
    row = (locked(lock_with, query) if lock_with else query).first() if query is not None else None
    if row is None:
        raise JobNotFound(job_id)
    return JobRecord.from_row(row)


def list_jobs(user_id: int, status: str | None = None, job_type: str | None = None,
              limit: int = 20) -> list[JobRecord]:
    """The user's jobs, newest first."""
    positive_int(user_id, "user id")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIST_LIMIT:
        raise JobRequestError(f"limit must be between 1 and {MAX_LIST_LIMIT}, not {limit!r}")
    if status is not None and status not in STATUSES:
        raise JobRequestError(f"unknown status {status!r} (known: {', '.join(STATUSES)})")
    query = _select_jobs()
    if query is None:
        return []
    query = query.where(BulkOperationJob.user_id == user_id)
    if status:
        query = query.where(BulkOperationJob.status == status)
    if job_type:
        query = query.where(BulkOperationJob.job_type == job_type)
    query = query.order_by(BulkOperationJob.created_at.desc(), BulkOperationJob.id.desc())
    return [JobRecord.from_row(row) for row in query.limit(limit)]


def _mine(job_id: int, owner: str):
    return ((BulkOperationJob.id == job_id) & (BulkOperationJob.status == "running")
            & (BulkOperationJob.owner == owner))


def claim_job(job_id: int, owner: str, *, take_over: bool = False,
              take_from: str | None = None, counted: tuple[int, int] | None = None,
              note: str | None = None) -> JobRecord | None:
    """Make a pending job (or, with ``take_over``, a running one held by ``take_from``, None
    meaning no owner of ours) running under ``owner``, keeping its cursor and progress.
    ``counted`` is ``count_for_claim``'s (watermark, total) for a row without a total;
    ``note`` the job's message from now on (None clears an earlier failure's).

    A guarded update: of several workers racing for the same job exactly one wins. The loser,
    or a caller whose job is no longer claimable (completed meanwhile...), gets None.
    """
    J = BulkOperationJob
    if not take_over:
        guard = (J.status == "pending")
    elif take_from is None:
        guard = (J.status == "running") & J.owner.is_null()
    else:
        guard = (J.status == "running") & (J.owner == take_from)
    row = J.get_or_none((J.id == job_id) & guard)  # only to know a missing watermark's value
    if row is None:
        return None
    now = utc_now_text()
    watermark = counted[0] if counted else (
        _claim_watermark(row) if row.watermark is None else row.watermark)
    changes = {
        J.status: "running", J.owner: owner, J.updated_at: now,
        J.started_at: fn.COALESCE(J.started_at, now), J.completed_at: None,
        J.error_message: note,
        # written by a process that knows only the spec's columns: no watermark, no cursor (it
        # runs from the start, so its progress counts from 0), no count of marked articles
        J.watermark: fn.COALESCE(J.watermark, watermark),
        J.cursor: fn.COALESCE(J.cursor, 0),
        J.progress: Case(None, [(J.cursor.is_null(), 0)], J.progress),
        J.marked_count: fn.COALESCE(J.marked_count, 0),
        # we run it from its start: record it all
        J.recorded: Case(None, [(J.recorded.is_null() & (fn.COALESCE(J.cursor, 0) == 0),
                                 RECORD_FORMAT)], J.recorded),
    }
    if counted:
        changes[J.total] = Case(None, [(
            (fn.COALESCE(J.total, 0) == 0) & (J.watermark.is_null() | (J.watermark == counted[0])),
            counted[1])], J.total)
    # One guarded statement: of several workers racing for the job (on any backend, in any
    # process) exactly one matches the guard; the others, or a caller whose job is no longer
    # claimable (completed meanwhile...), get None.
    claimed = returned_rows(J.update(changes).where((J.id == job_id) & guard).returning(J))
    return JobRecord.from_row(claimed[0]) if claimed else None


def _claim_watermark(job: BulkOperationJob) -> int:
    """The watermark of a row claimed without one: the newest article, or its
    ``up_to_article`` (a row that makes no sense fails when it runs, with the reason)."""
    try:
        scope, _ = parse_parameters(job.job_type, job.parameters)
    except JobRequestError:
        return newest_article_id()
    return bounded_watermark(scope)


NOT_OURS = object()  # held_cursor's answer for a job that is no longer this worker's


def held_cursor(backend, job_id: int, owner: str):
    """The job's stored cursor if it is still running under ``owner``, else NOT_OURS. Inside a
    write transaction the answer stays true until the end: the row is held (FOR UPDATE where
    rows are locked), so a cancel or a takeover waits for the transaction or has already won.
    One statement: a chunk asks it first."""
    statement = _held_cursor_template(type(database_proxy.obj), backend)
    params = statement.params({"job_id": job_id, "owner": owner})
    row = database_proxy.execute_sql(statement.sql, params).fetchone()
    return NOT_OURS if row is None else row[0]


@functools.cache
def _held_cursor_template(database_kind: type, backend) -> BuiltOnce:
    """held_cursor's SQL, built once per kind of database (as record_chunk's)."""
    query = BulkOperationJob.select(BulkOperationJob.cursor).where(_mine(-9101, "\x00owner"))
    return BuiltOnce.from_query(locked(backend, query), {-9101: "job_id", "\x00owner": "owner"})


def set_total(job_id: int, owner: str, total: int) -> bool:
    query = BulkOperationJob.update(total=total).where(_mine(job_id, owner))
    return query.execute() == 1


def record_chunk(job_id: int, owner: str, processed: int, marked: int, cursor: int,
                 *, completed: bool) -> JobRecord:
    """Advance progress and cursor (caller holds the transaction and has checked
    ``held_cursor``); the row as the chunk leaves it, from the same statement (RETURNING)."""
    statement = _record_chunk_template(type(database_proxy.obj), completed)
    params = statement.params({"job_id": job_id, "processed": processed, "marked": marked,
                               "cursor": cursor, "now": utc_now_text()})
    with peewee.__exception_wrapper__:  # the row fetched inside it too (see returned_rows)
        row = database_proxy.execute_sql(statement.sql, params).fetchone()
    fields_ = BulkOperationJob._meta.sorted_fields
    return JobRecord.from_row(SimpleNamespace(**{
        field.name: field.python_value(value) for field, value in zip(fields_, row, strict=True)}))


def _record_chunk_query(job_id, processed, marked, cursor, now, completed: bool):
    progress = BulkOperationJob.progress + processed
    changes = {
        BulkOperationJob.progress: progress,
        BulkOperationJob.cursor: cursor,
        BulkOperationJob.marked_count: BulkOperationJob.marked_count + marked,
        BulkOperationJob.updated_at: now,
        # total may still be uncounted (0), or articles may have moved into the scope.
        BulkOperationJob.total: fn_max(BulkOperationJob.total, progress),
    }
    if completed:  # nothing of the scope is left: progress is the true total
        changes.update({BulkOperationJob.status: "completed", BulkOperationJob.total: progress,
                        BulkOperationJob.completed_at: now})
    return (BulkOperationJob.update(changes).where(BulkOperationJob.id == job_id)
            .returning(*BulkOperationJob._meta.sorted_fields))


# Stand-ins for record_chunk's values while peewee builds its SQL once per kind of database:
# building it was 0.6-0.7 ms of every chunk (issue 26; the statement itself takes 0.04 ms).
_RECORD_STAND_INS = {-9101: "job_id", -9102: "processed", -9103: "marked", -9104: "cursor",
                     "\x00now": "now"}


@functools.cache
def _record_chunk_template(database_kind: type, completed: bool) -> BuiltOnce:
    query = _record_chunk_query(-9101, -9102, -9103, -9104, "\x00now", completed)
    return BuiltOnce.from_query(query, _RECORD_STAND_INS)


def fn_max(a, b):
    """The greater of two expressions (portable: CASE rather than SQLite's two-argument max)."""
    return Case(None, [(a >= b, a)], b)


def finish_job(job_id: int, owner: str, status: str, error_message: str | None = None) -> bool:
    """End a job this worker runs as ``status``; False if it was no longer ours."""
    now = utc_now_text()
    query = BulkOperationJob.update(status=status, error_message=error_message, completed_at=now,
                                    updated_at=now).where(_mine(job_id, owner))
    return query.execute() == 1


def fail_unowned_job(job_id: int, error_message: str) -> bool:
    """Fail a pending job nobody can run (its row makes no sense)."""
    now = utc_now_text()
    query = BulkOperationJob.update(status="failed", error_message=error_message,
                                    completed_at=now, updated_at=now).where(
        (BulkOperationJob.id == job_id) & (BulkOperationJob.status == "pending"))
    return query.execute() == 1


def fail_unreadable_job(job: JobRecord) -> bool:
    """Fail a job whose row cannot be understood (``job.unreadable`` says why), if the row
    still has the status and owner it was read with; False if it changed meanwhile."""
    J = BulkOperationJob
    now = utc_now_text()
    owner = J.owner.is_null() if job.owner is None else (J.owner == job.owner)
    query = J.update(status="failed", error_message=job.unreadable, completed_at=now,
                     updated_at=now).where((J.id == job.id) & (J.status == job.status) & owner)
    return query.execute() == 1


def check_cancellable(job: JobRecord, server_grace_cutoff: str | None = None,
                      server_gone: str | None = None) -> None:
    """Raise JobRequestError saying why the job cannot be cancelled from here, if it cannot.

    The web server never looks at a job's status once it has it: a cancel written here would
    be ignored and the job finished anyway. So its jobs — running, or pending (it starts them
    at once; a stopped server starts them when it resumes) — are refused rather than
    pretend-cancelled, unless ``server_gone`` says why the server can no longer run it
    (leases.server_cannot_run).
    """
    if job.finished:
        raise JobRequestError(f"job {job.id} is already {job.status}")
    if not job.run_by_server or server_gone:
        return
    if job.status == "running":
        raise JobRequestError(f"job {job.id} is being run by the web server, which does not "
                              "stop for a cancel written by another program; it was left as "
                              "it is")
    if server_grace_cutoff is not None and job.created_at > server_grace_cutoff:
        raise JobRequestError(f"job {job.id} was just created by the web server, which runs it "
                              "itself; it was left as it is")
    raise JobRequestError(f"job {job.id} was created by the web server, which still has the "
                          "database open and may still run it (a cancel written here would "
                          "not stop it); it was left as it is")


def cancel_job(backend, user_id: int, job_id: int, server_grace_cutoff: str | None = None,
               cancelled_by: str | None = None, server_gone_of=None, *,
               check_only: bool = False) -> JobRecord:
    """Cancel the user's pending or running job at once: read, checked and written under one
    lock of its row.

    A running job's worker sees the status at its next chunk and stops there; every chunk it
    committed stays done. A finished job, or one the web server may still run (see
    check_cancellable), is refused with JobRequestError. ``cancelled_by`` ("the desktop app")
    is kept in the job's message, so the program that was running the job can say who stopped
    it; ``server_gone_of(job)``, asked for a web server's unfinished job, says why the server
    can no longer run it (leases.server_cannot_run), and it is cancelled all the same. With
    ``check_only`` nothing is written: the job as read, if it could be cancelled.
    """
    with nullcontext() if check_only else write_transaction(backend):
        job = get_job(user_id, job_id, lock_with=None if check_only else backend)
        server_gone = (server_gone_of(job) if server_gone_of is not None and job.run_by_server
                       and not job.finished else None)
        check_cancellable(job, server_grace_cutoff, server_gone)
        if check_only:
            return job
        now = utc_now_text()
        message = cancel_message(cancelled_by) if cancelled_by else None
        if server_gone and job.run_by_server:
            message = f"{message or 'cancelled'}: {server_gone}"
        BulkOperationJob.update(status="cancelled", completed_at=now, updated_at=now,
                                error_message=message).where(
            BulkOperationJob.id == job_id).execute()
    return load_job(job_id)


def cancel_message(cancelled_by: str) -> str:
    """The message of a job cancelled by ``cancelled_by`` (see cancel_job)."""
    return f"cancelled by {cancelled_by}"


def unfinished_jobs() -> list[JobRecord]:
    """Every pending or running job, oldest first, and every row whose status is none of the
    five (it is failed as unreadable); none if the job table does not exist yet."""
    query = _select_jobs()
    if query is None:
        return []
    query = query.where(BulkOperationJob.status.not_in(FINISHED))
    return [JobRecord.from_row(row) for row in query.order_by(BulkOperationJob.id)]


def check_retryable(job: JobRecord, gone_owner: str | None = None) -> None:
    """Raise JobRequestError unless the job is failed, cancelled, or running under
    ``gone_owner`` (a worker of ours that is gone: see leases.decide)."""
    if job.status == "running" and gone_owner is not None and job.owner == gone_owner:
        return
    if job.status not in ("failed", "cancelled"):
        raise JobRequestError(f"job {job.id} is {job.status}; only failed or cancelled jobs "
                              "can be retried (or a running one whose worker is gone)")


def retry_job(backend, user_id: int, job_id: int, gone_owner_of=None, *,
              check_only: bool = False) -> JobRecord:
    """Make the user's failed or cancelled job (or one left running by a worker of ours that is
    gone: ``gone_owner_of(job)`` names it, or None) pending again, read, checked and written
    under one lock of its row; it continues from its cursor. With ``check_only`` nothing is
    written: the job as read, if it could be retried."""
    with nullcontext() if check_only else write_transaction(backend):
        job = get_job(user_id, job_id, lock_with=None if check_only else backend)
        check_retryable(job, gone_owner_of(job) if gone_owner_of is not None else None)
        if check_only:
            return job
        BulkOperationJob.update(status="pending", owner=None, completed_at=None,
                                error_message=None, updated_at=utc_now_text()).where(
            BulkOperationJob.id == job_id).execute()
    return load_job(job_id)


def _delete_jobs(backend, condition) -> int:
    """Delete finished jobs matching ``condition`` with their undo records."""
    with write_transaction(backend):
        doomed = BulkOperationJob.select(BulkOperationJob.id).where(
            BulkOperationJob.status.in_(FINISHED) & condition)
        for record in backend.record_models():
            record.delete().where(record.job_id.in_(doomed)).execute()
            # records whose job someone else deleted (the web server knows nothing of them)
            record.delete().where(record.job_id.not_in(
                BulkOperationJob.select(BulkOperationJob.id))).execute()
        return BulkOperationJob.delete().where(
            BulkOperationJob.status.in_(FINISHED) & condition).execute()


def has_finished_before(cutoff: str) -> bool:
    """Whether a finished job ended before ``cutoff`` (reads only; False without a job table)."""
    query = _select_jobs()
    return query is not None and query.where(
        BulkOperationJob.status.in_(FINISHED) & (BulkOperationJob.completed_at < cutoff)).exists()


def delete_finished_before(backend, cutoff: str) -> int:
    """Remove finished jobs that ended before ``cutoff``; returns how many."""
    return _delete_jobs(backend, BulkOperationJob.completed_at < cutoff)


def release_job(job_id: int, owner: str) -> bool:
    """Hand a running job back as pending (this worker is shutting down); cursor is kept."""
    query = BulkOperationJob.update(status="pending", owner=None, updated_at=utc_now_text()).where(
        _mine(job_id, owner))
    return query.execute() == 1


def count_finished_jobs(user_id: int) -> int:
    """How many finished jobs the user has (reads only; 0 without a job table)."""
    query = _select_jobs()
    if query is None:
        return 0
    return query.where((BulkOperationJob.user_id == user_id)
                       & BulkOperationJob.status.in_(FINISHED)).count()


def delete_finished_jobs(backend, user_id: int) -> int:
    """Remove all of the user's finished jobs (the panel's "Clear finished")."""
    return _delete_jobs(backend, BulkOperationJob.user_id == user_id)


def forget_record(backend, job_id: int, owner: str) -> None:
    """The job will run on without an undo record: drop the part it has, and say so."""
    with write_transaction(backend):
        if BulkOperationJob.update(recorded=None).where(_mine(job_id, owner)).execute():
            for record in backend.record_models():
                record.delete().where(record.job_id == job_id).execute()
