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

from ..store import clock, connection, jobs_table, schema, undo
from ..store.clock import ago_text
from ..store.jobs_table import JobRecord, JobRequestError
from ..store.models import database_proxy
from ..store.scopes import count_in_scope
from ..store.sqlite_file import OtherProcesses
from .chunk import mark_chunk_read, undo_chunk
from .database_thread import DatabaseThread
from .events import EventHub, JobEvent
from .leases import PENDING_GRACE_SECONDS, STALLED_SECONDS, decide, make_owner, owned_by_us
from .pacing import Pacer

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.035  # target length of one chunk's write transaction
ROLLBACK_CHUNK_SECONDS = 0.015  # in a rollback-journal file, where readers wait for a commit
FIRST_CHUNK = 1000
MIN_CHUNK = 50
MAX_CHUNK = 200_000
CLEANUP_SECONDS = 3600.0  # at most this often, an engine that runs jobs deletes old ones
SERVER_WAIT_POLL_SECONDS = 0.5  # work --once, while a pending row is still the server's
LOCK_RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # after SQLite's own 5 s busy timeout


class DatabaseBusyError(RuntimeError):
    pass


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def failure_message(exc: Exception) -> str:
    """What a failed job's error_message says: readable, and what to do about it."""
    text = str(exc)
    if isinstance(exc, (JobRequestError, DatabaseBusyError)):
        return text
    if "disk is full" in text.lower():
        return (f"the disk is full ({text}); the work done so far is kept: retry the job once "
                "there is space")
    if "i/o error" in text.lower():
        return f"the disk reported an error ({text}); the work done so far is kept"
    return f"{type(exc).__name__}: {text}"


class BulkOperationManager:
    """The job engine. ``await open()`` first, ``await close()`` last.

    Opening writes nothing to the database: the schema this app adds is prepared before the
    first job is written, claimed, cancelled or retried, and old finished jobs are cleaned up
    only by an engine that writes jobs anyway.

    ``max_chunk`` caps articles per transaction (chunks are otherwise sized by time);
    ``contention_pause`` and ``probe_every`` pace the chunks so other writers get in (see
    pacing.Pacer). ``record_changes=False`` keeps no undo record: the jobs it runs cannot be
    undone (the benchmark shows what recording costs). With ``recover_every`` (seconds) the
    engine also adopts, on its own, jobs that other processes left pending or that a dead
    process was running. A database this user cannot write opens read-only: listing works,
    ``read_only_reason`` says why nothing else does.
    """

    def __init__(self, database_path, *, create: bool = False, max_chunk: int = MAX_CHUNK,
                 chunk_seconds: float = CHUNK_SECONDS, contention_pause: float = 0.025,
                 probe_every: float | None = 2.0, record_changes: bool = True,
                 keep_finished_hours: float = 24.0, recover_every: float | None = None,
                 stalled_seconds: float = STALLED_SECONDS,
                 lock_retry_delays: tuple[float, ...] = LOCK_RETRY_DELAYS,
                 busy_timeout_ms: int = connection.BUSY_TIMEOUT_MS):
        self.database_path = database_path
        self.owner = make_owner()
        self.read_only_reason: str | None = None
        self.journal_mode: str | None = None
        self._recover_every = recover_every
        self._stalled_seconds = stalled_seconds
        self._watched: dict[int, tuple[int, float]] = {}  # server's job: (progress, seen since)
        self.waiting_for_server = 0
        self._recovery: asyncio.Task | None = None
        self._lock_retry_delays = lock_retry_delays
        self._busy_timeout_ms = busy_timeout_ms
        self._schema_ready = False
        self._preparing = asyncio.Lock()
        self._next_cleanup = float("-inf")  # loop time of the next cleanup of finished jobs
        self._others = OtherProcesses(database_path)
        self.events = EventHub()
        self.db = DatabaseThread()  # every write, and the reads a chunk depends on
        # Reads for the faces (job status, counts) on a connection of their own, so they never
        # queue behind a running chunk.
        self.reads = DatabaseThread("rss-desktop-read")
        self._create = create
        # mark-read chunks are spans of article ids, so at most this many articles each
        self._max_chunk = max(1, max_chunk)  # a cap below MIN_CHUNK is still a cap
        self._chunk_seconds = chunk_seconds
        self._contention_pause = contention_pause
        self._probe_every = probe_every
        self._record_changes = record_changes
        self._seen_version: int | None = None  # data_version this engine last saw
        self.keep_finished_hours = keep_finished_hours
        self._tasks: dict[int, asyncio.Task] = {}
        self.pacers: dict[int, Pacer] = {}  # job id -> how its last run here shared the lock
        self._upsert = True

    # -- life cycle -------------------------------------------------------------------------
    async def open(self) -> None:
        """Open the database (writing nothing); raises connection.DatabaseOpenError."""
        database = await self.db.call(connection.connect, self.database_path,
                                      create=self._create, allow_read_only=True,
                                      busy_timeout_ms=self._busy_timeout_ms)
        self.read_only_reason = getattr(database, "read_only_reason", None)
        self.journal_mode = getattr(database, "file_journal_mode", None)
        if self.journal_mode != "wal":  # readers wait for our commits: keep them short
            self._chunk_seconds = min(self._chunk_seconds, ROLLBACK_CHUNK_SECONDS)
        await self.reads.call(database_proxy.initialize, database)
        if self.read_only_reason:
            return
        self._seen_version = await self.db.call(connection.data_version)
        if self._recover_every:
            self._recovery = asyncio.get_running_loop().create_task(self._recover_forever())

    async def close(self) -> None:
        """Stop running jobs after their current chunk, hand them back as pending, close."""
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for thread in (self.reads, self.db):
            with contextlib.suppress(Exception):  # never opened, or already closed
                # A lambda: the proxy resolves its database on that thread, not here.
                await thread.call(lambda: database_proxy.close())
            thread.shutdown()

    async def prepare_for_writing(self) -> None:
        """Create what this app adds to the schema, if anything is missing (once per engine).

        The first job on a server's database creates the job table's additions and the indexes
        the hot path needs; on a large database that takes a moment, on the database thread.
        """
        self._check_writable()
        async with self._preparing:
            if self._schema_ready:
                return
            await self._call_retrying_locks(schema.ensure_schema, database_proxy)
            self._upsert = await self.db.call(schema.has_unique_read_status_index,
                                              database_proxy)
            self._schema_ready = True

    def _check_writable(self) -> None:
        if self.read_only_reason:
            raise JobRequestError(self.read_only_reason)

    def subscribe(self, callback):
        """Call ``callback(JobEvent)`` on the loop's thread for every event; returns unsubscribe."""
        return self.events.subscribe(callback)

    # -- requests ---------------------------------------------------------------------------
    async def create_job(self, job_type: str, user_id: int, parameters: dict, *,
                         run: bool = True, watermark: int | None = None,
                         force: bool = False, confirmed_count: int | None = None) -> int:
        """Validate, count and persist a job, start it here unless ``run`` is False, return its
        id. ``confirmed_count``: the unread count up to ``watermark`` that the person confirmed
        (kept with the job, so a face can show progress toward the number the person saw).

        Raises JobRequestError (unknown user, category, feed, job type, bad parameters; or,
        unless ``force``, a job of the web server's running on overlapping articles) and
        writes nothing in that case.
        """
        self._check_writable()
        if job_type == undo.UNDO_JOB_TYPE:
            return (await self.undo_job(user_id, (parameters or {}).get("job_id"), run=run)).id
        # a request that makes no sense is refused before anything is written
        scope, _ = await self.reads.call(jobs_table.check_request, job_type, user_id,
                                         parameters, watermark)
        if not force:
            await self.refuse_overlap(user_id, scope)
        watermark, total = await self.reads.call(jobs_table.count_scope, scope, watermark)
        await self.prepare_for_writing()
        job = await self.db.call(jobs_table.insert_job, job_type, user_id, parameters, watermark,
                                 total, confirmed_count)
        self.events.publish(JobEvent("created", job))
        if run:
            self.start_job(job.id)
        return job.id

    async def server_jobs_overlapping(self, user_id: int, scope) -> list[JobRecord]:
        """The web server's unfinished jobs of the user on articles that ``scope`` covers too."""
        return await self.reads.call(jobs_table.server_jobs_overlapping, user_id, scope)

    async def refuse_overlap(self, user_id: int, scope) -> None:
        """Raise JobRequestError if the web server is running a job on overlapping articles:
        its read-then-insert can fail on rows our job inserts meanwhile."""
        overlapping = await self.server_jobs_overlapping(user_id, scope)
        if overlapping:
            ids = ", ".join(str(job.id) for job in overlapping)
            raise jobs_table.OverlapError(
                f"the web server is marking some of these articles read right now (job {ids}); "
                "a job on them too could make its job fail: wait for it to finish")

    async def get_job(self, user_id: int, job_id: int) -> JobRecord:
        return await self.reads.call(jobs_table.get_job, user_id, job_id)

    async def list_jobs(self, user_id: int, status: str | None = None,
                        job_type: str | None = None, limit: int = 20) -> list[JobRecord]:
        return await self.reads.call(jobs_table.list_jobs, user_id, status, job_type, limit)

    async def cancel_job(self, user_id: int, job_id: int, *,
                         cancelled_by: str | None = None) -> JobRecord:
        """Cancel at once; a job running here stops after its current chunk. ``cancelled_by``
        names who asked ("the desktop app"), for whoever runs the job to say so."""
        self._check_writable()
        server_grace = ago_text(seconds=PENDING_GRACE_SECONDS)
        if not self._schema_ready:  # refused (not found, the server's...) before any write
            jobs_table.check_cancellable(await self.get_job(user_id, job_id), server_grace)
            await self.prepare_for_writing()
        job = await self.db.call(jobs_table.cancel_job, user_id, job_id, server_grace,
                                 cancelled_by)
        if job_id not in self._tasks:
            self.events.publish(JobEvent("finished", job))
        return job

    async def undo_job(self, user_id: int, job_id: int, *, run: bool = True) -> JobRecord:
        """Create (and by default run here) the job that makes unread again exactly the articles
        ``job_id`` marked read. Raises JobNotFound for another user's job, JobRequestError when
        it cannot be undone (running, undone already, an undo itself, no record)."""
        self._check_writable()
        undo.check_undoable(await self.get_job(user_id, job_id))
        await self.prepare_for_writing()
        job = await self.db.call(undo.insert_undo_job, user_id, job_id)
        self.events.publish(JobEvent("created", job))
        if run:
            self.start_job(job.id)
        return job

    async def retry_job(self, user_id: int, job_id: int, *, run: bool = True) -> JobRecord:
        """Make a failed or cancelled job pending again and (by default) run it here; it
        continues from its persisted cursor."""
        self._check_writable()
        jobs_table.check_retryable(await self.get_job(user_id, job_id))
        await self.prepare_for_writing()
        job = await self.db.call(jobs_table.retry_job, user_id, job_id)
        self.events.publish(JobEvent("created", job))
        if run:
            self.start_job(job_id)
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
        self._check_writable()
        if not await self.reads.call(jobs_table.has_finished_before, ago_text(hours=hours)):
            return 0
        await self.prepare_for_writing()
        return await self.db.call(jobs_table.delete_finished_before, ago_text(hours=hours))

    async def _cleanup_now_and_then(self) -> None:
        """Clean up at most once an hour, and only when this engine writes a job anyway: an
        engine that merely has the database open leaves it untouched."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_cleanup:
            return
        self._next_cleanup = loop.time() + CLEANUP_SECONDS
        try:
            await self.cleanup_finished()
        except Exception:  # never a reason to fail the job at hand
            log.exception("cleanup of finished jobs failed")

    def running_job_ids(self) -> set[int]:
        return set(self._tasks)

    # -- running ----------------------------------------------------------------------------
    def start_job(self, job_id: int, *, take_over: bool = False, take_from: str | None = None,
                  counted: tuple[int, int] | None = None) -> asyncio.Task:
        """Run a pending job (or, with ``take_over``, one whose owner ``take_from`` is gone) as
        a task of this engine; ``counted``: see jobs_table.count_for_claim."""
        task = self._tasks.get(job_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._run_job(job_id, take_over, take_from, counted))
            self._tasks[job_id] = task
            task.add_done_callback(lambda _t, job_id=job_id: self._tasks.pop(job_id, None))
        return task

    async def start_runnable_jobs(self) -> int:
        """Start pending jobs and take over jobs whose owner is gone (see leases.decide).

        Sets ``waiting_for_server``: how many pending rows are left to the web server for now.
        """
        if self.read_only_reason:
            return 0
        jobs = await self.reads.call(jobs_table.unfinished_jobs)
        now, started, self.waiting_for_server = clock.now(), 0, 0
        stalled = self._watch_server_jobs(jobs)
        for job in jobs:
            if job.id in self._tasks:
                continue
            run, take_from = decide(job, me=self.owner, now=now, stalled=job.id in stalled)
            if run:
                # a row another program wrote may lack a total: count it before it runs
                counted = (None if job.total else
                           await self.reads.call(jobs_table.count_for_claim, job.id))
                self.start_job(job.id, take_over=job.status == "running", take_from=take_from,
                               counted=counted)
                started += 1
            elif job.status == "pending":
                self.waiting_for_server += 1
        return started

    def _watch_server_jobs(self, jobs: list[JobRecord]) -> set[int]:
        """Ids of the web server's running jobs whose progress this engine has seen frozen for
        ``stalled_seconds``: the server moves it ~10 times a second while it lives."""
        now = asyncio.get_running_loop().time()
        watched, stalled = {}, set()
        for job in jobs:
            if job.status != "running" or owned_by_us(job.owner):
                continue
            progress, since = self._watched.get(job.id, (None, now))
            if progress != job.progress:
                since = now
            watched[job.id] = (job.progress, since)
            if now - since >= self._stalled_seconds:
                stalled.add(job.id)
        self._watched = watched
        return stalled

    async def _recover_forever(self) -> None:
        """Adopt and resume jobs every ``recover_every`` seconds (reading only, until there is
        one to run)."""
        while True:
            try:
                await self.start_runnable_jobs()
            except Exception:  # e.g. locked for long: try again next round
                log.exception("recovery round failed")
            await asyncio.sleep(self._recover_every)

    async def run_available(self, *, once: bool = True, poll_seconds: float = 2.0) -> None:
        """Run pending and interrupted jobs; with ``once``, return when none is left,
        otherwise keep adopting them every ``poll_seconds`` until cancelled."""
        if not once:
            self._recover_every = poll_seconds
            await self._recover_forever()
        while True:
            await self.start_runnable_jobs()
            if self._tasks:
                await asyncio.wait(list(self._tasks.values()),
                                   return_when=asyncio.FIRST_COMPLETED)
            elif self.waiting_for_server:  # the server's to start; ours once its grace is over
                await asyncio.sleep(SERVER_WAIT_POLL_SECONDS)
            else:
                return

    async def _call_retrying_locks(self, fn, *args, **kwargs):
        """Call on the database thread; a lock that outlasts the busy timeout is retried."""
        for delay in (*self._lock_retry_delays, None):
            try:
                return await self.db.call(fn, *args, **kwargs)
            except OperationalError as exc:
                if not _is_lock_error(exc) or delay is None:
                    if _is_lock_error(exc):
                        raise DatabaseBusyError(
                            "the database stayed locked by another program; gave up after "
                            f"{len(self._lock_retry_delays)} retries") from exc
                    raise
                log.info("database locked, retrying in %.1f s", delay)
                await asyncio.sleep(delay)

    async def _run_job(self, job_id: int, take_over: bool, take_from: str | None,
                       counted: tuple[int, int] | None) -> None:
        try:
            await self.prepare_for_writing()
            job = await self._call_retrying_locks(jobs_table.claim_job, job_id, self.owner,
                                                  take_over=take_over, take_from=take_from,
                                                  counted=counted)
        except asyncio.CancelledError:  # the claim may have run on the database thread anyway
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        except DatabaseBusyError as exc:  # never claimed: a pending job fails with the reason
            log.info("job %s failed: %s", job_id, exc)
            await self._record_failure(jobs_table.fail_unowned_job, job_id, str(exc))
            await self._publish_finished(job_id)
            return
        if job is None:  # another worker won the race, or it was cancelled meanwhile
            return
        try:
            await self._cleanup_now_and_then()  # while this job runs: it cannot be among them
            await self._process(job)
        except asyncio.CancelledError:
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        except Exception as exc:
            message = failure_message(exc)
            log.info("job %s failed: %s", job_id, message)  # the faces report it
            await self._record_failure(jobs_table.finish_job, job_id, self.owner, "failed",
                                       message)
        await self._publish_finished(job_id)

    async def _publish_finished(self, job_id: int) -> None:
        """Say how this engine's part in the job ended: "finished", or "released" when the job
        goes on elsewhere (another worker took it over)."""
        final = await self.db.call(jobs_table.load_job, job_id)
        if final is not None:
            self.events.publish(JobEvent("finished" if final.finished else "released", final))

    async def _record_failure(self, fn, job_id: int, *args) -> None:
        """Write a job's failure, waiting out a lock as chunks do; if even that fails the row
        stays as it was (pending, or running for recovery to find)."""
        try:
            await self._call_retrying_locks(fn, job_id, *args)
        except Exception:
            log.exception("could not record the failure of job %s", job_id)

    async def _process(self, job: JobRecord) -> None:
        scope, _ = jobs_table.parse_parameters(job.job_type, job.parameters)
        await self.db.call(jobs_table.check_targets_exist, job.user_id, scope)
        self.events.publish(JobEvent("started", job))
        if scope.kind == "undo":
            original = await self.db.call(jobs_table.load_job, scope.target_id)

            def chunk(cursor, size):
                return undo_chunk(job.id, self.owner, original, cursor, size)

            def count_total():
                return undo.count_changes(original.id)
        else:
            record = bool(job.recorded) and self._record_changes
            if job.recorded and not record:  # a partial record would make undo inexact
                await self.db.call(jobs_table.forget_record, job.id, self.owner)

            def chunk(cursor, size):
                return mark_chunk_read(job.id, self.owner, job.user_id, scope, cursor,
                                       job.watermark, size, upsert=self._upsert, record=record)

            def count_total():
                return job.progress + count_in_scope(scope, job.watermark, job.cursor or 0)
        others = self._others

        def paced_chunk(cursor, size):  # on the database thread, like every file access
            outcome = chunk(cursor, size)
            outcome.others_present = others.present()
            return outcome

        total = 0 if job.total else await self.db.call(count_total)
        if total and await self.db.call(jobs_table.set_total, job.id, self.owner, total):
            job = await self.db.call(jobs_table.load_job, job.id)
            self.events.publish(JobEvent("total", job))
        cursor, size = job.cursor or 0, min(FIRST_CHUNK, self._max_chunk)
        pacer = self.pacers[job.id] = Pacer(self._chunk_seconds,
                                            shared_pause=self._contention_pause,
                                            probe_every=self._probe_every)
        # From what this engine last saw: a writer that committed since then is noticed at once.
        pacer.start(self._seen_version if self._seen_version is not None
                    else await self.db.call(connection.data_version))
        while True:
            outcome = await self._call_retrying_locks(paced_chunk, cursor, size)
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
            self._seen_version = outcome.other_writers
            pause = pacer.pause_after(outcome.other_writers, outcome.others_present)
            size = self._next_chunk_size(size, outcome.seconds, pacer.target_seconds)
            await asyncio.sleep(pause)

    def _next_chunk_size(self, size: int, seconds: float, target: float) -> int:
        """Aim the next transaction at ``target`` seconds; change by at most 2x a step."""
        if seconds <= 0:
            return min(size * 2, self._max_chunk)
        wanted = size * target / seconds
        floor = min(MIN_CHUNK, self._max_chunk)
        return int(max(floor, min(self._max_chunk, size * 2, max(size / 2, wanted))))
