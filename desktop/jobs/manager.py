"""BulkOperationManager: creates, runs, cancels and lists bulk mark-read jobs on asyncio.

Every database call runs on one DatabaseThread; the event loop only awaits. Jobs run as asyncio
tasks that each take one chunk (one short transaction) at a time, so several jobs interleave and
the loop stays free between chunks. This module holds the engine's life cycle and the requests
of the faces about jobs; the manager composes the parts that do the rest, handing each what it
works with: the write guard and the schema's preparation (guard.py), the runner of one job
(runner.py), the recovery of others' jobs and the cleanup of old ones (recovery.py), the faces'
other reads and writes (counts, the article list, sample data: queries.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from ..headstart.check import CheckAhead
from ..store import article_state, clock, connection, job_requests, jobs_table, undo
from ..store.article_state import ArticleChange
from ..store.backends import backend_for
from ..store.clock import ago_text
from ..store.jobs_table import JobRecord
from ..store.models import database_proxy
from .database_thread import DatabaseThread
from .events import EventHub, JobEvent
from .guard import WriteGuard, WritePreparation
from .leases import (
    PENDING_GRACE_SECONDS,
    STALLED_SECONDS,
    decide,
    make_owner,
    owned_by_us,
    server_cannot_run,
)
from .queries import FaceQueries
from .recovery import FinishedJobsCleanup, Recovery
from .rules import RuleRunner
from .runner import (
    LOCK_RETRY_DELAYS,
    DatabaseBusyError,
    DatabaseDamaged,
    DatabasePathChanged,
    FailureNotRecorded,
    JobRunner,
    JobStopped,
    LockRetrying,
    failure_message,
)

log = logging.getLogger(__name__)

__all__ = ["BulkOperationManager", "DatabaseBusyError", "DatabaseDamaged", "DatabasePathChanged",
           "EngineOptions", "FailureNotRecorded", "JobStopped", "failure_message"]

CHUNK_SECONDS = 0.035  # target length of one chunk's write transaction
ROLLBACK_CHUNK_SECONDS = 0.015  # in a rollback-journal file, where readers wait for a commit
MAX_CHUNK = 200_000


@dataclass(frozen=True)
class EngineOptions:
    """How an engine runs its jobs; every field has the default the app and the CLI use.

    ``max_chunk`` caps articles per transaction (chunks are otherwise sized by time, aiming at
    ``chunk_seconds``); ``contention_pause`` and ``probe_every`` pace the chunks so other
    writers get in where the backend needs it (see pacing.Pacer). ``record_changes=False``
    keeps no undo record: the jobs it runs cannot be undone (the benchmark shows what recording
    costs). ``recover_every`` (seconds): how often ``start_serving`` adopts jobs that other
    processes left pending or that a dead process was running. ``stalled_seconds``: a web
    server's running job whose progress stood still this long is taken over.
    ``checks_record``: where passed checks of files are remembered (headstart/checked_files.py): an
    unchanged file is not checked again before the first write; None checks every engine.
    ``retired_owners``: owner ids of this process's earlier engines on the same path, which
    stopped when their file was replaced; their jobs, if that file is back, are taken over.
    ``check_ahead``: a headstart.check.CheckAhead the command started on this path before it
    imported the engine; the check before the first write takes its verdict where it still
    holds (nothing committed since).
    """

    create: bool = False  # a missing or blank target becomes a new database
    max_chunk: int = MAX_CHUNK
    chunk_seconds: float = CHUNK_SECONDS
    contention_pause: float = 0.025
    probe_every: float | None = 2.0
    record_changes: bool = True
    keep_finished_hours: float = 24.0
    recover_every: float | None = None
    stalled_seconds: float = STALLED_SECONDS
    lock_retry_delays: tuple[float, ...] = LOCK_RETRY_DELAYS
    busy_timeout_ms: int = connection.BUSY_TIMEOUT_MS
    retired_owners: tuple[str, ...] = ()
    checks_record: Path | None = None
    check_ahead: CheckAhead | None = None


class Delegate:
    """A method or attribute of one of the manager's parts, named on the manager too (the
    faces' API); setting it sets the part's."""

    def __init__(self, part: str, name: str | None = None):
        self.part, self.name = part, name

    def __set_name__(self, owner, name: str) -> None:
        self.name = self.name or name

    def __get__(self, manager, owner=None):
        if manager is None:
            return self
        return getattr(getattr(manager, self.part), self.name)

    def __set__(self, manager, value) -> None:
        setattr(getattr(manager, self.part), self.name, value)


class BulkOperationManager:
    """The job engine. ``await open()`` first, ``await close()`` last, or ``async with`` it
    (opens it, and closes it however the block ends or if opening fails half-way);
    ``start_serving()`` in between makes it adopt other processes' jobs on its own (the window
    does; the CLI's ``work`` calls ``run_available``).

    Opening writes nothing to the database: the schema this app adds is prepared before the
    first job is written, claimed, cancelled or retried, and old finished jobs are cleaned up
    only by an engine that writes jobs anyway. A database this user cannot write opens
    read-only: listing works, ``read_only_reason`` says why nothing else does.

    ``options`` (EngineOptions), or any of its fields as keywords.
    """

    def __init__(self, database_path, options: EngineOptions | None = None, **overrides):
        options = replace(options or EngineOptions(), **overrides)
        # mark-read chunks are spans of article ids, so at most this many articles each
        self.options = replace(options, max_chunk=max(1, options.max_chunk))  # < MIN_CHUNK too
        options = self.options
        self.database_path = database_path
        self.owner = make_owner()
        self.journal_mode: str | None = None
        self.journal_note: str | None = None
        self._stop_listening = None  # the backend's listener of others' chunks, if following
        self.events = EventHub()
        # one article's read/starred state changed (ArticleChange), numbered in commit order
        self.article_events = EventHub()
        self.article_writes = article_state.WriteSequence()
        self.db = DatabaseThread()  # every write, and the reads a chunk depends on
        # Reads for the faces (job status, counts) on a connection of their own, so they never
        # queue behind a running chunk.
        self.reads = DatabaseThread("rss-desktop-read")
        # the parts, each handed what it works with
        self.guard = WriteGuard(database_path, options, self.db)
        self.locks = LockRetrying(self.db, options.lock_retry_delays, self.guard)
        self.preparation = WritePreparation(self.db, self.guard, self.locks)
        self.cleanup = FinishedJobsCleanup(database_path, self.db, self.reads, guard=self.guard,
                                           preparation=self.preparation,
                                           keep_finished_hours=options.keep_finished_hours)
        self.runner = JobRunner(database_path, self.owner, options, self.db, self.events,
                                guard=self.guard, locks=self.locks,
                                preparation=self.preparation, cleanup=self.cleanup)
        self.rules = RuleRunner(self.owner, self.db, self.reads, self.events, guard=self.guard,
                                locks=self.locks, preparation=self.preparation,
                                runner=self.runner)
        self.recovery = Recovery(database_path, self.owner, options, self.reads, self.events,
                                 guard=self.guard, locks=self.locks,
                                 preparation=self.preparation, runner=self.runner,
                                 rules=self.rules)
        self.queries = FaceQueries(self.db, self.reads, self.article_writes,
                                   preparation=self.preparation, locks=self.locks)
        for thread in (self.db, self.reads):
            thread.on_error = self.guard.notice_error

    # -- the parts' names the faces use ---------------------------------------------------
    backend = Delegate("guard")
    read_only_reason = Delegate("guard")
    damage = Delegate("guard")
    file_identity = Delegate("guard")
    check_remembered = Delegate("guard")
    checked_ahead = Delegate("guard")
    check_for_damage = Delegate("guard")
    path_changed = Delegate("guard")
    prepare_for_writing = Delegate("preparation", "prepare")
    _call_retrying_locks = Delegate("locks", "call")
    running_job_ids = Delegate("runner")
    start_job = Delegate("runner")
    unrecorded = Delegate("runner")
    stopped_jobs = Delegate("runner")
    pacers = Delegate("runner")
    start_serving = Delegate("recovery")
    start_runnable_jobs = Delegate("recovery")
    run_available = Delegate("recovery")
    waiting_for_server = Delegate("recovery")
    left_to_server = Delegate("recovery")
    add_rule = Delegate("rules")
    list_rules = Delegate("rules")
    update_rule = Delegate("rules")
    get_rule = Delegate("rules")
    remove_rule = Delegate("rules")
    set_rule_enabled = Delegate("rules")
    run_rule_now = Delegate("rules")
    run_due_rules = Delegate("rules")
    cleanup_finished = Delegate("cleanup")
    keep_finished_hours = Delegate("cleanup")
    users = Delegate("queries")
    counts_snapshot = Delegate("queries")
    tree_outline = Delegate("queries")
    scope_names = Delegate("queries")
    unread_in_scope = Delegate("queries")
    changes_seen = Delegate("queries")
    start_article_list = Delegate("queries")
    extend_article_list = Delegate("queries")
    read_article_page = Delegate("queries")
    has_newer_articles = Delegate("queries")
    selected_article_ranges = Delegate("queries")
    next_unread_in_list = Delegate("queries")
    create_sample_data = Delegate("queries")
    count_finished_jobs = Delegate("queries")
    delete_finished_jobs = Delegate("queries")

    # -- life cycle -------------------------------------------------------------------------
    async def open(self) -> None:
        """Open the database (writing nothing); raises connection.DatabaseOpenError."""
        # What the path names before anything opens it: a file put at the path while the
        # connections open (each thread's opens when first used) is then a path that changed
        # (guard.path_changed), never taken for this engine's file with the other's WAL.
        # (on the database thread, first: the backend's module is imported there the first
        # time, ~10 ms that would otherwise stall the window's event loop in one piece)
        named_before = await self.db.call(_file_identity, self.database_path)
        opened = await self.db.call(connection.open_database, self.database_path,
                                    create=self.options.create, allow_read_only=True,
                                    busy_timeout_ms=self.options.busy_timeout_ms)
        backend, database = opened.backend, opened.db
        self.guard.opened(backend, opened.read_only_reason, opened.damage,  # (a WAL left)
                          file_identity=named_before)
        self.journal_mode, self.journal_note = opened.journal_mode, opened.journal_note
        chunk_seconds = self.options.chunk_seconds
        if self.journal_note:  # readers wait for our commits: keep them short
            chunk_seconds = min(chunk_seconds, ROLLBACK_CHUNK_SECONDS)
        others = backend.other_programs(self.database_path) if backend.paces_writers else None
        self.runner.opened(chunk_seconds, others, None)
        await self.reads.call(database_proxy.initialize, database)
        if self.read_only_reason:
            return
        self.runner.seen_version = await self.db.call(connection.data_version, backend)
        await self.db.call(backend.hold_liveness, database, self.owner)

    async def __aenter__(self) -> BulkOperationManager:
        try:
            await self.open()
        except BaseException:  # the threads it started, a connection half-made
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()  # runs to its end even when cancelled meanwhile

    async def follow_others(self, callback) -> bool:
        """Call ``callback(job_id)`` on the loop's thread as soon as another program's chunk
        commits, where the backend pushes that (PostgreSQL's LISTEN/NOTIFY); returns whether it
        does. Without it the faces poll ``connection.data_version``."""
        if self._stop_listening is not None:
            return True
        loop = asyncio.get_running_loop()

        def notice(job_id: int, owner: str) -> None:  # on the listener's thread
            if owner != self.owner:  # this engine's own chunks publish events already
                loop.call_soon_threadsafe(callback, job_id)

        try:
            self._stop_listening = await self.reads.call(self.backend.listen,
                                                         self.database_path, notice)
        except Exception as exc:  # e.g. no second connection allowed: polling carries on alone
            log.warning("cannot listen for other programs' changes: %s", exc)
            return False
        return self._stop_listening is not None

    async def close(self) -> None:
        """Stop running jobs after their current chunk, hand them back as pending, close.

        Runs to its end even if the caller is cancelled meanwhile (a second stop signal): a
        half-done close would leave jobs running under a live process and tasks un-awaited.
        The caller's cancellation is raised once everything is closed."""
        closing = asyncio.ensure_future(self._close())
        cancelled = False
        while not closing.done():
            try:
                await asyncio.shield(closing)
            except asyncio.CancelledError:
                if closing.cancelled():
                    raise
                cancelled = True
        closing.result()
        if cancelled:
            raise asyncio.CancelledError

    async def _close(self) -> None:
        if self._stop_listening is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._stop_listening)
            self._stop_listening = None
        await self.recovery.stop_serving()
        tasks = list(self.runner.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.guard.hand_over_the_wal()  # a file moved away or removed
        release = await self.guard.keep_closing_from_writing()  # a damaged file
        for thread in (self.reads, self.db):
            with contextlib.suppress(Exception):  # never opened, or already closed
                # A lambda: the proxy resolves its database on that thread, not here.
                await thread.call(lambda: database_proxy.close())
            thread.shutdown()
        await self.guard.after_closing(release)

    def subscribe(self, callback):
        """Call ``callback(JobEvent)`` on the loop's thread for every event; returns unsubscribe."""
        return self.events.subscribe(callback)

    def subscribe_articles(self, callback):
        """Call ``callback(ArticleChange)`` on the loop's thread after every article write."""
        return self.article_events.subscribe(callback)

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
        self.guard.writable_soon()  # the check runs while the request is read and counted
        if job_type == undo.UNDO_JOB_TYPE:
            return (await self.undo_job(user_id, (parameters or {}).get("job_id"), run=run)).id
        # a request that makes no sense is refused before anything is written
        scope, _ = await self.reads.call(job_requests.check_request, job_type, user_id,
                                         parameters, watermark)
        if not force:
            await self.refuse_overlap(user_id, scope)
        watermark, total = await self.reads.call(job_requests.count_scope, scope, watermark)
        await self.prepare_for_writing()
        job = await self.db.call(jobs_table.insert_job, self.backend, job_type, user_id,
                                 parameters, watermark, total, confirmed_count)
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
            raise job_requests.OverlapError(
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
        names who asked ("the desktop app"), for whoever runs the job to say so. Publishes one
        event: "cancel_requested" for a job running here ("finished" follows when it stops),
        else "finished"."""
        await self.guard.writable()
        job = await self._checked_and_written(partial(
            jobs_table.cancel_job, self.backend, user_id, job_id,
            ago_text(seconds=PENDING_GRACE_SECONDS), cancelled_by, self._server_gone))
        running_here = job_id in self.runner.tasks
        self.events.publish(JobEvent("cancel_requested" if running_here else "finished", job))
        return job

    async def undo_job(self, user_id: int, job_id: int, *, run: bool = True) -> JobRecord:
        """Create (and by default run here) the job that makes unread again exactly the articles
        ``job_id`` marked read. Raises JobNotFound for another user's job, JobRequestError when
        it cannot be undone (running, undone already, an undo itself, no record)."""
        await self.guard.writable()
        job = await self._checked_and_written(partial(undo.insert_undo_job, self.backend,
                                                      user_id, job_id))
        self.events.publish(JobEvent("created", job))
        if run:
            self.start_job(job.id)
        return job

    async def retry_job(self, user_id: int, job_id: int, *, run: bool = True) -> JobRecord:
        """Make a failed or cancelled job pending again and (by default) run it here; it
        continues from its persisted cursor. Publishes one event, "retried"."""
        await self.guard.writable()
        job = await self._checked_and_written(partial(jobs_table.retry_job, self.backend, user_id,
                                                      job_id, self._gone_owner))
        self.events.publish(JobEvent("retried", job))
        if run:
            self.start_job(job_id)
        return job

    async def _checked_and_written(self, request) -> JobRecord:
        """Run a store request that reads its job, checks it and writes under one lock of its
        row (cancel, retry, undo), on the database thread. Until the schema's additions exist
        the request is checked first, writing nothing (``check_only``, on the read thread): a
        refused request leaves the database as it was, additions included."""
        if not self.preparation.ready:
            await self.reads.call(request, check_only=True)
            await self.preparation.prepare()
        return await self.db.call(request)

    def _server_gone(self, job: JobRecord) -> str | None:
        """On a database thread: why the web server can no longer run its unfinished ``job``
        (leases.server_cannot_run), else None."""
        foreign = self.guard.backend.foreign_program_present(self.database_path)
        return server_cannot_run(job, now=clock.now(), foreign_present=foreign)

    def _gone_owner(self, job: JobRecord) -> str | None:
        """On a database thread: the owner of a job left running by a worker of ours that is
        gone (whose failure could not be recorded, or that died), by the test recovery uses;
        else None."""
        if job.status != "running" or not owned_by_us(job.owner) or job.owner == self.owner:
            return None
        alive = self.guard.backend.owners_alive([job.owner])
        decision = decide(job, me=self.owner, now=clock.now(), alive=alive)
        return decision.take_from if decision.run else None

    # -- one article ------------------------------------------------------------------------
    async def set_article_read(self, user_id: int, article_id: int, read: bool) -> ArticleChange:
        """Mark one article read or unread for the user, as the web server does; publishes the
        change to ``subscribe_articles``. Raises ArticleNotFound, or JobRequestError for an
        unknown user or a read-only database."""
        return await self._write_article(article_state.set_read, user_id, article_id, read)

    async def set_article_starred(self, user_id: int, article_id: int,
                                  starred: bool) -> ArticleChange:
        """Star or unstar one article for the user (like set_article_read)."""
        return await self._write_article(article_state.set_starred, user_id, article_id,
                                         starred)

    async def _write_article(self, write, user_id: int, article_id: int,
                             value: bool) -> ArticleChange:
        await self.guard.writable()
        await self.prepare_for_writing()
        change = await self.locks.call(write, user_id, article_id, value,
                                       upsert=self.preparation.upsert,
                                       sequence=self.article_writes, backend=self.backend)
        self.article_events.publish(change)
        return change

    async def wait_for_job(self, job_id: int) -> JobRecord | None:
        """Wait until this engine stops running the job; return its row (None: it is gone).
        Raises JobStopped if it stopped without an outcome (its file removed, replaced or
        damaged), FailureNotRecorded if the job failed here and that could not be written."""
        task = self.runner.tasks.get(job_id)
        if task is not None:
            await asyncio.shield(task)
        if job_id in self.stopped_jobs:
            raise JobStopped(self.stopped_jobs[job_id])
        if job_id in self.unrecorded:
            raise self.unrecorded[job_id]
        return await self.db.call(jobs_table.load_job, job_id)


def _file_identity(target):
    """What ``target`` names now (backend.file_identity), its backend's module loaded."""
    return backend_for(target).file_identity(target)
