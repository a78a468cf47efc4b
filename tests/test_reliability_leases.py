"""Reliability of job ownership: completed jobs, stale and live owners, takeovers.

Real SQLite files and real processes. Time is simulated by rewinding stored timestamps
(updated_at, created_at, started_at); nothing here sleeps.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.clock import at
from support.databases import job_row, read_status, sqlite
from support.engine import run_engine

from desktop.jobs import leases
from desktop.jobs.leases import PENDING_GRACE_SECONDS, make_owner
from desktop.store import jobs_table
from desktop.store.clock import ago_text, utc_now_text

PROJECT = Path(__file__).resolve().parent.parent
OTHER_HOST = "otherhost:123:tok"
# Most jobs here mark category 1 of conftest.make_server_database for user 1: feed 1 (articles
# 1..40) and feed 2 (41..70); a stopped owner is left with its cursor after article 40.


# -- helpers ------------------------------------------------------------------------------

def execute(path, sql, *args) -> None:
    with sqlite(path) as conn:
        conn.execute(sql, args)
        conn.commit()


def read_articles(path, user_id) -> set[int]:
    with sqlite(path) as conn:
        return {row[0] for row in conn.execute(
            "SELECT article_id FROM read_status WHERE user_id = ? AND is_read = 1", (user_id,))}


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def create_job(path, job_type="mark_category_read", user_id=1, params=None, **options) -> int:
    params = {"category_id": 1} if params is None else params
    return run_engine(path, lambda manager: manager.create_job(job_type, user_id, params,
                                                               run=False), **options)


def make_running(path, job_id, owner, *, updated_age=0, cursor=40, progress=40) -> None:
    """Leave the job as a worker ``owner`` would if it stopped after ``cursor``, its last chunk
    committed ``updated_age`` seconds ago."""
    with sqlite(path) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET status = 'running', owner = ?, cursor = ?, "
                     "progress = ?, total = 70, marked_count = 5, started_at = ?, "
                     "updated_at = ? WHERE id = ?",
                     (owner, cursor, progress, at(), ago_text(seconds=updated_age), job_id))
        conn.commit()


async def recover(manager, **options) -> int:
    """One recovery round; wait for whatever it started. Returns how many jobs it started."""
    started = await manager.start_runnable_jobs(**options)
    for job_id in manager.running_job_ids():
        await manager.wait_for_job(job_id)
    return started


def assert_resumed_from_cursor(path, job_id, before, owner) -> None:
    """The taken-over job finished articles 41..70 only: 1..40 (done before the cursor, left
    as they were, some unread) are untouched, and progress went on from 40."""
    job = job_row(path, job_id)
    assert (job["status"], job["owner"]) == ("completed", owner)
    # the walk over article ids reached the watermark (category 1 ends at 70, the table at 105)
    assert job["progress"] == job["total"] == 70 and job["cursor"] == job["watermark"] == 105
    assert job["started_at"] == at()  # kept from the first start
    after = read_status(path)
    early = {k: v for k, v in before.items() if v["article_id"] <= 40 or v["user_id"] != 1}
    assert {k: after[k] for k in early} == early
    new_rows = {v["article_id"] for k, v in after.items() if k not in before}
    assert new_rows and min(new_rows) > 40
    assert set(range(41, 71)) <= read_articles(path, 1)
    assert not set(range(1, 41)) <= read_articles(path, 1)  # the early unread ones stay unread
    changed = sum(1 for k, v in after.items()
                  if v["user_id"] == 1 and 40 < v["article_id"] <= 70
                  and (k not in before or not before[k]["is_read"]))
    assert job["marked_count"] == 5 + changed


# -- recovery racing completion -----------------------------------------------------------

def test_a_completed_job_is_never_taken_over(server_db):
    async def complete(manager):
        job_ids = [await manager.create_job("mark_feed_read", 1, {"feed_id": feed})
                   for feed in (3, 4, 5)]
        return [(await manager.wait_for_job(job_id)).id for job_id in job_ids]

    dead_owner, silent_owner, no_owner = run_engine(server_db, complete)
    dead = f"{socket.gethostname()}:{dead_pid()}:deadbeef0000"
    with sqlite(server_db) as conn:  # as if each owner had died right after its last commit
        conn.execute("UPDATE bulk_operation_jobs SET owner = ? WHERE id = ?", (dead, dead_owner))
        conn.execute("UPDATE bulk_operation_jobs SET owner = ?, updated_at = ? WHERE id = ?",
                     (OTHER_HOST, ago_text(hours=2), silent_owner))
        conn.execute("UPDATE bulk_operation_jobs SET owner = NULL, started_at = ? WHERE id = ?",
                     (ago_text(hours=3), no_owner))
        conn.commit()
    rows = {job_id: job_row(server_db, job_id) for job_id in (dead_owner, silent_owner, no_owner)}
    before = read_status(server_db)

    async def recover_and_claim(manager):
        started = await recover(manager)
        claims = [
            await manager.db.call(jobs_table.claim_job, dead_owner, manager.owner,
                                  take_over=True, take_from=dead),
            await manager.db.call(jobs_table.claim_job, silent_owner, manager.owner,
                                  take_over=True, take_from=OTHER_HOST),
            await manager.db.call(jobs_table.claim_job, no_owner, manager.owner,
                                  take_over=True, take_from=None),
            await manager.db.call(jobs_table.claim_job, no_owner, manager.owner),
        ]
        return started, claims

    started, claims = run_engine(server_db, recover_and_claim)
    assert started == 0
    assert claims == [None, None, None, None]
    assert {job_id: job_row(server_db, job_id) for job_id in rows} == rows
    assert read_status(server_db) == before


def test_a_job_that_completes_while_recovery_is_claiming_it_stays_completed(server_db):
    job_id = create_job(server_db)
    make_running(server_db, job_id, OTHER_HOST, updated_age=120, cursor=70, progress=70)
    before = read_status(server_db)
    finished_at = utc_now_text()

    async def body(manager):
        started = await manager.start_runnable_jobs()
        decided = manager.running_job_ids()
        # Recovery decided to take the job over; before its claim runs, the slow owner commits
        # its last chunk.
        execute(server_db, "UPDATE bulk_operation_jobs SET status = 'completed', "
                "completed_at = ? WHERE id = ?", finished_at, job_id)
        await manager.wait_for_job(job_id)
        return started, decided

    started, decided = run_engine(server_db, body)
    assert (started, decided) == (1, {job_id})
    job = job_row(server_db, job_id)
    assert (job["status"], job["owner"], job["completed_at"]) == ("completed", OTHER_HOST,
                                                                   finished_at)
    assert (job["progress"], job["total"], job["cursor"], job["marked_count"]) == (70, 70, 70, 5)
    assert read_status(server_db) == before


# -- stale and live owners ----------------------------------------------------------------

def test_another_hosts_owner_is_gone_only_once_its_job_row_is_stale(server_db):
    """SQLite's WAL cannot be shared between hosts, so such an owner is a file that moved (or
    a renamed host): it is judged by its job row, which a live engine updates every chunk."""
    job_id = create_job(server_db)
    make_running(server_db, job_id, OTHER_HOST, updated_age=10)
    before, row = read_status(server_db), job_row(server_db, job_id)

    async def body(manager):
        fresh = await recover(manager)
        untouched = job_row(server_db, job_id)
        execute(server_db, "UPDATE bulk_operation_jobs SET updated_at = ? WHERE id = ?",
                ago_text(seconds=leases.EXPIRY_SECONDS + 5), job_id)
        return fresh, untouched, await recover(manager), manager.owner

    fresh, untouched, stale, owner = run_engine(server_db, body)
    assert fresh == 0 and untouched == row
    assert stale == 1
    assert_resumed_from_cursor(server_db, job_id, before, owner)


def owner_of(pid: int, *, boot: str | None = None, ticks: int | None = None) -> str:
    """An owner id as make_owner writes it for a process ``pid`` of this host."""
    boot = leases._boot_id() if boot is None else boot
    ticks = leases._start_ticks(pid) if ticks is None else ticks
    return f"{socket.gethostname()}:{pid}:{boot}.{ticks}.feedc0de"


LINUX_IDENTITY = pytest.mark.skipif(leases._boot_id() is None,
                                    reason="process start times come from /proc (Linux)")


@pytest.mark.parametrize("how", [
    "dead pid",
    pytest.param("pid reused", marks=LINUX_IDENTITY),
    pytest.param("rebooted", marks=LINUX_IDENTITY),
    "dead pid, old owner format",
])
def test_a_gone_owner_on_this_host_is_recognised_at_once(server_db, how):
    job_id = create_job(server_db)
    me = os.getpid()
    owner = {
        "dead pid": lambda: owner_of(dead_pid(), ticks=1),
        # a process with that pid runs (this one), but it started at another time
        "pid reused": lambda: owner_of(me, ticks=leases._start_ticks(me) - 1),
        # that pid and start time, but in an earlier boot of this host
        "rebooted": lambda: owner_of(me, boot="0123456789ab"),
        "dead pid, old owner format": lambda: f"{socket.gethostname()}:{dead_pid()}:0123456789ab",
    }[how]()
    make_running(server_db, job_id, owner)  # its last chunk just now: age says nothing here
    before = read_status(server_db)

    async def body(manager):
        return await recover(manager), manager.owner

    started, taker = run_engine(server_db, body)
    assert started == 1
    assert_resumed_from_cursor(server_db, job_id, before, taker)


CHILD_OWNER = (
    "import sys\n"
    "from desktop.jobs.leases import make_owner\n"
    "print(make_owner(), flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_live_owner_on_this_host_keeps_its_job_however_old_its_row(server_db):
    job_id = create_job(server_db)
    other_id = create_job(server_db)
    mine = make_owner()  # another engine of this very process
    child = subprocess.Popen([sys.executable, "-c", CHILD_OWNER], cwd=PROJECT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        child_owner = child.stdout.readline().strip()
        assert child_owner.split(":")[1] == str(child.pid)
        make_running(server_db, job_id, child_owner, updated_age=3600)
        make_running(server_db, other_id, mine, updated_age=3600)
        rows = {job_id: job_row(server_db, job_id), other_id: job_row(server_db, other_id)}
        before = read_status(server_db)

        async def while_alive(manager):
            return await recover(manager), manager.owner

        started, _ = run_engine(server_db, while_alive)
        assert started == 0
        assert {key: job_row(server_db, key) for key in rows} == rows
        assert read_status(server_db) == before

        child.stdin.close()  # the process ends
        assert child.wait(timeout=30) == 0
        started, taker = run_engine(server_db, while_alive)
        assert started == 1
        assert_resumed_from_cursor(server_db, job_id, before, taker)
        assert job_row(server_db, other_id) == rows[other_id]  # still ours, still running
    finally:
        child.kill()
        child.wait(timeout=30)


def insert_server_row(path, status, *, created_at, started_at=None, progress=0) -> int:
    """A job row as the web server writes it: the spec's columns only."""
    with sqlite(path) as conn:
        cursor = conn.execute(
            "INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, progress, "
            "total, created_at, started_at) VALUES ('mark_category_read', ?, 1, "
            "'{\"category_id\": 1}', ?, ?, ?, ?)",
            (status, progress, 70 if progress else 0, created_at, started_at))
        conn.commit()
        return cursor.lastrowid


def test_a_running_row_of_the_web_server_is_taken_over_only_after_an_hour(server_db):
    create_job(server_db, "mark_feed_read", 2, {"feed_id": 5})  # adds our columns
    execute(server_db, "DELETE FROM bulk_operation_jobs")
    job_id = insert_server_row(server_db, "running", created_at=ago_text(hours=3),
                               started_at=ago_text(minutes=30), progress=12)
    before, row = read_status(server_db), job_row(server_db, job_id)
    assert row["owner"] is None and row["watermark"] is None and row["cursor"] is None

    async def body(manager):
        recent = await recover(manager)
        untouched = job_row(server_db, job_id)
        execute(server_db, "UPDATE bulk_operation_jobs SET started_at = ? WHERE id = ?",
                ago_text(hours=2), job_id)
        return recent, untouched, await recover(manager), manager.owner

    recent, untouched, abandoned, owner = run_engine(server_db, body)
    assert recent == 0 and untouched == row
    assert abandoned == 1
    job = job_row(server_db, job_id)
    assert (job["status"], job["owner"], job["watermark"]) == ("completed", owner, 105)
    # No cursor of ours: it ran the whole category again, so its count starts from zero.
    assert job["progress"] == job["total"] == 70 and job["cursor"] == 105
    was_read = {v["article_id"] for v in before.values() if v["user_id"] == 1 and v["is_read"]}
    assert read_articles(server_db, 1) == was_read | set(range(1, 71))


def test_a_pending_row_of_the_web_server_gets_a_grace_period(server_db):
    """The server starts the rows it writes at once; taking one before it does would run the
    job twice. In every mode (the window's recovery, `work`, `work --once`)."""
    create_job(server_db, "mark_feed_read", 2, {"feed_id": 5})  # adds our columns
    execute(server_db, "DELETE FROM bulk_operation_jobs")
    rewound = insert_server_row(server_db, "pending", created_at=utc_now_text())
    later = insert_server_row(server_db, "pending", created_at=utc_now_text())

    async def body(manager):
        status = {}
        status["fresh"] = await recover(manager), manager.waiting_for_server, [
            job_row(server_db, job_id)["status"] for job_id in (rewound, later)]
        execute(server_db, "UPDATE bulk_operation_jobs SET created_at = ? WHERE id = ?",
                ago_text(minutes=1), rewound)
        status["rewound"] = await recover(manager), manager.waiting_for_server, [
            job_row(server_db, job_id)["status"] for job_id in (rewound, later)]
        # what `work --once` does: it waits for the grace period, then runs the row
        execute(server_db, "UPDATE bulk_operation_jobs SET created_at = ? WHERE id = ?",
                ago_text(seconds=PENDING_GRACE_SECONDS - 1), later)
        await manager.run_available(once=True)
        status["once"] = [job_row(server_db, job_id)["status"] for job_id in (rewound, later)]
        return status

    status = run_engine(server_db, body)
    assert status == {"fresh": (0, 2, ["pending", "pending"]),
                      "rewound": (1, 1, ["completed", "pending"]),
                      "once": ["completed", "completed"]}
    for job_id in (rewound, later):
        job = job_row(server_db, job_id)
        assert job["progress"] == job["total"] == 70 and job["watermark"] == 105
    assert set(range(1, 71)) <= read_articles(server_db, 1)


# -- a computer that slept ----------------------------------------------------------------

def test_a_worker_whose_job_was_taken_while_it_slept_stops_without_writing(server_db):
    before = read_status(server_db)
    seen: dict = {"after": []}
    taker = OTHER_HOST

    async def body(manager):
        def on_event(event):
            if event.kind != "progress":
                return
            if "taken" in seen:
                seen["after"].append(event.job.progress)
            elif event.job.progress >= 14:
                # Meanwhile another host decided this worker was gone and took the job.
                seen["taken"] = event.job.progress, event.job.cursor
                with sqlite(server_db) as conn:
                    conn.execute("UPDATE bulk_operation_jobs SET owner = ?, updated_at = ? "
                                 "WHERE id = ?", (taker, utc_now_text(), event.job.id))
                    conn.commit()

        manager.subscribe(on_event)
        job_id = await manager.create_job("mark_all_read", 1, {})
        job = await manager.wait_for_job(job_id)
        running = manager.running_job_ids()
        retaken = await recover(manager)  # the other host is alive: not taken back
        return job, running, retaken, job_row(server_db, job_id)

    job, running, retaken, row = run_engine(server_db, body, max_chunk=7)
    progress, cursor = seen["taken"]
    assert seen["after"] == []  # no chunk of the old owner committed after the takeover
    assert running == set() and retaken == 0
    assert (job.status, job.owner, job.progress, job.cursor) == ("running", taker, progress,
                                                                 cursor)
    assert (row["status"], row["owner"], row["progress"]) == ("running", taker, progress)
    assert 0 < progress < 105
    after = read_status(server_db)
    assert not any(v["article_id"] > cursor for k, v in after.items() if k not in before)
    late = {k: v for k, v in before.items() if v["article_id"] > cursor or v["user_id"] != 1}
    assert {k: after[k] for k in late} == late

    # Later the other host goes silent too; the next recovery finishes from its cursor.
    execute(server_db, "UPDATE bulk_operation_jobs SET updated_at = ? WHERE id = ?",
            ago_text(minutes=5), job.id)
    started = run_engine(server_db, recover)
    assert started == 1
    final = job_row(server_db, job.id)
    assert final["status"] == "completed" and final["progress"] == final["total"] == 105
    assert read_articles(server_db, 1) == set(range(1, 106))
