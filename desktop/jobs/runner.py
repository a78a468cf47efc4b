"""Running one job here: claim it, then chunk after chunk until it is done, cancelled or taken.

One part of BulkOperationManager (manager.py), which hands it the database thread, owner,
options, event hub and the other parts it works with: the guard (what may be written), the
lock-retrying calls (LockRetrying, here too), the schema's preparation and the cleanup of old
finished jobs. It owns the tasks of the jobs running here and what they leave behind.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future

from peewee import DatabaseError, InterfaceError

from ..store import connection, job_requests, jobs_table, undo
from ..store.jobs_table import JobRecord, JobRequestError
from ..store.scopes import count_in_scope
from .chunk import mark_chunk_read, undo_chunk
from .events import JobEvent
from .pacing import Pacer

log = logging.getLogger(__name__)

FIRST_CHUNK = 1000
MIN_CHUNK = 50
LOCK_RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # after SQLite's own 5 s busy timeout


class DatabaseBusyError(RuntimeError):
    pass


class DatabaseDamaged(JobRequestError):
    """The database is damaged: every write is refused, with what was found and what to do."""


class DatabasePathChanged(Exception):
    """The engine's path no longer names the file it opened: ``what`` is "removed" or
    "replaced". The engine writes nothing more (a job it ran stays ``running`` under its owner
    in the file it had open, and resumes when that file is back)."""

    def __init__(self, target, what: str, job_id: int | None = None, cursor: int | None = None):
        self.target, self.what, self.job_id, self.cursor = target, what, job_id, cursor
        how = "removed" if what == "removed" else "replaced by another file"
        if job_id is None:
            line = f"{target} was {how}; this engine stopped using it"
        else:
            line = (f"{target} was {how} while job {job_id} ran; stopped after article "
                    f"{cursor or 0:,}, writing nothing more; the job goes on from there once "
                    f"that file is back at {target} (rss-desktop work)")
        super().__init__(line)


class JobStopped(Exception):
    """A job this engine ran stopped without an outcome it could record (its file was removed,
    replaced or found damaged); the message says why and what happens to the job."""


class FailureNotRecorded(RuntimeError):
    """A job failed here and even writing that failure failed (the server is down, the file is
    gone): its row still says running, under this engine. ``message`` is what the job's
    error_message would have said, ``reason`` why it could not be written. Recovery writes it
    as soon as it can (``start_runnable_jobs``); once this process has ended, ``retry`` or
    ``work`` goes on with the job from its cursor (its owner is gone)."""

    def __init__(self, job_id: int, message: str, reason: str):
        super().__init__(f"job {job_id} failed: {message}; recording that failed too: {reason}")
        self.job_id, self.message, self.reason = job_id, message, reason


def failure_message(exc: Exception, backend=None, target=None) -> str:
    """What a failed job's error_message says: readable, and what to do about it (naming
    ``target``, the database as a person sees it, where the backend's words need it)."""
    if isinstance(exc, (JobRequestError, DatabaseBusyError)):
        return str(exc)
    if backend is None:
        from ..store.backends.sqlite import SQLITE as backend
    return backend.failure_message(exc, target) or f"{type(exc).__name__}: {exc}"


def _note_task_error(task: asyncio.Task) -> None:
    """A job task that ended on an error its own handling let through (the database failing
    before the job was claimed): retrieved here, so that asyncio never prints it as "never
    retrieved"; a face that waits for the job is given the error as well."""
    if not task.cancelled() and task.exception() is not None:
        log.info("job task ended: %s", task.exception())


class LockRetrying:
    """Calls on a database thread that wait out a lock: one that outlasts the busy timeout (or
    a conflict, or a lost connection to a database server) is retried after each of the
    ``delays``; then DatabaseBusyError."""

    def __init__(self, db, delays: tuple[float, ...], guard):
        self.db, self.delays, self.guard = db, delays, guard

    async def call(self, fn, *args, thread=None, **kwargs):
        """Call on the database thread (or ``thread``: the reads')."""
        thread = thread or self.db
        backend = self.guard.backend
        for delay in (*self.delays, None):
            try:
                return await thread.call(fn, *args, **kwargs)
            except (DatabaseError, InterfaceError) as exc:
                retryable = backend.is_retryable(exc)
                if not retryable or delay is None:
                    if retryable and not backend.failure_message(exc):
                        raise DatabaseBusyError(
                            "the database stayed locked by another program; gave up after "
                            f"{len(self.delays)} retries") from exc
                    raise
                log.info("database busy or unreachable (%s), retrying in %.1f s", exc, delay)
                await thread.call(backend.after_error, exc)
                await asyncio.sleep(delay)

    async def call_started(self, started: Future, fn, *args, **kwargs):
        """Await a call of ``fn`` already queued on the database thread (``DatabaseThread.submit``);
        if it met a lock, go on as ``call(fn, ...)`` does."""
        try:
            return await asyncio.wrap_future(started)
        except (DatabaseError, InterfaceError) as exc:
            backend = self.guard.backend
            if not backend.is_retryable(exc):
                raise
            log.info("database busy or unreachable (%s), retrying", exc)
            await self.db.call(backend.after_error, exc)
            return await self.call(fn, *args, **kwargs)


class JobRunner:
    def __init__(self, database_path, owner: str, options, db, events, *, guard, locks,
                 preparation, cleanup):
        self.database_path, self.owner, self.options = database_path, owner, options
        self.db, self.events = db, events
        self.guard, self.locks, self.preparation, self.cleanup = (guard, locks, preparation,
                                                                  cleanup)
        self.tasks: dict[int, asyncio.Task] = {}  # job id -> the task running it here
        # jobs that failed here whose failure could not be written yet
        self.unrecorded: dict[int, FailureNotRecorded] = {}
        self.stopped_jobs: dict[int, str] = {}  # job id -> why this engine stopped writing it
        self._last_rows: dict[int, JobRecord] = {}  # running jobs: the row as a chunk left it
        self.pacers: dict[int, Pacer] = {}  # job id -> how its last run here shared the lock
        # set on open (opened()): the chunks' target length, the backend's other_programs()
        # where it paces writers, and the data_version this engine last saw
        self.chunk_seconds = options.chunk_seconds
        self._others = None
        self.seen_version: int | None = None

    def opened(self, chunk_seconds: float, others, seen_version: int | None) -> None:
        self.chunk_seconds, self._others, self.seen_version = chunk_seconds, others, seen_version

    def running_job_ids(self) -> set[int]:
        return set(self.tasks)

    def start_job(self, job_id: int, *, take_over: bool = False, take_from: str | None = None,
                  counted: tuple[int, int] | None = None,
                  note: str | None = None) -> asyncio.Task:
        """Run a pending job (or, with ``take_over``, one whose owner ``take_from`` is gone) as
        a task of this engine; ``counted``: see jobs_table.count_for_claim; ``note``: the job's
        message from now on (a web server's job taken from it says so)."""
        task = self.tasks.get(job_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._run_job(job_id, take_over, take_from, counted, note))
            self.tasks[job_id] = task
            task.add_done_callback(lambda _t, job_id=job_id: self.tasks.pop(job_id, None))
            task.add_done_callback(_note_task_error)
        return task

    async def _run_job(self, job_id: int, take_over: bool, take_from: str | None,
                       counted: tuple[int, int] | None, note: str | None = None) -> None:
        try:
            await self.preparation.prepare()
            job = await self.locks.call(jobs_table.claim_job, job_id, self.owner,
                                                  take_over=take_over, take_from=take_from,
                                                  counted=counted, note=note)
        except asyncio.CancelledError:  # the claim may have run on the database thread anyway
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        except DatabaseBusyError as exc:  # never claimed: a pending job fails with the reason
            log.info("job %s failed: %s", job_id, exc)
            await self._record_failure(jobs_table.fail_unowned_job, job_id, str(exc))
            await self._publish_finished(job_id)
            return
        except DatabaseDamaged as exc:  # refused before its claim: the row is left as it is
            self._stop_job(job_id, None, str(exc))
            return
        if job is None:  # another worker won the race, or it was cancelled meanwhile
            return
        try:
            await self.cleanup.now_and_then()  # while this job runs: it cannot be among them
            await self._process(job)
        except asyncio.CancelledError:
            await asyncio.shield(self.db.call(jobs_table.release_job, job_id, self.owner))
            raise
        except Exception as exc:
            reason = await self._writing_stopped_by(exc)
            if reason is not None:  # nothing more is written, not even the failure
                self._stop_job(job_id, job, reason)
                return
            message = failure_message(exc, self.guard.backend, self._shown_target())
            log.info("job %s failed: %s", job_id, message)  # the faces report it
            reason = await self._record_failure(jobs_table.finish_job, job_id, self.owner,
                                                "failed", message)
            if reason is not None:  # the row still says running, under this engine
                self.unrecorded[job_id] = FailureNotRecorded(job_id, message, reason)
                self.events.publish(JobEvent("unrecorded", self._last_rows.get(job_id, job)))
                return
        finally:
            self._last_rows.pop(job_id, None)
        await self._publish_finished(job_id)

    async def _writing_stopped_by(self, exc: Exception) -> str | None:
        """Why this engine must write nothing more after ``exc``, or None: its path names
        another file or none, or the database reported damage (checked, and from then on
        refused for writing)."""
        if isinstance(exc, DatabasePathChanged):
            return str(exc)
        guard = self.guard
        if isinstance(exc, DatabaseDamaged) or guard.backend.is_corruption(exc):
            return (guard.damage or await guard.check_for_damage()
                    or guard.mark_damaged(str(exc)))
        return None

    def _stop_job(self, job_id: int, job: JobRecord | None, reason: str) -> None:
        """The job stays as the database has it (``running`` under this owner: it resumes
        elsewhere, or here when the file is back); the faces hear why."""
        log.info("job %s stopped: %s", job_id, reason)  # the faces say it
        self.stopped_jobs[job_id] = reason
        if job is not None:
            self.events.publish(JobEvent("stopped", job, note=reason))

    def _shown_target(self) -> str:
        return connection.shown_name(self.database_path)

    async def _publish_finished(self, job_id: int) -> None:
        """Say how this engine's part in the job ended: "finished", or "released" when the job
        goes on elsewhere (another worker took it over). Nothing if its row cannot be read (the
        faces then read it themselves, and say why they cannot)."""
        try:
            final = await self.locks.call(jobs_table.load_job, job_id)
        except Exception as exc:
            log.info("job %s ended, its row cannot be read: %s", job_id,
                     failure_message(exc, self.guard.backend, self._shown_target()))
            log.debug("reading job %s", job_id, exc_info=True)
            return
        if final is not None:
            self.events.publish(JobEvent("finished" if final.finished else "released", final))

    async def _record_failure(self, fn, job_id: int, *args) -> str | None:
        """Write a job's failure, waiting out a lock as chunks do. If even that fails, the row
        stays as it was (pending, or running under this engine) and the result says why."""
        try:
            await self.locks.call(fn, job_id, *args)
        except Exception as exc:
            reason = failure_message(exc, self.guard.backend, self._shown_target())
            log.info("could not record the failure of job %s: %s", job_id, reason)
            log.debug("recording the failure of job %s", job_id, exc_info=True)
            return reason
        return None

    async def record_unrecorded_failures(self) -> None:
        """Write the failures that could not be written when their jobs failed (one try each:
        the next recovery round tries again), and publish each job as finished."""
        for job_id, failure in list(self.unrecorded.items()):
            try:
                await self.db.call(jobs_table.finish_job, job_id, self.owner, "failed",
                                   failure.message)
            except Exception as exc:
                log.debug("job %s: its failure still cannot be recorded: %s", job_id, exc)
                continue
            del self.unrecorded[job_id]  # written, or no longer ours to write (taken over)
            await self._publish_finished(job_id)

    async def _process(self, job: JobRecord) -> None:
        if job.unreadable:  # a row another program filled with what cannot be understood
            raise JobRequestError(job.unreadable)
        try:
            scope, _ = job_requests.parse_parameters(job.job_type, job.parameters)
        except JobRequestError as exc:  # its job_type or parameters (named in the message)
            raise JobRequestError(f"job {job.id} cannot be run: {exc}") from None
        await self.locks.call(job_requests.check_targets_exist, job.user_id, scope)
        self.events.publish(JobEvent("started", job))
        if scope.kind == "undo":
            original = await self.locks.call(jobs_table.load_job, scope.target_id)

            def chunk(cursor, size):
                return undo_chunk(job.id, self.owner, original, cursor, size,
                                  backend=self.guard.backend)

            def count_total():
                return undo.count_changes(original)
        else:
            # Jobs of older versions kept another record, which this one cannot continue.
            recording = {"on": (job.recorded == jobs_table.RECORD_FORMAT
                                and self.options.record_changes)}
            if job.recorded and not recording["on"]:  # a partial record would make undo inexact
                await self.locks.call(jobs_table.forget_record, self.guard.backend, job.id,
                                      self.owner)

            def chunk(cursor, size):
                return mark_chunk_read(job.id, self.owner, job.user_id, scope, cursor,
                                       job.watermark, size, upsert=self.preparation.upsert,
                                       record=recording["on"], backend=self.guard.backend)

            def count_total():
                return job.progress + count_in_scope(scope, job.watermark, job.cursor or 0)
        others = self._others

        def paced_chunk(cursor, size):  # on the database thread, like every file access
            changed = self.guard.path_changed()  # one stat: a chunk never goes into a removed file
            if changed:
                raise DatabasePathChanged(self.database_path, changed, job.id, cursor)
            outcome = chunk(cursor, size)
            outcome.others_present = others is not None and others.present()
            return outcome

        total = 0 if job.total else await self.locks.call(count_total)
        if total and await self.locks.call(jobs_table.set_total, job.id, self.owner,
                                                     total):
            job = await self.locks.call(jobs_table.load_job, job.id)
            self.events.publish(JobEvent("total", job))
        cursor, size = job.cursor or 0, min(FIRST_CHUNK, self.options.max_chunk)
        pacer = self.pacers[job.id] = Pacer(self.chunk_seconds,
                                            shared_pause=self.options.contention_pause,
                                            probe_every=self.options.probe_every)
        # From what this engine last saw: a writer that committed since then is noticed at once.
        pacer.start(self.seen_version if self.seen_version is not None
                    else await self.locks.call(connection.data_version,
                                                          self.guard.backend))
        ahead = None  # the next chunk's call, already queued on the database thread
        while True:
            if ahead is None:
                outcome = await self.locks.call(paced_chunk, cursor, size)
            else:
                outcome = await self.locks.call_started(ahead, paced_chunk, cursor, size)
            ahead = None
            if outcome.lost:
                return
            if outcome.record_lost:  # nothing of that chunk was written: run on unrecorded
                log.warning("job %s: its undo record cannot be kept; it will not be undoable",
                            job.id)
                recording["on"] = False
                await self.locks.call(jobs_table.forget_record, self.guard.backend, job.id,
                                      self.owner)
                continue
            low, cursor = cursor, outcome.cursor
            self.seen_version = outcome.other_writers
            pause = 0.0 if outcome.completed else pacer.pause_after(outcome.other_writers,
                                                                    outcome.others_present)
            size = self._next_chunk_size(size, outcome.seconds, pacer.target_seconds)
            self._last_rows[job.id] = outcome.job
            self.events.publish(JobEvent("progress", outcome.job, dict(outcome.marked_by_feed),
                                         self._by_category(outcome), span=(low, cursor)))
            if outcome.completed:
                return
            if pause:
                await asyncio.sleep(pause)
            else:
                # Queued at once, in this step of the loop (what the subscribers just did comes
                # first): through a task of its own it waited a further turn of the loop,
                # 1-2 ms a chunk beside Qt (issue 26), the database thread idle meanwhile.
                ahead = self.db.submit(paced_chunk, cursor, size)

    @staticmethod
    def _by_category(outcome) -> dict[int | None, int]:
        by_category: dict[int | None, int] = {}
        for feed_id, marked in outcome.marked_by_feed.items():
            category_id = outcome.category_of_feed.get(feed_id)
            by_category[category_id] = by_category.get(category_id, 0) + marked
        return by_category

    def _next_chunk_size(self, size: int, seconds: float, target: float) -> int:
        """Aim the next transaction at ``target`` seconds; change by at most 2x a step."""
        if seconds <= 0:
            return min(size * 2, self.options.max_chunk)
        wanted = size * target / seconds
        floor = min(MIN_CHUNK, self.options.max_chunk)
        return int(max(floor, min(self.options.max_chunk, size * 2, max(size / 2, wanted))))
