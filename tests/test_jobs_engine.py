"""The bulk mark-read job engine on real SQLite files, driven with plain asyncio (no Qt)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pendulum
import pytest
from support.clock import at, base_moment
from support.databases import database, has_table, job_row, read_status
from support.engine import run_engine

from desktop.jobs import JobEvent
from desktop.store import JobNotFound, JobRequestError, clock
from desktop.store.clock import ago_text, to_db_text, utc_now_text
from desktop.store.connection import is_server_url

PROJECT = Path(__file__).resolve().parent.parent
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
# The server-shaped database (conftest.make_server_database): category 1 = feeds 1, 2 =
# articles 1..70; category 2 = feeds 3, 4 = articles 71..100; feed 5 (no category) = 101..105.
SCOPES = {
    "category-1": ("mark_category_read", {"category_id": 1}),
    "category-2": ("mark_category_read", {"category_id": 2}),
    "feed-2": ("mark_feed_read", {"feed_id": 2}),
    "feed-5-uncategorized": ("mark_feed_read", {"feed_id": 5}),
    "all": ("mark_all_read", {}),
}


# -- helpers ------------------------------------------------------------------------------

def job_count(path) -> int:
    """How many job rows; 0 while the job table does not exist (nothing was written)."""
    if not has_table(path, "bulk_operation_jobs"):
        return 0
    with database(path) as conn:
        return conn.execute("SELECT count(*) FROM bulk_operation_jobs").fetchone()[0]


def scope_articles(path, job_type, params, *, up_to=None, after=0) -> set[int]:
    """The article ids a job covers, by independent SQL."""
    sql = ("SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id "
           "WHERE a.id > ?")
    args: list = [after]
    if job_type == "mark_category_read":
        sql += " AND f.category_id = ?"
        args.append(params["category_id"])
    elif job_type == "mark_feed_read":
        sql += " AND a.feed_id = ?"
        args.append(params["feed_id"])
    if params.get("older_than"):
        sql += " AND a.created_at < ?"
        args.append(params["older_than"])
    if up_to is not None:
        sql += " AND a.id <= ?"
        args.append(up_to)
    with database(path) as conn:
        return {row[0] for row in conn.execute(sql, args)}


def insert_articles(path, feed_id, count) -> list[int]:
    """New articles written by "the web server" on its own connection."""
    with database(path) as conn:
        ids = []
        for n in range(count):
            ids.append(conn.execute(
                "INSERT INTO articles (feed_id, title, created_at) VALUES (?, ?, ?) "
                "RETURNING id", (feed_id, f"Late {n}", utc_now_text())).fetchone()[0])
        conn.commit()
    return ids


def assert_marked_read(before, after, user_id, in_scope, since) -> int:
    """Check a mark-read outcome row by row; return how many rows changed unread -> read.

    In scope: every article is read for the user, exactly once; rows that were unread got
    read_at/updated_at = the job's time and kept every other value; rows that were read are
    byte-for-byte the same. Out of scope and other users: byte-for-byte the same.
    """
    changed = 0
    assert set(before) <= set(after)
    for row_id, old in before.items():
        new = after[row_id]
        if old["user_id"] == user_id and old["article_id"] in in_scope and not old["is_read"]:
            assert new["is_read"] == 1
            assert new["read_at"] >= since and TIMESTAMP.match(new["read_at"])
            assert new["updated_at"] == new["read_at"]
            unchanged = {k: v for k, v in old.items()
                         if k not in ("is_read", "read_at", "updated_at")}
            assert {k: new[k] for k in unchanged} == unchanged
            changed += 1
        else:
            assert new == old
    for row_id in set(after) - set(before):
        new = after[row_id]
        assert new["user_id"] == user_id and new["article_id"] in in_scope
        assert (new["is_read"], new["is_starred"], new["is_archived"]) == (1, 0, 0)
        assert new["read_at"] >= since and TIMESTAMP.match(new["read_at"])
        assert new["updated_at"] == new["created_at"] == new["read_at"]
        assert new["starred_at"] is None
        changed += 1
    rows_per_article = Counter(row["article_id"] for row in after.values()
                               if row["user_id"] == user_id)
    assert all(rows_per_article[article] == 1 for article in in_scope)  # no duplicates
    assert all(row["is_read"] for row in after.values()
               if row["user_id"] == user_id and row["article_id"] in in_scope)
    return changed


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# -- every scope --------------------------------------------------------------------------

@pytest.mark.parametrize("user_id", [1, 2])
@pytest.mark.parametrize("scope", SCOPES)
def test_every_scope_marks_exactly_its_articles_read(reader, scope, user_id):
    job_type, params = SCOPES[scope]
    before = read_status(reader)
    in_scope = scope_articles(reader, job_type, params)
    since = utc_now_text()

    async def body(manager):
        job_id = await manager.create_job(job_type, user_id, params)
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body)

    changed = assert_marked_read(before, read_status(reader), user_id, in_scope, since)
    assert changed > 0
    assert job.status == "completed" and job.error_message is None
    assert job.progress == job.total == len(in_scope)
    assert job.marked_count == changed
    assert job.started_at >= since and job.completed_at >= job.started_at
    assert job.watermark == 105 and job.cursor == job.watermark  # walked up to the watermark
    assert json.loads(job.parameters) == params
    assert job_row(reader, job.id)["status"] == "completed"  # persisted, not just returned


def test_older_than_narrows_the_scope_by_ingestion_time(reader):
    # Article n was ingested n minutes after at(): before at(minutes=30) means articles 1..29.
    params = {"older_than": at(minutes=30)}
    before = read_status(reader)
    in_scope = scope_articles(reader, "mark_all_read", params)
    assert in_scope == set(range(1, 30))
    since = utc_now_text()

    async def body(manager):
        all_id = await manager.create_job("mark_all_read", 1, params)
        category_id = await manager.create_job(
            "mark_category_read", 2, {"category_id": 2, "older_than": at(minutes=95)})
        return await manager.wait_for_job(all_id), await manager.wait_for_job(category_id)

    all_job, category_job = run_engine(reader, body)

    after = read_status(reader)
    user_1 = {k: v for k, v in after.items() if v["user_id"] == 1}
    changed = assert_marked_read({k: v for k, v in before.items() if v["user_id"] == 1}, user_1,
                                 1, in_scope, since)
    assert all_job.status == "completed"
    assert all_job.progress == all_job.total == 29 and all_job.marked_count == changed
    # Category 2 is articles 71..100; at(minutes=95) is when article 95 arrived.
    category_scope = set(range(71, 95))
    user_2 = {k: v for k, v in after.items() if v["user_id"] == 2}
    changed = assert_marked_read({k: v for k, v in before.items() if v["user_id"] == 2}, user_2,
                                 2, category_scope, since)
    assert category_job.status == "completed"
    assert category_job.progress == category_job.total == 24
    assert category_job.marked_count == changed == 12  # user 2 had read the even ones


ISO_FORMS = {  # at(minutes=30) (article 30's arrival) as other programs may write it
    "Z": lambda moment: moment.format("YYYY-MM-DD[T]HH:mm:ss[Z]"),
    "+01:00": lambda moment: moment.in_timezone(pendulum.FixedTimezone(3600)).isoformat(),
}


@pytest.mark.parametrize("form", ISO_FORMS)
def test_older_than_in_another_timestamp_form_means_the_same_moment(reader, form):
    # Compared as text with created_at, an ISO 'T' form would put the whole day "before" it.
    cutoff = ISO_FORMS[form](base_moment().add(minutes=30))
    assert "T" in cutoff and cutoff.endswith(form)

    async def body(manager):
        job_id = await manager.create_job("mark_all_read", 2, {"older_than": cutoff})
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body)
    assert job.status == "completed" and job.progress == job.total == 29
    read = {row["article_id"] for row in read_status(reader).values()
            if row["user_id"] == 2 and row["is_read"]}
    assert read == set(range(1, 30)) | {n for n in range(30, 106) if n % 2 == 0}


# -- the watermark ------------------------------------------------------------------------

def test_articles_that_arrive_after_the_job_was_created_stay_unread(reader):
    state = {}

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1},
                                          run=False)
        state["late"] = insert_articles(reader, 1, 5) + insert_articles(reader, 2, 5)
        manager.start_job(job_id)
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body)

    late = state["late"]
    assert min(late) > 105
    assert job.status == "completed" and job.watermark == 105
    assert job.progress == job.total == 70
    unread_late = [row for row in read_status(reader).values() if row["article_id"] in late]
    assert unread_late == []  # nobody has a read_status row for the late articles
    read_for_user_1 = {row["article_id"] for row in read_status(reader).values()
                       if row["user_id"] == 1 and row["is_read"]}
    assert set(range(1, 71)) <= read_for_user_1


def test_a_watermark_given_at_creation_bounds_the_job(reader):
    async def body(manager):
        job_id = await manager.create_job("mark_all_read", 2, {}, watermark=50)
        too_high = await manager.create_job("mark_all_read", 2, {}, watermark=10_000, run=False)
        return await manager.wait_for_job(job_id), await manager.get_job(2, too_high)

    job, capped = run_engine(reader, body)
    assert job.status == "completed" and job.watermark == 50
    assert job.progress == job.total == 50 and job.marked_count == 25
    read = {row["article_id"] for row in read_status(reader).values()
            if row["user_id"] == 2 and row["is_read"]}
    assert read == set(range(1, 51)) | {n for n in range(51, 106) if n % 2 == 0}
    assert capped.watermark == 105  # never beyond the newest article that exists


def test_up_to_article_bounds_the_job_to_that_article_and_older(reader):
    """"Mark this and everything older": ids are the ingestion order, the bound is exact."""
    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 2,
                                          {"category_id": 1, "up_to_article": 33})
        return await manager.wait_for_job(job_id)

    before = read_status(reader)
    since = utc_now_text()
    job = run_engine(reader, body, max_chunk=5)
    assert job.status == "completed" and job.watermark == 33
    assert json.loads(job.parameters)["up_to_article"] == 33
    assert job.progress == job.total == 33
    in_scope = scope_articles(reader, "mark_category_read", {"category_id": 1}, up_to=33)
    changed = assert_marked_read(before, read_status(reader), 2, in_scope, since)
    assert changed == job.marked_count == 17  # user 2 had read the even ones: 1, 3 … 33 left


def test_a_server_row_with_up_to_article_is_bounded_when_claimed(make_reader):
    path = make_reader(job_table=True)
    with database(path) as conn:  # only the spec's columns: no watermark of ours
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
                     "created_at) VALUES ('mark_all_read', 'pending', 2, "
                     "'{\"up_to_article\": 60}', ?)", (at(),))
        conn.commit()
    run_engine(path, lambda manager: manager.run_available(once=True))
    job = job_row(path, 1)
    assert (job["status"], job["watermark"], job["progress"], job["total"]) == (
        "completed", 60, 60, 60)
    read = {row["article_id"] for row in read_status(path).values()
            if row["user_id"] == 2 and row["is_read"]}
    assert read == set(range(1, 61)) | {n for n in range(61, 106) if n % 2 == 0}


# -- chunks and progress events -----------------------------------------------------------

@pytest.mark.parametrize("scope", ["category-1", "all"])
def test_small_chunks_publish_monotonic_progress_matching_the_rows_read(reader, scope):
    job_type, params = SCOPES[scope]
    in_scope = scope_articles(reader, job_type, params)
    events: list[JobEvent] = []
    # Which in-scope articles were unread before the job, with their feed and category: each
    # chunk covers (cursor before, cursor after] and must report exactly those of them.
    # (Compared with the state before the job rather than read at each event: the engine
    # queues its next chunk before it publishes, so the file may be a chunk ahead by then.)
    with database(reader) as conn:
        unread_before = {row[0]: (row[1], row[2]) for row in conn.execute(
            "SELECT a.id, a.feed_id, f.category_id FROM articles a JOIN feeds f "
            "ON f.id = a.feed_id WHERE NOT EXISTS (SELECT 1 FROM read_status r WHERE "
            "r.user_id = 1 AND r.article_id = a.id AND r.is_read = TRUE)") if row[0] in in_scope}

    def expected(low: int, high: int) -> tuple[dict, dict]:
        feeds, categories = Counter(), Counter()
        for article, (feed, category) in unread_before.items():
            if low < article <= high:
                feeds[feed] += 1
                categories[category] += 1
        return dict(feeds), dict(categories)

    async def body(manager):
        manager.subscribe(events.append)
        job_id = await manager.create_job(job_type, 1, params)
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body, max_chunk=7)
    cursors = [0] + [e.job.cursor for e in events if e.kind == "progress"]
    checks = [(event, *expected(low, high)) for event, low, high in zip(
        [e for e in events if e.kind == "progress"], cursors, cursors[1:], strict=False)]

    assert job.status == "completed" and job.progress == job.total == len(in_scope)
    progress_events = [e for e in events if e.kind == "progress"]
    assert len(progress_events) >= len(in_scope) // 7  # many chunks of at most 7 articles
    steps = [e.job.progress for e in progress_events]
    assert steps == sorted(steps) and steps[-1] == len(in_scope)
    assert all(b - a <= 7 for a, b in zip([0, *steps], steps, strict=False))
    assert all(e.job.progress <= e.job.total for e in progress_events if e.job.total)
    # counted before the row was written: never "0 of 0", not even while pending
    assert [e.kind for e in events][:2] == ["created", "started"]
    assert events[0].job.total == len(in_scope) and events[0].job.status == "pending"
    assert events[-1].kind == "finished" and events[-1].job.status == "completed"
    marked_total = 0
    for event, feed_delta, category_delta in checks:
        assert event.marked_by_feed == feed_delta
        assert event.marked_by_category == category_delta
        assert sum(event.marked_by_feed.values()) == sum(event.marked_by_category.values())
        marked_total += sum(event.marked_by_feed.values())
    assert marked_total == job.marked_count > 0
    # Each event names the id span its chunk went through: (cursor before, cursor after],
    # contiguous from 0 to the watermark, so the window can restyle exactly those rows.
    spans = [e.span for e in progress_events]
    assert spans == list(itertools.pairwise(cursors))
    assert spans[0][0] == 0 and spans[-1][1] == job.watermark
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


# -- cancel -------------------------------------------------------------------------------

def test_cancelling_a_pending_job_is_immediate_and_it_never_runs(reader):
    before = read_status(reader)
    events: list[JobEvent] = []

    async def body(manager):
        manager.subscribe(events.append)
        job_id = await manager.create_job("mark_all_read", 1, {}, run=False)
        cancelled = await manager.cancel_job(1, job_id)
        await manager.run_available(once=True)
        manager.start_job(job_id)
        return cancelled, await manager.wait_for_job(job_id)

    cancelled, final = run_engine(reader, body)
    assert cancelled.status == "cancelled" and cancelled.completed_at is not None
    assert final.status == "cancelled" and final.started_at is None and final.progress == 0
    assert read_status(reader) == before
    assert [e.kind for e in events] == ["created", "finished"]


def _cancel_while_running(path, cancel, *, scope="all"):
    """Run a job in chunks of 7 and call ``cancel(manager, job_id)`` at the second chunk.

    Returns (job at the end, progress when cancel was called, read_status before).
    """
    job_type, params = SCOPES[scope]
    before = read_status(path)
    seen = {}

    async def body(manager):
        pending = []

        def on_event(event):
            if event.kind == "progress" and "at" not in seen and event.job.progress >= 14:
                seen["at"] = event.job.progress
                result = cancel(manager, event.job.id)
                if asyncio.iscoroutine(result):
                    pending.append(asyncio.ensure_future(result))

        manager.subscribe(on_event)
        job_id = await manager.create_job(job_type, 1, params)
        job = await manager.wait_for_job(job_id)
        for task in pending:
            await task
        return job

    job = run_engine(path, body, max_chunk=7)
    return job, seen["at"], before


def assert_stopped_at_cursor(path, job, before, scope="all"):
    job_type, params = SCOPES[scope]
    done = scope_articles(path, job_type, params, up_to=job.cursor)
    assert len(done) == job.progress
    untouched_ids = {k for k, v in before.items()
                     if v["user_id"] != 1 or v["article_id"] > job.cursor}
    after = read_status(path)
    assert {k: after[k] for k in untouched_ids} == {k: before[k] for k in untouched_ids}
    assert not any(v["article_id"] > job.cursor for k, v in after.items() if k not in before)
    assert all(v["is_read"] for v in after.values()
               if v["user_id"] == 1 and v["article_id"] in done)
    assert {v["article_id"] for v in after.values() if v["user_id"] == 1} >= done


def test_cancelling_a_running_job_stops_it_after_its_current_chunk(reader):
    seen = {}

    def cancel(manager, job_id):
        async def cancelling():
            seen["row"] = await manager.cancel_job(1, job_id)
        return cancelling()

    job, at, before = _cancel_while_running(reader, cancel)
    assert job.status == "cancelled"
    # The cancel awaits reads before its write, and chunks go on meanwhile (the more, the
    # busier the machine): the promise is one chunk at most after the cancel is written.
    written = seen["row"].progress
    assert at <= written <= job.progress <= written + 7 and job.progress < job.total == 105
    assert job.completed_at is not None
    assert_stopped_at_cursor(reader, job, before)


def test_a_cancel_written_by_another_connection_stops_the_job(reader):
    def cancel_from_elsewhere(_manager, job_id):
        with database(reader) as conn:
            conn.execute("UPDATE bulk_operation_jobs SET status = 'cancelled', "
                         "completed_at = ? WHERE id = ?", (utc_now_text(), job_id))
            conn.commit()

    job, at, before = _cancel_while_running(reader, cancel_from_elsewhere)
    assert job.status == "cancelled"
    assert job.progress == at < job.total == 105  # the next chunk saw it and wrote nothing
    assert_stopped_at_cursor(reader, job, before)


def test_a_cancel_from_another_process_stops_the_job(reader):
    def cancel_from_the_command_line(_manager, job_id):
        subprocess.run([sys.executable, "-m", "desktop", "cancel", "--database",
                        str(reader), "--user", "1", str(job_id)], cwd=PROJECT, check=True,
                       capture_output=True)

    job, at, before = _cancel_while_running(reader, cancel_from_the_command_line,
                                            scope="category-1")
    assert job.status == "cancelled"
    assert job.progress == at < job.total == 70
    assert_stopped_at_cursor(reader, job, before, scope="category-1")


# -- errors -------------------------------------------------------------------------------

BAD_REQUESTS = [
    ("mark_all_read", 99, {}, "user 99 does not exist"),
    ("mark_category_read", 1, {"category_id": 99}, "category 99 does not exist"),
    ("mark_feed_read", 1, {"feed_id": 99}, "feed 99 does not exist"),
    ("mark_everything_read", 1, {}, "unknown job_type 'mark_everything_read'"),
    ("mark_category_read", 1, {}, "mark_category_read needs 'category_id'"),
    ("mark_category_read", 1, {"category_id": "1"},
     "category_id must be a positive integer, not '1'"),
    ("mark_feed_read", 1, {"feed_id": 2.0}, "feed_id must be a positive integer, not 2.0"),
    ("mark_feed_read", 1, {"feed_id": True}, "feed_id must be a positive integer, not True"),
    ("mark_feed_read", 1, {"feed_id": 0}, "feed_id must be a positive integer, not 0"),
    ("mark_feed_read", 1, {"feed_id": -3}, "feed_id must be a positive integer, not -3"),
    ("mark_all_read", "1", {}, "user id must be a positive integer, not '1'"),
    ("mark_all_read", None, {}, "user id must be a positive integer, not None"),
    ("mark_all_read", 1, [1], "parameters must be a JSON object"),
    ("mark_all_read", 1, {"older_than": "last week"}, "older_than must be a 'YYYY-MM-DD"),
    ("mark_all_read", 1, {"older_than": 7}, "older_than must be a 'YYYY-MM-DD"),
    ("mark_all_read", 1, {"older_than": "P7D"}, "older_than must be a 'YYYY-MM-DD"),
    ("mark_all_read", 2**64, {}, "user id"),
    ("mark_feed_read", 1, {"feed_id": 2**63}, "feed_id"),
    ("mark_feed_read", 1, {"feed_id": 2, "up_to_article": 0}, "up_to_article must be a positive"),
    ("mark_all_read", 1, {"up_to_article": "40"}, "up_to_article must be a positive"),
]


def test_bad_requests_raise_a_specific_error_and_write_nothing(reader):
    async def body(manager):
        messages = []
        for job_type, user_id, params, _ in BAD_REQUESTS:
            with pytest.raises(JobRequestError) as caught:
                await manager.create_job(job_type, user_id, params)
            messages.append(str(caught.value))
        return messages

    messages = run_engine(reader, body)
    for message, (*_, expected) in zip(messages, BAD_REQUESTS, strict=True):
        assert expected in message
    assert job_count(reader) == 0


def test_bad_rows_written_by_the_server_fail_alone(make_reader):
    path = make_reader(job_table=True)
    rows = [
        ("mark_category_read", 1, "not json", "parameters are not valid JSON"),
        ("mark_everything_read", 1, "{}", "unknown job_type 'mark_everything_read'"),
        ("mark_category_read", 1, '{"category_id": 99}', "category 99 does not exist"),
        ("mark_feed_read", 1, '{"feed_id": "three"}', "feed_id must be a positive integer"),
        ("mark_feed_read", 1, "[3]", "parameters must be a JSON object"),
        ("mark_feed_read", 99, '{"feed_id": 3}', "user 99 does not exist"),
        ("mark_feed_read", 2, '{"feed_id": 3}', None),  # the good one, last in line
    ]
    if is_server_url(path):  # PostgreSQL enforces the job table's foreign key on its writers
        rows = [row for row in rows if row[1] != 99]
    with database(path) as conn:
        for job_type, user_id, parameters, _ in rows:
            conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, "
                         "parameters, created_at) VALUES (?, 'pending', ?, ?, ?)",
                         (job_type, user_id, parameters, at()))
        conn.commit()

    run_engine(path, lambda manager: manager.run_available(once=True))

    for job_id, (*_, expected) in enumerate(rows, start=1):
        job = job_row(path, job_id)
        if expected is None:
            assert job["status"] == "completed"
            assert job["error_message"].startswith("taken over from the web server at ")
            assert job["progress"] == job["total"] == 20
        else:
            assert job["status"] == "failed"
            assert expected in job["error_message"]
            assert "Traceback" not in job["error_message"]
            assert job["completed_at"] is not None
    with database(path) as conn:
        unread = conn.execute("SELECT count(*) FROM articles a WHERE a.feed_id = 3 AND NOT "
                              "EXISTS (SELECT 1 FROM read_status r WHERE r.article_id = a.id "
                              "AND r.user_id = 2 AND r.is_read = TRUE)").fetchone()[0]
    assert unread == 0


# -- listing, user scoping, cleanup -------------------------------------------------------

def test_listing_is_newest_first_filtered_limited_and_scoped_to_the_user(reader):
    types = ["mark_all_read", "mark_feed_read", "mark_category_read"]
    params = {"mark_all_read": {}, "mark_feed_read": {"feed_id": 1},
              "mark_category_read": {"category_id": 2}}

    async def create(manager):
        ids = [await manager.create_job(types[n % 3], 1, params[types[n % 3]], run=False)
               for n in range(25)]
        other = await manager.create_job("mark_all_read", 2, {}, run=False)
        return ids, other

    ids, other = run_engine(reader, create)
    with database(reader) as conn:
        later, long_ago = to_db_text(clock.now().add(days=1)), ago_text(years=1)
        conn.execute("UPDATE bulk_operation_jobs SET created_at = ? WHERE id = ?",
                     (later, ids[0]))  # the oldest id, but the newest time
        conn.execute("UPDATE bulk_operation_jobs SET created_at = ? WHERE id = ?",
                     (long_ago, ids[-1]))
        conn.executemany("UPDATE bulk_operation_jobs SET status = 'completed' WHERE id = ?",
                         [(ids[n],) for n in (3, 4, 5)])
        conn.commit()

    async def query(manager):
        found = {
            "default": await manager.list_jobs(1),
            "hundred": await manager.list_jobs(1, limit=100),
            "completed": await manager.list_jobs(1, status="completed"),
            "feed": await manager.list_jobs(1, job_type="mark_feed_read", limit=100),
            "both": await manager.list_jobs(1, status="completed",
                                            job_type="mark_feed_read"),
            "other": await manager.list_jobs(2),
        }
        errors = {}
        for name, call in {
            "limit 101": manager.list_jobs(1, limit=101),
            "limit 0": manager.list_jobs(1, limit=0),
            "status": manager.list_jobs(1, status="done"),
            "get": manager.get_job(1, other),
            "cancel": manager.cancel_job(1, other),
            "get missing": manager.get_job(1, 10_000),
        }.items():
            try:
                await call
            except (JobRequestError, JobNotFound) as exc:
                errors[name] = exc
        found["other after"] = await manager.get_job(2, other)
        return found, errors

    found, errors = run_engine(reader, query)

    middle = sorted(ids[1:-1], reverse=True)
    assert [job.id for job in found["hundred"]] == [ids[0], *middle, ids[-1]]
    assert [job.id for job in found["default"]] == [ids[0], *middle][:20]
    assert {job.id for job in found["completed"]} == {ids[3], ids[4], ids[5]}
    assert all(job.status == "completed" for job in found["completed"])
    assert [job.id for job in found["feed"]] == sorted(
        (i for n, i in enumerate(ids) if n % 3 == 1 and n != 24), reverse=True)
    assert [job.id for job in found["both"]] == [ids[4]]
    assert [job.id for job in found["other"]] == [other]
    assert all(job.user_id == 1 for key in ("default", "hundred") for job in found[key])
    assert isinstance(errors["limit 101"], JobRequestError) and "101" in str(errors["limit 101"])
    assert isinstance(errors["limit 0"], JobRequestError)
    assert isinstance(errors["status"], JobRequestError) and "'done'" in str(errors["status"])
    for name in ("get", "cancel", "get missing"):
        assert isinstance(errors[name], JobNotFound), name
    assert str(errors["get"]) == f"job {other} not found"
    assert found["other after"].status == "pending"  # another user's cancel changed nothing


def test_a_finished_job_cannot_be_cancelled(reader):
    async def body(manager):
        job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 5})
        await manager.wait_for_job(job_id)
        with pytest.raises(JobRequestError, match=f"job {job_id} is already completed"):
            await manager.cancel_job(1, job_id)
        return await manager.get_job(1, job_id)

    assert run_engine(reader, body).status == "completed"


def test_cleanup_deletes_only_finished_jobs_older_than_the_limit(reader):
    async def create(manager):
        return [await manager.create_job("mark_all_read", 1, {}, run=False) for _ in range(7)]

    ids = run_engine(reader, create)
    rows = {  # id -> (status, hours since it ended)
        ids[0]: ("completed", 25),
        ids[1]: ("failed", 48),
        ids[2]: ("cancelled", 30),
        ids[3]: ("completed", 1),
        ids[4]: ("running", None),
        ids[5]: ("pending", None),
        ids[6]: ("completed", 12),
    }
    with database(reader) as conn:
        for job_id, (status, age) in rows.items():
            conn.execute("UPDATE bulk_operation_jobs SET status = ?, owner = 'elsewhere:1:x', "
                         "created_at = ?, completed_at = ? WHERE id = ?",
                         (status, ago_text(hours=72), None if age is None else ago_text(hours=age),
                          job_id))
        conn.commit()

    async def cleanup(manager):
        return await manager.cleanup_finished(hours=36), await manager.cleanup_finished()

    # Asked for 36 h, one job goes; a manager keeping a week deletes nothing more.
    assert run_engine(reader, cleanup, keep_finished_hours=24 * 7) == (1, 0)
    assert remaining_jobs(reader) == {ids[0], ids[2], ids[3], ids[4], ids[5], ids[6]}

    # Opening alone deletes nothing (it writes nothing); the default keeps 24 hours.
    assert run_engine(reader, lambda manager: manager.list_jobs(1)) and remaining_jobs(
        reader) == {ids[0], ids[2], ids[3], ids[4], ids[5], ids[6]}
    assert run_engine(reader, lambda manager: manager.cleanup_finished()) == 2
    assert remaining_jobs(reader) == {ids[3], ids[4], ids[5], ids[6]}

    # Configurable: 6 hours.
    run_engine(reader, lambda manager: manager.cleanup_finished(), keep_finished_hours=6)
    assert remaining_jobs(reader) == {ids[3], ids[4], ids[5]}


def remaining_jobs(path) -> set[int]:
    with database(path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM bulk_operation_jobs")}


# -- jobs written by others, interrupted jobs ---------------------------------------------

def test_pending_rows_written_by_the_web_server_run_to_completion(make_reader):
    path = make_reader(job_table=True)
    before = read_status(path)
    with database(path) as conn:  # only the spec's columns: no watermark, no cursor
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
                     "created_at) VALUES ('mark_category_read', 'pending', 1, "
                     "'{\"category_id\": 2}', ?)", (at(),))
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, "
                     "created_at) VALUES ('mark_feed_read', 2, '{\"feed_id\": 5}', ?)",
                     (at(),))
        conn.commit()
    since = utc_now_text()

    run_engine(path, lambda manager: manager.run_available(once=True))

    first, second = job_row(path, 1), job_row(path, 2)
    after = read_status(path)
    changed_1 = assert_marked_read({k: v for k, v in before.items() if v["user_id"] == 1},
                                   {k: v for k, v in after.items() if v["user_id"] == 1},
                                   1, set(range(71, 101)), since)
    changed_2 = assert_marked_read({k: v for k, v in before.items() if v["user_id"] == 2},
                                   {k: v for k, v in after.items() if v["user_id"] == 2},
                                   2, set(range(101, 106)), since)
    assert (first["status"], first["progress"], first["total"]) == ("completed", 30, 30)
    assert (second["status"], second["progress"], second["total"]) == ("completed", 5, 5)
    assert first["marked_count"] == changed_1 and second["marked_count"] == changed_2
    assert first["watermark"] == second["watermark"] == 105
    assert first["started_at"] >= since and first["completed_at"] >= first["started_at"]


def test_a_job_whose_worker_died_is_resumed_from_its_cursor(reader):
    async def create(manager):
        return await manager.create_job("mark_category_read", 1, {"category_id": 1},
                                        run=False)

    job_id = run_engine(reader, create)
    dead_owner = f"{socket.gethostname()}:{dead_pid()}:0123456789ab"
    live_owner = f"{socket.gethostname()}:{os.getpid()}:live"
    with database(reader) as conn:
        # The dead worker had done feed 1 (articles 1..40) of category 1 when it died.
        conn.execute("UPDATE bulk_operation_jobs SET status = 'running', owner = ?, cursor = 40,"
                     " progress = 40, marked_count = 26, started_at = ? WHERE id = ?",
                     (dead_owner, at(hours=1), job_id))
        conn.commit()
    other = run_engine(reader, create)  # running in this live process: leave it alone
    with database(reader) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET status = 'running', owner = ? WHERE id = ?",
                     (live_owner, other))
        conn.commit()
    before = read_status(reader)
    since = utc_now_text()

    with live_on_the_server(reader, live_owner):
        owner = run_engine(reader, lambda manager: _run_and_tell_owner(manager))

    job = job_row(reader, job_id)
    assert job["status"] == "completed" and job["owner"] == owner
    assert job["progress"] == job["total"] == 70 and job["cursor"] == job["watermark"]
    assert job["started_at"] == at(hours=1)  # kept from the first start
    after = read_status(reader)
    # Articles 1..40 were the dead worker's: not redone. 41..70 are read now.
    changed = assert_marked_read(before, after, 1, set(range(41, 71)), since)
    assert job["marked_count"] == 26 + changed
    assert job_row(reader, other)["status"] == "running"
    assert job_row(reader, other)["progress"] == 0


@contextlib.contextmanager
def live_on_the_server(target, owner: str):
    """Where the database itself says which workers live (PostgreSQL: each holds an advisory
    lock while its connection lives), hold ``owner``'s lock, as its engine would."""
    if not is_server_url(target):
        yield
        return
    from desktop.store.backends.postgres import LIVENESS_KEY, owner_key

    with database(target) as conn:
        conn.execute("SELECT pg_advisory_lock_shared(?, ?)", (LIVENESS_KEY, owner_key(owner)))
        yield


async def _run_and_tell_owner(manager):
    await manager.run_available(once=True)
    return manager.owner


def test_closing_the_manager_while_a_job_is_being_claimed_hands_the_job_back(reader):
    async def body(manager):
        job_id = await manager.create_job("mark_all_read", 1, {}, run=False)
        manager.start_job(job_id)
        await asyncio.sleep(0)  # the job's task submits its claim to the database thread
        # Block the loop until the database thread has run that claim, so close() cancels the
        # task while it still awaits the claim's result.
        claimed = threading.Event()
        manager.db._executor.submit(claimed.set)
        claimed.wait()
        assert job_row(reader, job_id)["status"] == "running"
        return job_id

    job_id = run_engine(reader, body)

    row = job_row(reader, job_id)
    assert (row["status"], row["owner"], row["progress"]) == ("pending", None, 0)

    async def work(manager):  # and the next worker runs it
        await manager.run_available(once=True)
        return await manager.get_job(1, job_id)

    job = run_engine(reader, work)
    assert job.status == "completed" and job.progress == job.total == 105


# -- a big database -----------------------------------------------------------------------

def test_create_job_only_writes_the_row_and_the_job_runs_in_the_background(
        demo_database_100k, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database_100k, path)
    with database(path) as conn:
        tech = conn.execute("SELECT id FROM categories WHERE name = 'Tech'").fetchone()[0]
        in_scope = conn.execute("SELECT count(*) FROM articles a JOIN feeds f ON "
                                "f.id = a.feed_id WHERE f.category_id = ?", (tech,)).fetchone()[0]
        unread = conn.execute(
            "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE "
            "f.category_id = ? AND NOT EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = 1 "
            "AND r.article_id = a.id AND r.is_read = TRUE)", (tech,)).fetchone()[0]
    events: list[JobEvent] = []

    async def body(manager):
        manager.subscribe(events.append)
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": tech})
        kinds_at_return = [e.kind for e in events]
        right_after = await manager.get_job(1, job_id)
        return kinds_at_return, right_after, await manager.wait_for_job(job_id)

    kinds_at_return, right_after, job = run_engine(path, body)

    # create_job counted the scope, wrote the row (with its watermark and total) and returned;
    # marking came later, on the job's own task.
    assert kinds_at_return == ["created"]
    # (status reads come from a connection of their own: the claim may already have happened)
    assert right_after.status in ("pending", "running") and right_after.progress < in_scope
    assert right_after.watermark == 100_000 and right_after.total == in_scope
    kinds = [e.kind for e in events]
    assert kinds[:3] == ["created", "started", "progress"] and kinds[-1] == "finished"
    assert job.status == "completed"
    assert job.progress == job.total == in_scope > 20_000
    assert job.marked_count == unread
    with database(path) as conn:
        left = conn.execute(
            "SELECT count(*) FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE "
            "f.category_id = ? AND NOT EXISTS (SELECT 1 FROM read_status r WHERE r.user_id = 1 "
            "AND r.article_id = a.id AND r.is_read = TRUE)", (tech,)).fetchone()[0]
    assert left == 0


# -- layering -----------------------------------------------------------------------------

def test_store_and_jobs_never_import_qt():
    # Every module of both packages, not only what their __init__ happens to import.
    code = (
        "import importlib, pkgutil, sys\n"
        "import desktop.store, desktop.jobs\n"
        "for package in (desktop.store, desktop.jobs):\n"
        "    for module in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('desktop.')))\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync')])\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                            text=True, check=True)
    imported, qt = result.stdout.splitlines()
    assert "'desktop.jobs.manager'" in imported and "'desktop.store.scopes'" in imported
    assert "desktop.ui" not in imported
    assert qt == "[]"


def test_a_user_deleted_mid_job_fails_the_job_and_leaves_no_rows(reader):
    """Our connections do not enforce foreign keys (they could never fail for what we write),
    so each chunk checks its user is still there; a server deleting the user (even with its
    own foreign keys off) fails the job instead of leaving rows for nobody."""
    deleted_at = {}

    async def body(manager):
        def on_event(event):
            if event.kind == "progress" and not deleted_at:
                deleted_at["cursor"] = event.job.cursor
                with database(reader) as conn:
                    conn.execute("DELETE FROM read_status WHERE user_id = 2")
                    conn.execute("DELETE FROM users WHERE id = 2")
                    conn.commit()

        manager.subscribe(on_event)
        job_id = await manager.create_job("mark_all_read", 2, {})
        return await manager.wait_for_job(job_id)

    job = run_engine(reader, body, max_chunk=7)
    with database(reader) as conn:
        orphans = conn.execute("SELECT count(*) FROM read_status WHERE user_id = 2").fetchone()[0]
    if is_server_url(reader):
        # PostgreSQL enforces the server's foreign keys on every connection: the user's rows
        # and jobs went with it (ON DELETE CASCADE), and the engine found its job gone
        assert job is None and orphans == 0
        return
    assert job.status == "failed" and job.error_message == "user 2 does not exist"
    # a chunk may have been on its way while the user was deleted; none after it
    assert orphans <= 7 and job.cursor <= deleted_at["cursor"] + 7


# -- what the window keeps with a job ---------------------------------------------------------

def test_the_confirmed_count_is_kept_and_added_to_a_job_table_of_an_earlier_version(reader):
    """A database whose job table an earlier version prepared (our columns but
    confirmed_count) is read as it is and gains the column when the next job is written."""
    first = run_engine(reader, lambda m: m.create_job("mark_feed_read", 1, {"feed_id": 5},
                                                         run=False))
    with database(reader) as conn:
        conn.execute("ALTER TABLE bulk_operation_jobs DROP COLUMN confirmed_count")
        conn.commit()

    async def body(manager):
        [old] = await manager.list_jobs(1)  # read before anything is written
        job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 3},
                                          confirmed_count=13)
        return old, await manager.wait_for_job(job_id)

    old, job = run_engine(reader, body)
    assert old.id == first and old.confirmed_count is None
    assert job.confirmed_count == 13 and job.marked_count == 13  # 20 articles, 7 read before
    assert job_row(reader, first)["confirmed_count"] is None


def test_count_finished_jobs_counts_the_users_finished_jobs_only(reader):
    from desktop.store.jobs_table import count_finished_jobs

    async def body(manager):
        before = await manager.reads.call(count_finished_jobs, 1)  # no job table yet: 0
        for request in (("mark_feed_read", 1, {"feed_id": 5}), ("mark_feed_read", 2,
                                                                  {"feed_id": 5})):
            await manager.wait_for_job(await manager.create_job(*request))
        await manager.create_job("mark_feed_read", 1, {"feed_id": 3}, run=False)  # pending
        return before, await manager.reads.call(count_finished_jobs, 1)

    assert run_engine(reader, body) == (0, 1)


def test_opening_adopts_nothing_until_the_engine_starts_serving(reader):
    """open() only opens; start_serving() adopts others' pending jobs (after the face has
    subscribed, so it sees every event of them)."""
    job_id = run_engine(reader, lambda manager: manager.create_job(
        "mark_feed_read", 1, {"feed_id": 2}, run=False))

    async def body(manager):
        opened_with = manager.running_job_ids()
        finished = asyncio.get_running_loop().create_future()
        manager.subscribe(lambda event: event.kind == "finished" and not finished.done()
                          and finished.set_result(event.job))
        manager.start_serving()
        return opened_with, await asyncio.wait_for(finished, 60)

    opened_with, job = run_engine(reader, body, recover_every=0.05)
    assert opened_with == set()
    assert job.id == job_id and job.status == "completed"
