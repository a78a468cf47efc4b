"""Adopting jobs this engine did not start: pending rows, and running rows whose owner is gone.

One part of BulkOperationManager (manager.py), handed the read thread, owner, options, event
hub and the parts it works with: it decides with leases.decide, watches the web server's running
jobs for a stalled progress, and starts the chosen jobs with the runner's ``start_job``. Old
finished jobs are cleaned up here too (FinishedJobsCleanup), by an engine that runs jobs anyway.
"""

from __future__ import annotations

import asyncio
import logging
import math

from ..store import clock, connection, jobs_table
from ..store.clock import ago_text
from ..store.jobs_table import JobRecord
from .events import JobEvent
from .leases import decide, owned_by_us
from .runner import DatabaseDamaged, DatabasePathChanged, failure_message

log = logging.getLogger(__name__)

CLEANUP_SECONDS = 3600.0  # at most this often, an engine that runs jobs deletes old ones
SERVER_WAIT_POLL_SECONDS = 0.5  # work --once, while a pending row is still the server's


class Recovery:
    def __init__(self, database_path, owner: str, options, reads, events, *, guard, locks,
                 preparation, runner, rules=None):
        self.database_path, self.owner, self.options = database_path, owner, options
        self.reads, self.events = reads, events
        self.guard, self.locks, self.preparation, self.runner = (guard, locks, preparation,
                                                                 runner)
        self.waiting_for_server = 0  # the web server's pending rows still within their grace
        self.left_to_server: list[int] = []  # its pending rows it may still run
        self._watched: dict[int, tuple[int, float]] = {}  # server's job: (progress, seen since)
        self.recover_every = options.recover_every  # run_available may change it
        self._recovery: asyncio.Task | None = None
        self.rules = rules  # RuleRunner: due rules run at every round (rules.py)

    def start_serving(self) -> None:
        """Adopt, every ``recover_every`` seconds, the jobs other processes left pending and
        those whose process died (reading only until there is one to run)."""
        if self.guard.read_only_reason or self._recovery is not None or not self.recover_every:
            return
        self._recovery = asyncio.get_running_loop().create_task(self._recover_forever())

    async def stop_serving(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)

    async def start_runnable_jobs(self) -> int:
        """Start pending jobs and take over jobs whose owner is gone (see leases.decide).

        Sets ``waiting_for_server``: how many of the web server's pending rows are still within
        their grace period; ``left_to_server``: the ids of those past it that the server may
        still run (see leases.server_cannot_run), left to it. Nothing is adopted while the
        engine's path names another file or none (path_changed); raises DatabaseDamaged when
        there is a job to run in a damaged database.
        """
        guard, runner = self.guard, self.runner
        if guard.damage:
            raise DatabaseDamaged(guard.damage)
        if guard.read_only_reason or guard.path_changed():
            return 0
        if runner.unrecorded:  # jobs that failed here while the database could not be written
            await runner.record_unrecorded_failures()
        if self.rules is not None:  # their jobs start here, so the listing below skips them
            await self._run_due_rules()
        # (a PostgreSQL migration's table lock can outlast one lock timeout)
        jobs = await self.locks.call(jobs_table.unfinished_jobs, thread=self.reads)
        now, started, self.waiting_for_server, self.left_to_server = clock.now(), 0, 0, []
        stalled = self._watch_server_jobs(jobs)
        owners = [job.owner for job in jobs if job.status == "running" and owned_by_us(job.owner)
                  and job.owner != self.owner]
        alive = await self.reads.call(guard.backend.owners_alive, owners) if owners else None
        retired = [owner for owner in owners if owner in self.options.retired_owners]
        if retired:  # this process's own earlier engine, stopped: its jobs are to take over
            alive = {**(alive or {}), **dict.fromkeys(retired, False)}
        # The evidence on the web server (is any other program connected?), asked only while
        # one of its rows is unfinished: they are rare, and the answer is cheap.
        foreign_present = True
        if any(not owned_by_us(job.owner) and job.watermark is None for job in jobs):
            foreign_present = await self.reads.call(guard.backend.foreign_program_present,
                                                    self.database_path)
        for job in jobs:
            if job.id in runner.tasks:
                continue
            if job.unreadable:  # fails alone; the others are adopted as ever
                await self._fail_unreadable(job)
                continue
            try:
                decision = decide(job, me=self.owner, now=now, stalled=job.id in stalled,
                                  alive=alive, foreign_present=foreign_present)
                if decision.run:
                    await guard.writable()  # the first time: the database is checked first
                # a row another program wrote may lack a total: count it before it runs
                counted = None
                if decision.run and not job.total:
                    counted = await self.locks.call(jobs_table.count_for_claim,
                                                              job.id, thread=self.reads)
            except DatabaseDamaged:
                raise  # the whole database, not this job: the caller says so
            except Exception as exc:  # never a reason to leave the other jobs where they are
                log.warning("job %s could not be looked at (%s); trying again next round",
                            job.id, exc)
                log.debug("job %s", job.id, exc_info=True)
                continue
            if decision.run:
                runner.start_job(job.id, take_over=job.status == "running",
                               take_from=decision.take_from, counted=counted,
                               note=decision.note)
                started += 1
            elif decision.waiting:
                self.waiting_for_server += 1
            elif job.status == "pending" and not owned_by_us(job.owner):
                self.left_to_server.append(job.id)
        return started

    async def _run_due_rules(self) -> None:
        try:
            await self.rules.run_due_rules()
        except DatabaseDamaged:
            raise
        except Exception as exc:  # never a reason to leave the jobs where they are
            log.warning("running due rules failed (%s); trying again next round", exc)
            log.debug("due rules", exc_info=True)

    async def _sleep_seconds(self) -> float:
        """Until the next round: ``recover_every``, or less when a rule is due sooner."""
        if self.rules is None:
            return self.recover_every
        try:
            due = await self.rules.seconds_until_due()
        except Exception:  # asked again next round
            log.debug("next due rule", exc_info=True)
            return self.recover_every
        if due is None or due <= 0:  # none, or due and not run this round: its usual wake-up
            return self.recover_every
        return min(self.recover_every, due)

    async def _fail_unreadable(self, job: JobRecord) -> None:
        """Fail a job whose row cannot be understood, saying which column holds what."""
        log.info("%s", job.unreadable)
        try:
            await self.preparation.prepare()
            if not await self.locks.call(jobs_table.fail_unreadable_job, job):
                return  # the row changed meanwhile: looked at again next round
            final = await self.locks.call(jobs_table.load_job, job.id)
        except Exception:
            log.exception("could not record the failure of job %s", job.id)
            return
        if final is not None:
            self.events.publish(JobEvent("finished", final))

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
            if now - since >= self.options.stalled_seconds:
                stalled.add(job.id)
        self._watched = watched
        return stalled

    async def _recover_forever(self, *, raise_refusals: bool = False) -> None:
        """Adopt and resume jobs every ``recover_every`` seconds (reading only, until there is
        one to run). With ``raise_refusals`` (``work``), a damaged database and a path that no
        longer names the file end it (DatabaseDamaged, DatabasePathChanged)."""
        said = None  # the failure last said: a server down for a while is said once
        while True:
            try:
                await self.start_runnable_jobs()
                said = None
            except DatabaseDamaged:
                if raise_refusals:
                    raise
                # the faces show it (read_only_reason); no later round adopts anything
            except Exception as exc:  # e.g. locked for long, a server down: try again next round
                words = failure_message(exc, self.guard.backend,
                                        connection.shown_name(self.database_path))
                if words != said:
                    log.warning("recovery round failed: %s", words)
                said = words
                log.debug("recovery round", exc_info=True)
            if raise_refusals:
                self._raise_if_path_changed()
            await asyncio.sleep(await self._sleep_seconds())

    def _raise_if_path_changed(self) -> None:
        """Once its own jobs here have stopped: raise DatabasePathChanged if the path no longer
        names the file this engine opened."""
        changed = self.guard.path_changed()
        if changed and not self.runner.tasks:
            raise DatabasePathChanged(self.database_path, changed)

    async def run_available(self, *, once: bool = True, poll_seconds: float = 2.0) -> None:
        """Run pending and interrupted jobs; with ``once``, return when none is left,
        otherwise keep adopting them every ``poll_seconds`` until cancelled. Raises
        DatabaseDamaged or DatabasePathChanged when this engine can no longer write its file
        (the jobs it ran are left for the next worker)."""
        if await self.guard.check_for_damage():  # a worker is there to write: say so at once
            raise DatabaseDamaged(self.guard.damage)
        if not once:
            self.recover_every = poll_seconds
            await self._recover_forever(raise_refusals=True)
        while True:
            await self.start_runnable_jobs()
            if self.runner.tasks:
                await asyncio.wait(list(self.runner.tasks.values()),
                                   return_when=asyncio.FIRST_COMPLETED)
            elif self.waiting_for_server:  # the server's to start; ours once its grace is over
                await asyncio.sleep(SERVER_WAIT_POLL_SECONDS)
            else:
                self._raise_if_path_changed()
                return



class FinishedJobsCleanup:
    """Deletes old finished jobs: on request, or now and then while this engine runs a job."""

    def __init__(self, database_path, db, reads, *, guard, preparation,
                 keep_finished_hours: float):
        self.database_path, self.db, self.reads = database_path, db, reads
        self.guard, self.preparation = guard, preparation
        self.keep_finished_hours = keep_finished_hours  # the window's preferences change it
        self._next_cleanup = float("-inf")  # loop time of the next cleanup of finished jobs

    async def cleanup_finished(self, hours: float | None = None) -> int:
        """Delete finished jobs that ended more than ``hours`` (default 24) ago."""
        hours = self.keep_finished_hours if hours is None else hours
        if not 0 <= hours < math.inf:  # (nan too) -1 h would delete a job just finished
            raise ValueError(f"finished jobs cannot be kept {hours!r} hours")
        self.guard.check_writable()
        if not await self.reads.call(jobs_table.has_finished_before, ago_text(hours=hours)):
            return 0
        await self.preparation.prepare()
        return await self.db.call(jobs_table.delete_finished_before, self.guard.backend,
                                  ago_text(hours=hours))

    async def now_and_then(self) -> None:
        """Clean up at most once an hour, and only when this engine writes a job anyway: an
        engine that merely has the database open leaves it untouched."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._next_cleanup:
            return
        self._next_cleanup = loop.time() + CLEANUP_SECONDS
        try:
            await self.cleanup_finished()
        except Exception as exc:  # never a reason to fail the job at hand
            log.warning("cleanup of finished jobs failed: %s", failure_message(
                exc, self.guard.backend, connection.shown_name(self.database_path)))
            log.debug("cleanup of finished jobs", exc_info=True)

