"""Reliability of running jobs: two worker processes racing for the same jobs, and retry.

Real SQLite files and real processes; nothing here sleeps, every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing, contextmanager
from pathlib import Path

from support.clock import real_clock
from support.databases import database, job_row, read_status
from support.engine import run_engine

from desktop.store.connection import is_server_url

PROJECT = Path(__file__).resolve().parent.parent


# -- helpers ------------------------------------------------------------------------------

def read_articles(path, user_id) -> set[int]:
    with database(path) as conn:
        return {row[0] for row in conn.execute(
            "SELECT article_id FROM read_status WHERE user_id = ? AND is_read = TRUE", (user_id,))}


# -- two processes racing -----------------------------------------------------------------

# Ten jobs per user, overlapping (an article may be in several): the union must be read.
RACE_JOBS = [(job_type, user, params) for user in (1, 2) for job_type, params in [
    *[("mark_feed_read", {"feed_id": feed}) for feed in (1, 2, 3, 4, 5, 1)],
    ("mark_category_read", {"category_id": 1}), ("mark_category_read", {"category_id": 2}),
    ("mark_all_read", {}), ("mark_all_read", {}),
]]


def scope_of(path, job_type, params, watermark) -> set[int]:
    sql = "SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id <= ?"
    args: list = [watermark]
    if job_type == "mark_category_read":
        sql, args = sql + " AND f.category_id = ?", [*args, params["category_id"]]
    if job_type == "mark_feed_read":
        sql, args = sql + " AND a.feed_id = ?", [*args, params["feed_id"]]
    with database(path) as conn:
        return {row[0] for row in conn.execute(sql, args)}


def has_open(pid, path) -> bool:
    """Whether process ``pid`` has the file ``path`` open (Linux /proc; elsewhere: True)."""
    if not Path("/proc/self/fd").is_dir():
        return True
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(Path(path).resolve()) for fd in fds.iterdir())
    except OSError:  # the process is gone, or an fd closed while we looked
        return False


@contextmanager
def start_together(path, workers_started):
    """Hold every worker at its first look at the job table until all have connected, so they
    start on the pending jobs at the same moment. ``workers_started()`` starts them and returns
    their Popen objects; yields them."""
    if is_server_url(path):
        with database(path) as gate:
            gate.execute("LOCK TABLE bulk_operation_jobs IN ACCESS EXCLUSIVE MODE")
            workers = workers_started()
            try:
                deadline = time.monotonic() + 60
                # (inside a transaction the statistics views are read once: read them anew)
                while gate.execute("SELECT pg_stat_clear_snapshot()") and gate.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name "
                                   "= 'rss-desktop' AND wait_event_type = 'Lock'"
                                   ).fetchone()[0] < len(workers):
                    ended = [worker for worker in workers if worker.poll() is not None]
                    assert not ended, f"a worker ended: {ended[0].communicate()}"
                    assert time.monotonic() < deadline, "the workers never reached the table"
            finally:
                gate.conn.rollback()
            yield workers
        return
    # The write lock until both processes have the file open (and so wait for it when they
    # prepare the schema).
    with closing(sqlite3.connect(path, isolation_level=None)) as gate:
        gate.execute("BEGIN IMMEDIATE")
        workers = workers_started()
        try:
            deadline = time.monotonic() + 60
            while not all(has_open(worker.pid, path) for worker in workers):
                assert all(worker.poll() is None for worker in workers), "a worker ended"
                assert time.monotonic() < deadline, "the workers never opened the database"
        finally:
            gate.execute("ROLLBACK")
        yield workers


def test_two_work_processes_racing_run_every_job_exactly_once(make_reader):
    path = make_reader(articles_per_feed=(3000, 2000, 1500, 1000, 500))

    async def create(manager):
        return [await manager.create_job(*request, run=False) for request in RACE_JOBS]

    ids = run_engine(path, create)
    assert len(ids) == 20
    before = read_status(path)
    command = [sys.executable, "-m", "desktop", "work", "--database", str(path), "--once"]

    def workers_started():
        return [subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]

    with start_together(path, workers_started) as workers:
        outputs = [worker.communicate(timeout=120) for worker in workers]

    finished = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert "Traceback" not in err and out == ""
        reported = re.findall(r"^job (\d+) (\w+) ", err, re.MULTILINE)
        assert all(status == "completed" for _, status in reported), err
        finished.append([int(job_id) for job_id, _ in reported])
    first, second = finished
    print(f"\nracing workers completed {len(first)} and {len(second)} jobs")
    assert len(set(first)) == len(first) and len(set(second)) == len(second)
    assert not set(first) & set(second)  # no job ran in both
    assert set(first) | set(second) == set(ids)

    after = read_status(path)
    covered = {1: set(), 2: set()}
    marked = Counter()
    for job_id, (job_type, user_id, params) in zip(ids, RACE_JOBS, strict=True):
        job = job_row(path, job_id)
        scope = scope_of(path, job_type, params, job["watermark"])
        assert job["watermark"] == 8000
        assert job["status"] == "completed" and job["error_message"] is None
        assert job["progress"] == job["total"] == len(scope)  # run once: never counted twice
        assert job["cursor"] == job["watermark"]  # walked its whole span once
        covered[user_id] |= scope
        marked[user_id] += job["marked_count"]
    for user_id in (1, 2):
        was_read = {v["article_id"] for v in before.values()
                    if v["user_id"] == user_id and v["is_read"]}
        assert read_articles(path, user_id) == was_read | covered[user_id]
        changed = sum(1 for k, v in after.items() if v["user_id"] == user_id
                      and (k not in before or before[k]["is_read"] != v["is_read"]))
        assert marked[user_id] == changed  # each article changed by exactly one job, once
        rows = Counter(v["article_id"] for v in after.values() if v["user_id"] == user_id)
        assert max(rows.values()) == 1
    untouched = {k: v for k, v in before.items() if v["is_read"]}
    assert {k: after[k] for k in untouched} == untouched


# -- retry --------------------------------------------------------------------------------

def cancel_at_second_chunk(path, events=None):
    """Run mark-all-read for user 1 in chunks of 7, cancelled from a subscriber at
    progress >= 14; return the cancelled job."""
    pending = []

    async def body(manager):
        def on_event(event):
            if events is not None:
                events.append(event)
            if event.kind == "progress" and not pending and event.job.progress >= 14:
                pending.append(asyncio.ensure_future(manager.cancel_job(1, event.job.id)))

        manager.subscribe(on_event)
        job_id = await manager.create_job("mark_all_read", 1, {})
        job = await manager.wait_for_job(job_id)
        await asyncio.gather(*pending)
        return job

    return run_engine(path, body, max_chunk=7)


def test_a_retried_cancelled_job_continues_from_its_cursor(reader):
    before = read_status(reader)
    events: list = []
    cancelled = cancel_at_second_chunk(reader, events)
    assert cancelled.status == "cancelled" and 14 <= cancelled.progress < 105
    assert cancelled.cursor == cancelled.progress

    async def retry(manager):
        manager.subscribe(events.append)
        await manager.retry_job(1, cancelled.id)
        return await manager.wait_for_job(cancelled.id)

    job = run_engine(reader, retry, max_chunk=7)
    steps = [e.job.progress for e in events if e.kind == "progress"]
    assert steps == sorted(steps)  # never backwards, across the cancel and the retry
    resumed = [e.job.progress for e in events if e.kind == "progress"
               and e.job.progress > cancelled.progress]
    assert resumed[0] <= cancelled.progress + 7  # the first chunk after the retry
    assert job.status == "completed" and job.error_message is None
    assert job.progress == job.total == 105 and job.cursor == 105
    assert job.started_at == cancelled.started_at
    after = read_status(reader)
    assert read_articles(reader, 1) == set(range(1, 106))
    others = {k: v for k, v in before.items() if v["user_id"] != 1 or v["is_read"]}
    assert {k: after[k] for k in others} == others
    changed = sum(1 for k, v in after.items()
                  if v["user_id"] == 1 and (k not in before or not before[k]["is_read"]))
    assert job.marked_count == changed
    assert max(Counter(v["article_id"] for v in after.values() if v["user_id"] == 1).values()) == 1


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def assert_one_error_line(result, *fragments) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_retry_from_the_command_line(reader):
    with real_clock():  # the CLI deletes jobs finished a day before its (real) time
        job = cancel_at_second_chunk(reader)
    assert job.status == "cancelled"

    result = rss("retry", "--database", reader, "--user", 1, job.id, "--quiet")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{job.id}\n"
    assert f"job {job.id}: 105 articles processed" in result.stderr
    row = job_row(reader, job.id)
    assert (row["status"], row["progress"], row["total"]) == ("completed", 105, 105)
    assert read_articles(reader, 1) == set(range(1, 106))

    again = rss("retry", "--database", reader, "--user", 1, job.id, "--quiet")
    assert_one_error_line(again, f"job {job.id} is completed",
                          "only failed or cancelled jobs can be retried")
    theirs = rss("retry", "--database", reader, "--user", 2, job.id, "--quiet")
    assert_one_error_line(theirs, f"job {job.id} not found")
    assert job_row(reader, job.id) == row
