"""BulkOperationManager: creates, runs, cancels and lists bulk mark-read jobs on asyncio.

Every database call runs on one DatabaseThread; the event loop only awaits. Jobs run as asyncio
tasks that each take one chunk (one short transaction) at a time, so several jobs interleave and
the loop stays free between chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from peewee import OperationalError

from ..store import connection, jobs_table, schema
from ..store.clock import ago_text
from ..store.jobs_table import JobRecord, JobRequestError
from ..store.models import database_proxy
from ..store.scopes import count_in_scope
from .chunk import mark_chunk_read
from .database_thread import DatabaseThread
from .events import EventHub, JobEvent
from .owners import new_owner_id, owner_is_gone

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.035  # target length of one chunk's write transaction
FIRST_CHUNK = 1000
MIN_CHUNK = 50
MAX_CHUNK = 200_000
LOCK_RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # after SQLite's own 5 s busy timeout


class DatabaseBusyError(RuntimeError):
    pass


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


class BulkOperationManager:
    """The job engine. ``await open()`` first, ``await close()`` last.

    ``max_chunk`` caps articles per transaction (chunks are otherwise sized by time);
    ``contention_pause`` is how long to leave the write lock free after noticing another
    connection's commit, so a waiting writer gets in.
    """

    def __init__(self, database_path, *, create: bool = False, max_chunk: int = MAX_CHUNK,
                 chunk_seconds: float = CHUNK_SECONDS, contention_pause: float = 0.01,
                 keep_finished_hours: float = 24.0):
        self.database_path = database_path
        self.owner = new_owner_id()
        self.events = EventHub()
        self.db = DatabaseThread()
        self._create = create
        self._max_chunk = max(1, max_chunk)  # a cap below MIN_CHUNK is still a cap
        self._chunk_seconds = chunk_seconds
        self._contention_pause = contention_pause
        self.keep_finished_hours = keep_finished_hours
        self._tasks: dict[int, asyncio.Task] = {}
        self._upsert = True

    # -- life cycle -------------------------------------------------------------------------
    async def open(self) -> None:
        """Open (and additively prepare) the database; raises connection.DatabaseOpenError."""
        await self.db.call(connection.connect, self.database_path, create=self._create)
        self._upsert = await self.db.call(schema.has_unique_read_status_index, database_proxy)
        await self.cleanup_finished()

    async def close(self) -> None:
        """Stop running jobs after their current chunk, hand them back as pending, close."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # never opened, or already closed
            await self.db.call(database_proxy.close)
        self.db.shutdown()

    def subscribe(self, callback):
        """Call ``callback(JobEvent)`` on the loop's thread for every event; returns unsubscribe."""
        return self.events.subscribe(callback)

    # -- requests ---------------------------------------------------------------------------
    async def create_job(self, job_type: str, user_id: int, parameters: dict, *,
                         run: bool = True, watermark: int | None = None) -> int:
        """Validate and persist a job, start it here unless ``run`` is False, return its id.

        Raises JobRequestError (unknown user, category, feed, job type, bad parameters) and
        writes nothing in that case. The total is counted in the background.
        """
        job = await self.db.call(jobs_table.insert_job, job_type, user_id, parameters, watermark)
        self.events.publish(JobEvent("created", job))
        if run:
            self.start_job(job.id)
        return job.id

    async def get_job(self, user_id: int, job_id: int) -> JobRecord:
        return await self.db.call(jobs_table.get_job, user_id, job_id)

    async def list_jobs(self, user_id: int, status: str | None = None,
                        job_type: str | None = None, limit: int = 20) -> list[JobRecord]:
        return await self.db.call(jobs_table.list_jobs, user_id, status, job_type, limit)

    async def cancel_job(self, user_id: int, job_id: int) -> JobRecord:
        """Cancel at once; a job running here stops after its current chunk."""
        job = await self.db.call(jobs_table.cancel_job, user_id, job_id)
        if job_id not in self._tasks:
            self.events.publish(JobEvent("finished", job))
        return job

    async def wait_for_job(self, job_id: int) -> JobRecord:
        """Wait until this engine stops running the job; return its row."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.shield(task)
        return await self.db.call(jobs_table.load_job, job_id)

    async def cleanup_finished(self, hours: float | None = None) -> int:
        """Delete finished jobs that ended more than ``hours`` (default 24) ago."""
        hours = self.keep_finished_hours if hours is None else hours
        return await self.db.call(jobs_table.delete_finished_before, ago_text(hours=hours))

    def running_job_ids(self) -> set[int]:
        return set(self._tasks)

    # -- running ----------------------------------------------------------------------------
    def start_job(self, job_id: int, *, take_from: str | None = None) -> asyncio.Task:
        """Run a pending job (or take over one from a gone owner) as a task of this engine."""
        task = self._tasks.get(job_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._run_job(job_id, take_from))
            self._tasks[job_id] = task
            task.add_done_callback(lambda _t, job_id=job_id: self._tasks.pop(job_id, None))
        return task

    async def start_runnable_jobs(self) -> int:
        """Start every pending job and every job whose owner is gone; returns how many."""
        started = 0
        for job_id, status, owner in await self.db.call(jobs_table.runnable_job_ids):
            if job_id in self._tasks:
                continue
            if status == "pending":
                self.start_job(job_id)
            elif status == "running" and owner_is_gone(owner):
                self.start_job(job_id, take_from=owner)
            else:
                continue
            started += 1
        return started

    async def run_available(self, *, once: bool = True, poll_seconds: float = 2.0) -> None:
        """Run pending and interrupted jobs; with ``once``, return when none is left."""
        while True:
            await self.start_runnable_jobs()
            if self._tasks:
                await asyncio.wait(list(self._tasks.values()),
                                   return_when=asyncio.FIRST_COMPLETED)
            elif once:
                return
            else:
                await asyncio.sleep(poll_seconds)

    async def _call_retrying_locks(self, fn, *args, **kwargs):
        """Call on the database thread; a lock that outlasts the busy timeout is retried."""
        for delay in (*LOCK_RETRY_DELAYS, None):
            try:
                return await self.db.call(fn, *args, **kwargs)
            except OperationalError as exc:
                if not _is_lock_error(exc) or delay is None:
                    if _is_lock_error(exc):
                        raise DatabaseBusyError(
                            "the database stayed locked by another program; gave up after "
                            f"{len(LOCK_RETRY_DELAYS)} retries") from exc
                    raise
                log.info("database locked, retrying in %.1f s", delay)
                await asyncio.sleep(delay)

    async def _run_job(self, job_id: int, take_from: str | None) -> None:
        try:
            job = await self._call_retrying_locks(jobs_table.claim_job, job_id, self.owner,
                                                  take_from=take_from)
        except asyncio.CancelledError:  # the claim may have run on the database thread anyway
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        if job is None:  # another worker won the race, or it was cancelled meanwhile
            return
        try:
            await self._process(job)
        except asyncio.CancelledError:
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        except Exception as exc:
            message = str(exc) if isinstance(exc, (JobRequestError, DatabaseBusyError)) else (
                f"{type(exc).__name__}: {exc}")
            log.warning("job %s failed: %s", job_id, message)
            try:
                await self.db.call(jobs_table.finish_job, job_id, self.owner, "failed", message)
            except Exception:
                log.exception("could not record the failure of job %s", job_id)
        final = await self.db.call(jobs_table.load_job, job_id)
        if final is not None:
            self.events.publish(JobEvent("finished", final))

    async def _process(self, job: JobRecord) -> None:
        scope, _ = jobs_table.parse_parameters(job.job_type, job.parameters)
        await self.db.call(jobs_table.check_targets_exist, job.user_id, scope)
        self.events.publish(JobEvent("started", job))
        if not job.total:
            total = job.progress + await self.db.call(count_in_scope, scope, job.watermark,
                                                      job.cursor or 0)
            if await self.db.call(jobs_table.set_total, job.id, self.owner, total):
                job = await self.db.call(jobs_table.load_job, job.id)
                self.events.publish(JobEvent("total", job))
        cursor, size, seen_version = job.cursor or 0, min(FIRST_CHUNK, self._max_chunk), None
        while True:
            outcome = await self._call_retrying_locks(
                mark_chunk_read, job.id, self.owner, job.user_id, scope, cursor, job.watermark,
                size, upsert=self._upsert)
            if outcome.lost:
                return
            cursor = outcome.cursor
            by_category: dict[int | None, int] = {}
            for feed_id, marked in outcome.marked_by_feed.items():
                category_id = outcome.category_of_feed.get(feed_id)
                by_category[category_id] = by_category.get(category_id, 0) + marked
            self.events.publish(JobEvent("progress", outcome.job, dict(outcome.marked_by_feed),
                                         by_category))
            if outcome.completed:
                return
            size = self._next_chunk_size(size, outcome.seconds)
            other_writer_active = seen_version is not None and outcome.other_writers != seen_version
            seen_version = outcome.other_writers
            # Leave the write lock free a moment when another connection is writing: SQLite's
            # busy handler sleeps in growing steps and would keep missing a lock re-taken at once.
            await asyncio.sleep(self._contention_pause if other_writer_active else 0)

    def _next_chunk_size(self, size: int, seconds: float) -> int:
        """Aim the next transaction at ``chunk_seconds``; change by at most 2x a step."""
        if seconds <= 0:
            return min(size * 2, self._max_chunk)
        wanted = size * self._chunk_seconds / seconds
        floor = min(MIN_CHUNK, self._max_chunk)
        return int(max(floor, min(self._max_chunk, size * 2, max(size / 2, wanted))))
