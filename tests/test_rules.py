"""Rules that mark read on a schedule (desktop/jobs/rules.py, desktop/store/rules.py), on both
backends: due at once, run exactly once, caught up once, never run twice at once by two
engines, undone exactly, and one user's rules are no other user's."""

from __future__ import annotations

import asyncio

import pytest
from support.databases import database, has_table, read_status, written
from support.engine import run_engine
from support.window import insert_job_row

from desktop.jobs import BulkOperationManager
from desktop.jobs.api import RuleNotFound, describe_job, parameters_of
from desktop.store import clock
from desktop.store.clock import parse_db_text, to_db_text
from desktop.store.job_requests import JobRequestError
from desktop.store.rules import next_run

DAY, HOUR = 86400, 3600


def unread(target, user_id) -> set[int]:
    read = {row["article_id"] for row in read_status(target).values()
            if row["user_id"] == user_id and row["is_read"]}
    return set(range(1, 106)) - read


def jobs_of_rule(target, rule_id) -> list[dict]:
    if not has_table(target, "bulk_operation_jobs"):
        return []
    with database(target) as conn:
        rows = [dict(row) for row in conn.execute("SELECT * FROM bulk_operation_jobs")]
    return [row for row in rows if parameters_of(row["parameters"]).get("rule_id") == rule_id]


async def finish(manager, job_ids):
    return [await manager.wait_for_job(job_id) for job_id in job_ids]


def test_a_new_rule_is_due_at_once_and_runs_exactly_once(reader):
    # articles arrived 30 days ago: older than 1 week, the whole category is in scope
    unread_before = unread(reader, 1)

    async def body(manager):
        rule = await manager.add_rule(1, "category", 1, 7 * DAY, every_seconds=DAY,
                                      name="Nightly Tech")
        first = await finish(manager, await manager.run_due_rules())
        second = await manager.run_due_rules()
        return rule, first, second, await manager.get_rule(1, rule.id)

    rule, [job], second, after = run_engine(reader, body)
    assert second == []
    assert job.status == "completed" and job.total == 70
    assert parameters_of(job.parameters)["rule_id"] == rule.id
    assert describe_job(job).startswith('Rule "Nightly Tech": Category: #1 (before ')
    assert unread_before - unread(reader, 1) == set(range(1, 71)) & unread_before
    assert after.last_job_id == job.id and after.last_run_at
    moved = parse_db_text(after.next_run_at) - parse_db_text(after.last_run_at)
    assert moved.total_seconds() == DAY
    assert len(jobs_of_rule(reader, rule.id)) == 1


def test_missed_runs_are_caught_up_once(reader):
    async def add(manager):
        rule = await manager.add_rule(1, "feed", 2, DAY, every_seconds=HOUR)
        await finish(manager, await manager.run_due_rules())
        return rule

    rule = run_engine(reader, add)
    # nothing ran for five hours: five runs were missed
    with written(reader) as conn:
        conn.execute("UPDATE bulk_operation_rules SET next_run_at = ? WHERE id = ?",
                     (to_db_text(clock.now().subtract(hours=5)), rule.id))

    async def later(manager):
        started = await finish(manager, await manager.run_due_rules())
        again = await manager.run_due_rules()
        return started, again, await manager.get_rule(1, rule.id)

    started, again, after = run_engine(reader, later)
    assert len(started) == 1 and again == []
    assert len(jobs_of_rule(reader, rule.id)) == 2
    # the next run counts from this run, not from the missed slots
    assert parse_db_text(after.next_run_at) > clock.now().add(minutes=59)


def test_two_engines_racing_for_a_due_rule_make_one_job(reader):
    async def body(_):
        first = BulkOperationManager(reader)
        second = BulkOperationManager(reader)
        async with first, second:
            rule = await first.add_rule(1, "all", None, DAY, every_seconds=DAY)
            claimed, go_on = asyncio.Event(), asyncio.Event()

            async def hold(_rule):  # the first engine holds its claim until the second tried
                claimed.set()
                await go_on.wait()

            first.rules.on_claimed = hold
            racing = asyncio.ensure_future(first.run_due_rules())
            await claimed.wait()
            lost = await second.run_due_rules()
            with pytest.raises(JobRequestError, match="being run by another engine"):
                await second.run_rule_now(1, rule.id)
            go_on.set()
            won = await finish(first, await racing)
            return rule, lost, won, await second.run_due_rules()

    rule, lost, won, after = run_engine(reader, body)
    assert lost == [] and after == [] and len(won) == 1
    assert len(jobs_of_rule(reader, rule.id)) == 1


def test_a_claim_taken_over_after_its_lease_leaves_one_job(reader):
    async def body(_):
        first = BulkOperationManager(reader)
        second = BulkOperationManager(reader)
        async with first, second:
            rule = await first.add_rule(1, "all", None, DAY, every_seconds=DAY)
            claimed, go_on = asyncio.Event(), asyncio.Event()

            async def hold(_rule):
                claimed.set()
                await go_on.wait()

            first.rules.on_claimed = hold
            racing = asyncio.ensure_future(first.run_due_rules())
            await claimed.wait()
            # the first engine's lease runs out (as if it hung) while it holds the claim
            await second.db.call(_expire_claims)
            taken = await finish(second, await second.run_due_rules())
            go_on.set()
            return rule, taken, await racing

    rule, taken, late = run_engine(reader, body)
    assert len(taken) == 1 and late == []  # the first engine's run was written nowhere
    assert len(jobs_of_rule(reader, rule.id)) == 1


def _expire_claims():
    from desktop.store.rules import MarkReadRule

    MarkReadRule.update(claimed_until=to_db_text(clock.now().subtract(seconds=1))).execute()


def test_a_rules_job_undoes_exactly(reader):
    unread_before = unread(reader, 2)

    async def body(manager):
        rule = await manager.add_rule(2, "category", 2, DAY, "published", every_seconds=DAY)
        [job] = await finish(manager, await manager.run_due_rules())
        marked = unread_before - unread(reader, 2)
        undo = await manager.undo_job(2, job.id)
        return rule, job, marked, await manager.wait_for_job(undo.id)

    _rule, job, marked, undone = run_engine(reader, body)
    assert parameters_of(job.parameters)["by"] == "published"
    assert marked == set(range(71, 101)) & unread_before and marked  # no publication dates
    assert undone.status == "completed"
    assert unread(reader, 2) == unread_before


def test_one_users_rules_are_no_other_users(reader):
    async def body(manager):
        rule = await manager.add_rule(1, "category", 1, DAY, every_seconds=DAY)
        seen_by_2 = await manager.list_rules(2)
        for request in (manager.get_rule(2, rule.id), manager.remove_rule(2, rule.id),
                        manager.set_rule_enabled(2, rule.id, False),
                        manager.run_rule_now(2, rule.id)):
            with pytest.raises(RuleNotFound):
                await request
        return seen_by_2, await manager.list_rules(1)

    seen_by_2, of_1 = run_engine(reader, body)
    assert seen_by_2 == [] and len(of_1) == 1 and of_1[0].enabled
    assert jobs_of_rule(reader, of_1[0].id) == []


def test_a_disabled_rule_does_not_run_and_enabled_again_is_due_once(reader):
    async def body(manager):
        rule = await manager.add_rule(1, "all", None, DAY, every_seconds=HOUR)
        await manager.set_rule_enabled(1, rule.id, False)
        while_disabled = await manager.run_due_rules()
        await manager.set_rule_enabled(1, rule.id, True)
        enabled = await finish(manager, await manager.run_due_rules())
        return while_disabled, enabled, await manager.run_due_rules()

    while_disabled, enabled, after = run_engine(reader, body)
    assert while_disabled == [] and len(enabled) == 1 and after == []


def test_a_bad_rule_is_refused_writing_nothing(reader):
    async def body(manager):
        for request, words in (
                (dict(scope_kind="category", target_id=99, age_seconds=DAY,
                      every_seconds=DAY), "category 99 does not exist"),
                (dict(scope_kind="feed", target_id=1, age_seconds=0, every_seconds=DAY),
                 "age must be from 1 second"),
                (dict(scope_kind="all", target_id=None, age_seconds=DAY, every_seconds=-5),
                 "period must be from 1 second"),
                (dict(scope_kind="all", target_id=None, age_seconds=DAY, daily_at="25:99"),
                 "not a time of day"),
                (dict(scope_kind="all", target_id=None, age_seconds=DAY, by="seen",
                      every_seconds=DAY), "by must be one of")):
            with pytest.raises(JobRequestError, match=words):
                await manager.add_rule(1, **request)

    run_engine(reader, body)
    assert not has_table(reader, "bulk_operation_rules")
    assert not has_table(reader, "bulk_operation_jobs")  # the job table's additions neither


def test_opening_and_serving_never_create_the_rules_table(reader):
    async def body(manager):
        await manager.run_available(once=True)
        return await manager.list_rules(1)

    assert run_engine(reader, body) == []
    assert not has_table(reader, "bulk_operation_rules")


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/St_Johns"])
def test_daily_runs_at_the_wall_clock_time_of_the_rules_zone(zone):
    after = clock.now()
    following = next_run(None, "03:30", zone, after)
    local = following.in_timezone(zone)
    assert (local.hour, local.minute, local.second) == (3, 30, 0)
    assert after < following <= after.add(hours=25)  # (a day, or a day and a DST hour)
    assert next_run(None, "03:30", zone, following) > following


def test_a_serving_engine_runs_due_rules_and_wakes_when_the_next_is_due(reader):
    # the window's engine serves (start_serving): its recovery rounds run due rules; a rule
    # due long before the next round (an hour away here) wakes it then
    async def body(_):
        manager = BulkOperationManager(reader, recover_every=3600.0)
        async with manager:
            rule = await manager.add_rule(1, "feed", 5, DAY, every_seconds=1)
            finished: list[int] = []
            two_runs = asyncio.Event()

            def on_event(event):
                params = parameters_of(event.job.parameters) or {}
                if event.kind == "finished" and params.get("rule_id") == rule.id:
                    finished.append(event.job.id)
                    if len(finished) == 2:
                        two_runs.set()

            manager.subscribe(on_event)
            manager.start_serving()
            await asyncio.wait_for(two_runs.wait(), 60)  # not an hour: woken for the rule
            return rule, finished

    rule, finished = run_engine(reader, body)
    assert len(set(finished)) == 2
    assert len(jobs_of_rule(reader, rule.id)) >= 2


def test_an_edited_rule_runs_on_its_new_schedule_from_its_last_run(reader):
    async def body(manager):
        rule = await manager.add_rule(1, "feed", 1, DAY, every_seconds=DAY, name="First")
        await finish(manager, await manager.run_due_rules())
        ran = await manager.get_rule(1, rule.id)
        edited = await manager.update_rule(1, rule.id, "category", 2, 2 * DAY, "published",
                                           every_seconds=HOUR, name="Second")
        with pytest.raises(JobRequestError, match="feed 99 does not exist"):
            await manager.update_rule(1, rule.id, "feed", 99, DAY, every_seconds=HOUR)
        return ran, edited, await manager.get_rule(1, rule.id)

    ran, edited, after = run_engine(reader, body)
    assert edited == after  # the refused change wrote nothing
    assert (edited.name, edited.scope_kind, edited.target_id, edited.age_by) == (
        "Second", "category", 2, "published")
    moved = parse_db_text(edited.next_run_at) - parse_db_text(ran.last_run_at)
    assert moved.total_seconds() == HOUR and edited.last_job_id == ran.last_job_id


def test_a_due_rule_waits_while_the_web_server_marks_the_same_articles(server_db):
    # the server's job on category 1 (a row without our columns, running): its read-then-
    # insert could fail beside ours, so the rule waits for it (and is not left claimed)
    server_job = insert_job_row(server_db, status="running",
                                started_at=to_db_text(clock.now()))

    async def body(manager):
        rule = await manager.add_rule(1, "feed", 2, DAY, every_seconds=DAY)
        waited = await manager.run_due_rules()
        with pytest.raises(JobRequestError, match=f"right now \\(job {server_job}\\)"):
            await manager.run_rule_now(1, rule.id)
        return rule, waited, await manager.get_rule(1, rule.id)

    rule, waited, after = run_engine(server_db, body)
    assert waited == [] and after.claimed_by is None and after.next_run_at == rule.next_run_at
    assert jobs_of_rule(server_db, rule.id) == []
