"""RuleRunner: the person's rules (store/rules.py), kept and run by the engine.

One part of BulkOperationManager (manager.py). The faces add, list, enable, disable, remove and
run rules through it; Recovery asks it for due rules at every round, so an engine that serves
(the window, ``work``) runs them, and tells ``work`` how long it may sleep. A run is claim,
count, record: the claim is one guarded UPDATE (exactly one engine wins a due rule), the count
is read on the read thread like any new job's, and the job is written with the rule moved on
in one transaction only while the claim is still this engine's; then the job runs here like any
other (cancellable, undoable: it is an ordinary mark-read job).
"""

from __future__ import annotations

import logging
import socket

from ..store import clock, job_requests, jobs_table, rules
from ..store.rules import Rule, RuleNotFound
from .events import JobEvent
from .leases import _split, local_owner_alive

log = logging.getLogger(__name__)

__all__ = ["Rule", "RuleNotFound", "RuleRunner"]


class RuleRunner:
    def __init__(self, owner: str, db, reads, events, *, guard, locks, preparation, runner):
        self.owner, self.db, self.reads, self.events = owner, db, reads, events
        self.guard, self.locks, self.preparation, self.runner = (guard, locks, preparation,
                                                                 runner)
        self.on_claimed = None  # tests: awaited with the rule once claimed, before its count

    # -- the faces' requests ----------------------------------------------------------------
    async def add_rule(self, user_id: int, scope_kind: str, target_id: int | None,
                       age_seconds: int, by: str = "received", *,
                       every_seconds: int | None = None, daily_at: str | None = None,
                       name: str | None = None, time_zone: str | None = None) -> Rule:
        """Check and write a new rule (due at once). A request that makes no sense raises
        JobRequestError and writes nothing, the rules table included. ``time_zone``: where
        ``daily_at`` is read (default: this machine's)."""
        await self.guard.writable()
        await self.reads.call(rules.check_rule, user_id, scope_kind, target_id, age_seconds, by,
                              every_seconds, daily_at)
        await self.preparation.prepare()  # its runs write jobs: the job table's additions
        await self.locks.call(rules.ensure_rules_table, self.guard.backend)
        zone = time_zone or _local_zone_name()
        return await self.locks.call(rules.insert_rule, self.guard.backend, user_id, scope_kind,
                                     target_id, age_seconds, by, every_seconds=every_seconds,
                                     daily_at=daily_at, time_zone=zone, name=name)

    async def update_rule(self, user_id: int, rule_id: int, scope_kind: str,
                          target_id: int | None, age_seconds: int, by: str = "received", *,
                          every_seconds: int | None = None, daily_at: str | None = None,
                          name: str | None = None, time_zone: str | None = None) -> Rule:
        """Change a rule (see store.rules.update_rule); checked first, writing nothing if the
        change makes no sense."""
        await self.reads.call(rules.get_rule, user_id, rule_id)
        await self.reads.call(rules.check_rule, user_id, scope_kind, target_id, age_seconds, by,
                              every_seconds, daily_at)
        await self.guard.writable()
        zone = time_zone or _local_zone_name()
        return await self.locks.call(rules.update_rule, self.guard.backend, user_id, rule_id,
                                     scope_kind, target_id, age_seconds, by,
                                     every_seconds=every_seconds, daily_at=daily_at,
                                     time_zone=zone, name=name)

    async def list_rules(self, user_id: int) -> list[Rule]:
        return await self.reads.call(rules.list_rules, user_id)

    async def get_rule(self, user_id: int, rule_id: int) -> Rule:
        return await self.reads.call(rules.get_rule, user_id, rule_id)

    async def remove_rule(self, user_id: int, rule_id: int) -> None:
        await self.reads.call(rules.get_rule, user_id, rule_id)  # not found: nothing written
        await self.guard.writable()
        await self.locks.call(rules.remove_rule, self.guard.backend, user_id, rule_id)

    async def set_rule_enabled(self, user_id: int, rule_id: int, enabled: bool) -> Rule:
        await self.reads.call(rules.get_rule, user_id, rule_id)
        await self.guard.writable()
        return await self.locks.call(rules.set_rule_enabled, self.guard.backend, user_id,
                                     rule_id, enabled)

    async def run_rule_now(self, user_id: int, rule_id: int, *, run: bool = True) -> int:
        """Run the user's rule now, due or not, enabled or not (its schedule starts again from
        now); returns the job's id. JobRequestError while its last job is unfinished or another
        engine is making its run."""
        rule = await self.reads.call(rules.get_rule, user_id, rule_id)
        if await self.reads.call(rules.last_job_unfinished, rule):
            raise job_requests.JobRequestError(
                f"rule {rule_id}'s last job {rule.last_job_id} is still unfinished")
        job_type, parameters = rule.job_request(clock.now())
        scope, _ = await self.reads.call(job_requests.check_request, job_type, user_id,
                                         parameters)
        overlapping = await self.reads.call(jobs_table.server_jobs_overlapping, user_id, scope)
        if overlapping:
            raise job_requests.OverlapError(
                f"the web server is marking some of rule {rule_id}'s articles read right now "
                f"(job {overlapping[0].id}): run it once that job is finished")
        await self.guard.writable()
        job_id = await self._run(rule, due=False, run=run)
        if job_id is None:
            raise job_requests.JobRequestError(
                f"rule {rule_id} is being run by another engine right now")
        return job_id

    # -- what Recovery asks -----------------------------------------------------------------
    async def run_due_rules(self) -> list[int]:
        """Run every due rule this engine can claim; returns the jobs started."""
        guard = self.guard
        if guard.read_only_reason or guard.damage or guard.path_changed():
            return []
        due = await self.reads.call(rules.due_rules, clock.now())
        started = []
        for rule in due:
            try:
                await guard.writable()
                job_id = await self._run(rule, due=True, run=True)
            except job_requests.JobRequestError as exc:  # its feed went, say: next round again
                log.warning("rule %s (%s) cannot run: %s", rule.id, rule.name, exc)
                continue
            if job_id is not None:
                started.append(job_id)
        return started

    async def seconds_until_due(self) -> float | None:
        """Seconds until the next enabled rule is due (0 if one is), None without rules."""
        moment = await self.reads.call(rules.next_due_at)
        if moment is None:
            return None
        return max(0.0, (moment - clock.now()).total_seconds())

    # -- one run ----------------------------------------------------------------------------
    async def _run(self, rule: Rule, *, due: bool, run: bool) -> int | None:
        """Claim, count, record; None when another engine has the rule (or it is no longer
        due)."""
        backend = self.guard.backend
        await self.preparation.prepare()
        claimed = await self.locks.call(rules.claim_rule, backend, rule.id, self.owner, due=due,
                                        takeable_from=_gone(rule.claimed_by))
        if not claimed:
            return None
        try:
            if self.on_claimed is not None:
                await self.on_claimed(rule)
            moment = clock.now()
            job_type, parameters = rule.job_request(moment)
            scope, _ = await self.reads.call(job_requests.check_request, job_type, rule.user_id,
                                             parameters)
            overlapping = await self.reads.call(jobs_table.server_jobs_overlapping,
                                                rule.user_id, scope)
            if overlapping:  # its read-then-insert could fail beside ours: after it, then
                log.info("rule %s waits for the web server's job %s on the same articles",
                         rule.id, overlapping[0].id)
                await self.locks.call(rules.release_rule, backend, rule.id, self.owner)
                return None
            watermark, total = await self.reads.call(job_requests.count_scope, scope)
            job = await self.locks.call(rules.record_run, backend, rule, self.owner, watermark,
                                        total, moment)
        except rules.ClaimLost as lost:
            log.info("%s", lost)
            return None
        except BaseException:
            await self.locks.call(rules.release_rule, backend, rule.id, self.owner)
            raise
        log.info("rule %s (%s) made job %s", rule.id, rule.name, job.id)
        self.events.publish(JobEvent("created", job))
        if run:
            self.runner.start_job(job.id)
        return job.id


def _gone(owner: str | None) -> str | None:
    """``owner`` if it is an engine on this machine that no longer runs (its claim can be
    taken before its lease ends); else None."""
    split = _split(owner) if owner else None
    if split and split[0] == socket.gethostname() and not local_owner_alive(owner):
        return owner
    return None


def _local_zone_name() -> str:
    """This machine's time zone's name (pendulum imported only when a rule is written)."""
    import pendulum

    return pendulum.local_timezone().name
