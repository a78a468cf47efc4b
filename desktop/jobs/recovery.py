"""Adopting jobs this engine did not start: pending rows, and running rows whose owner is gone.

A mixin of BulkOperationManager (manager.py): it decides with leases.decide, watches the web
server's running jobs for a stalled progress, and starts the chosen jobs with ``start_job``.
Old finished jobs are cleaned up here too, by an engine that runs jobs anyway.
"""

from __future__ import annotations

import asyncio
import logging

from ..store import clock, jobs_table
from ..store.clock import ago_text
from ..store.jobs_table import JobRecord
from .events import JobEvent
from .leases import decide, owned_by_us

log = logging.getLogger(__name__)

CLEANUP_SECONDS = 3600.0  # at most this often, an engine that runs jobs deletes old ones
SERVER_WAIT_POLL_SECONDS = 0.5  # work --once, while a pending row is still the server's


class Recovery:
    async def start_runnable_jobs(self) -> int:
        """Start pending jobs and take over jobs whose owner is gone (see leases.decide).

        Sets ``waiting_for_server``: how many pending rows are left to the web server for now.
        """
        if self.read_only_reason:
            return 0
        # (a PostgreSQL migration's table lock can outlast one lock timeout)
        jobs = await self._call_retrying_locks(jobs_table.unfinished_jobs, thread=self.reads)
        now, started, self.waiting_for_server = clock.now(), 0, 0
        stalled = self._watch_server_jobs(jobs)
        owners = [job.owner for job in jobs if job.status == "running" and owned_by_us(job.owner)
                  and job.owner != self.owner]
        alive = await self.reads.call(self.backend.owners_alive, owners) if owners else None
        for job in jobs:
            if job.id in self._tasks:
                continue
            if job.unreadable:  # fails alone; the others are adopted as ever
                await self._fail_unreadable(job)
                continue
            try:
                run, take_from = decide(job, me=self.owner, now=now,
                                        stalled=job.id in stalled, alive=alive)
                # a row another program wrote may lack a total: count it before it runs
                counted = (None if not run or job.total else await self._call_retrying_locks(
                    jobs_table.count_for_claim, job.id, thread=self.reads))
            except Exception:  # never a reason to leave the other jobs where they are
                log.exception("job %s could not be looked at; trying again next round", job.id)
                continue
            if run:
                self.start_job(job.id, take_over=job.status == "running", take_from=take_from,
                               counted=counted)
                started += 1
            elif job.status == "pending":
                self.waiting_for_server += 1
        return started

    async def _fail_unreadable(self, job: JobRecord) -> None:
        """Fail a job whose row cannot be understood, saying which column holds what."""
        log.info("%s", job.unreadable)
        try:
            await self.prepare_for_writing()
            if not await self._call_retrying_locks(jobs_table.fail_unreadable_job, job):
                return  # the row changed meanwhile: looked at again next round
            final = await self._call_retrying_locks(jobs_table.load_job, job.id)
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

