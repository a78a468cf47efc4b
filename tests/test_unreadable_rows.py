"""Job rows another program wrote, read defensively: the timestamp forms a server plausibly
writes are understood; a row that cannot be understood fails alone, with a message naming the
job, the column and the value, and never stops recovery, listing or the other jobs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.clock import base_moment, real_now
from support.databases import database, job_row
from support.engine import run_engine

from desktop.store.backends.sqlite import JOB_TABLE_DDL
from desktop.store.clock import parse_db_text, to_db_text
from desktop.store.connection import is_server_url
from desktop.ui.formatting import full_local_time, local_time

ROOT = Path(__file__).resolve().parents[1]


def test_the_timestamp_forms_a_server_writes_are_understood_and_nothing_else():
    moment = base_moment()
    epoch = int(moment.timestamp())
    text = to_db_text(moment)
    day, time_of_day = text.split(" ")
    for stored in (text, f"{day}T{time_of_day}Z", f"{day}T{time_of_day}.250000Z",
                   f"{day}T{time_of_day}+00:00", to_db_text(moment) + "+00:00",
                   moment.in_timezone("Pacific/Kiritimati").isoformat(),
                   epoch, float(epoch) + 0.5, str(epoch), f"{epoch}.5"):
        assert to_db_text(parse_db_text(stored)) == text, stored
    assert parse_db_text(None) is None and parse_db_text("") is None
    for garbage in ("yesterday", f"{day} 25:00:00", f"{day[:5]}13{day[7:]} {time_of_day}",
                    "P7D", "1e9", -epoch, math.nan, math.inf, True, b"\x00", 10**15, day):
        with pytest.raises(ValueError, match="is not a timestamp"):
            parse_db_text(garbage)
    # the window's jobs panel shows such a value as it is
    assert local_time("yesterday") == full_local_time("yesterday") == "yesterday"


def make_job_table(target) -> None:
    """The spec's job table; on SQLite with its timestamps declared DATETIME, as a peewee
    model's DateTimeField declares them: numbers written there stay numbers (a TEXT column
    would keep their text, as PostgreSQL's does)."""
    with database(target) as conn:
        if is_server_url(target):
            from desktop.store.backends.postgres import JOB_TABLE_DDL as PG_JOB_TABLE_DDL
            conn.execute(PG_JOB_TABLE_DDL)
        else:
            conn.execute(JOB_TABLE_DDL.replace("created_at TEXT NOT NULL",
                                               "created_at DATETIME NOT NULL")
                         .replace("started_at TEXT", "started_at DATETIME"))
        conn.commit()


def job_rows(target) -> list[tuple]:
    """(status, user_id, parameters, created_at, started_at, progress, what its error names or
    None if it completes); user 2 has feeds 1-5 with 40, 30, 20, 10, 5 articles. Made a month
    before the real time: `work` runs in a process of its own, on the real clock."""
    base = real_now().subtract(days=30)
    epoch, text = int(base.timestamp()), to_db_text(base)
    rows = [
        ("pending", 2, '{"feed_id": 1}', epoch, None, 0, None),  # epoch seconds, an integer
        ("pending", 2, '{"feed_id": 2}', epoch + 0.5, None, 0, None),  # ... a real
        ("pending", 2, '{"feed_id": 3}', text.replace(" ", "T") + "Z", None, 0, None),
        ("pending", 2, '{"feed_id": 4}', text + "+02:00", None, 0, None),
        # a server's running job it left a month ago, started_at in epoch seconds: taken over
        ("running", 1, '{"feed_id": 5}', epoch, epoch + 60, 0, None),
        ("pending", 2, '{"feed_id": 1}', "yesterday", None, 0, ("created_at", "'yesterday'")),
        ("queued", 2, '{"feed_id": 1}', text, None, 0, ("status", "'queued'")),
        ("running", 2, '{"feed_id": 1}', text, "soon", 0, ("started_at", "'soon'")),
        ("pending", 2, "feed 1 please", text, None, 0, ("parameters", "'feed 1 please'")),
    ]
    if not is_server_url(target):  # PostgreSQL's types and foreign key refuse these
        rows += [("pending", -2, '{"feed_id": 1}', text, None, 0, ("user_id", "-2")),
                 ("pending", 2, '{"feed_id": 1}', text, None, "lots", ("progress", "'lots'"))]
    return rows


def insert_rows(target) -> list[tuple]:
    rows = job_rows(target)
    with database(target) as conn:
        job_type = "mark_feed_read"
        for status, user_id, parameters, created, started, progress, _ in rows:
            conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, "
                         "parameters, created_at, started_at, progress) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (job_type, status, user_id, parameters, created, started, progress))
        conn.commit()
        if not is_server_url(target):  # stored as the server's program wrote them
            kinds = conn.execute("SELECT typeof(created_at) FROM bulk_operation_jobs "
                                 "ORDER BY id LIMIT 2").fetchall()
            assert [kind[0] for kind in kinds] == ["integer", "real"]
    return rows


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_work_runs_the_good_rows_and_fails_each_bad_one_alone(make_reader):
    target = make_reader()
    make_job_table(target)
    rows = insert_rows(target)

    listed = cli("jobs", "--database", str(target), "--user", "2", "--limit", "100", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {job["id"] for job in json.loads(listed.stdout)} >= {1, 2, 3, 4, 6}
    assert cli("jobs", "--database", str(target), "--user", "2").returncode == 0

    worked = cli("work", "--database", str(target), "--once")
    assert worked.returncode == 0, worked.stderr
    assert "Traceback" not in worked.stderr and "recovery round failed" not in worked.stderr

    for job_id, (*_, bad) in enumerate(rows, start=1):
        job = job_row(target, job_id)
        if bad is None:
            # (the web server's rows, taken over since no other program has the file open, say so)
            assert job["status"] == "completed", job_id
            assert job["error_message"] is None or job["error_message"].startswith(
                "taken over from the web server at "), job_id
            assert job["progress"] == job["total"] > 0
        else:
            column, value = bad
            assert job["status"] == "failed", job_id
            assert f"job {job_id}" in job["error_message"]
            assert column in job["error_message"] and value in job["error_message"]
            assert f"job {job_id} failed" in worked.stderr
    with database(target) as conn:
        unread = conn.execute(
            "SELECT count(*) FROM articles a WHERE a.feed_id IN (1, 2, 3, 4) AND NOT EXISTS "
            "(SELECT 1 FROM read_status r WHERE r.article_id = a.id AND r.user_id = 2 "
            "AND r.is_read = TRUE)").fetchone()[0]
    assert unread == 0


def test_an_engine_that_serves_adopts_jobs_after_an_unreadable_one(make_reader):
    """The window's and a long-running work's rounds: the bad row is failed in its round, and
    rows written later are adopted in the next ones."""
    target = make_reader(job_table=True)

    def insert(created_at, feed_id):
        with database(target) as conn:
            conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, "
                         "parameters, created_at) VALUES ('mark_feed_read', 'pending', 2, ?, ?)",
                         (json.dumps({"feed_id": feed_id}), created_at))
            conn.commit()

    async def body(manager):
        insert("12/07 08:00", 1)
        assert await manager.start_runnable_jobs() == 0
        jobs = await manager.list_jobs(2)  # what the window's panel reads
        assert [job.status for job in jobs] == ["failed"]
        assert "created_at holds '12/07 08:00'" in jobs[0].error_message
        insert(str(int(base_moment().timestamp())), 2)
        assert await manager.start_runnable_jobs() == 1
        return await manager.wait_for_job(2)

    job = run_engine(target, body)
    assert job.status == "completed" and job.progress == 30
