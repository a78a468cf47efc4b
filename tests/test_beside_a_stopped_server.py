"""A web server that stops (SIGSTOP, a swapped-out machine) with a job of its own: the engine
takes or cancels that job only when the server can no longer run it, and says why in the job's
message. The stand-in server (tests/standin_server.py) is a real process, stopped once its row
is written (it says so on stdout); time is moved by rewinding the row's stored timestamps."""

from __future__ import annotations

import asyncio
import os
import signal

import psycopg
import pytest
from support.clock import real_clock
from support.databases import (
    job_row,
    make_server_database,
    make_server_database_pg,
    sqlite,
    written,
)
from support.engine import run_engine
from support.standin import CATEGORY_1, Server, rss, unread

from desktop.jobs.api import JobRequestError
from desktop.jobs.leases import PENDING_GRACE_SECONDS
from desktop.store.backends.sqlite import JOB_TABLE_DDL
from desktop.store.clock import ago_text

LEFT_TO_SERVER = "still has the database open and may still run it"
NOBODY_ELSE = "no program but this app has the database open"


@pytest.fixture
def big_server_db(tmp_path):
    return make_server_database(tmp_path / "reader.db", articles_per_feed=(4000, 3000, 30, 20, 5))


def rewind(target, job_id: int, **ages) -> None:
    """Move the row's stored moments into the past: ``created_at=dict(seconds=11)``."""
    with written(target) as conn:
        for column, age in ages.items():
            conn.execute(f"UPDATE bulk_operation_jobs SET {column} = ? WHERE id = ?",
                         (ago_text(**age), job_id))


def our_columns(path, job_id: int) -> tuple:
    row = job_row(path, job_id)
    return row.get("owner"), row.get("watermark"), row.get("marked_count")


def test_a_stopped_servers_pending_job_is_neither_taken_nor_cancelled(big_server_db):
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, hold=True)
        job_id = server.read()["job"]  # the row is written: stop the server right there
        os.kill(server.process.pid, signal.SIGSTOP)
        with real_clock():
            rewind(big_server_db, job_id, created_at=dict(seconds=PENDING_GRACE_SECONDS + 1))

            async def body(manager):
                await manager.run_available(once=True)  # `work --once`: returns, leaves it
                seen = manager.running_job_ids(), manager.waiting_for_server
                cancelled = await asyncio.to_thread(
                    rss, "cancel", "--database", big_server_db, "--user", 1, job_id)
                return seen, cancelled

            (running, waiting), cancelled = run_engine(big_server_db, body)
            rewind(big_server_db, job_id, created_at=dict(minutes=59))
            late_cancel = rss("cancel", "--database", big_server_db, "--user", 1, job_id)
            worked = rss("work", "--database", big_server_db, "--once")
            row = job_row(big_server_db, job_id)
        os.kill(server.process.pid, signal.SIGCONT)
        server.send(cmd="go")
        assert server.read() == {"done": job_id, "status": "completed"}
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
    assert (running, waiting) == (set(), 0)  # not even waited for: the server may run it
    for refused in (cancelled, late_cancel):  # never a cancel the resumed server ignores
        assert refused.returncode == 2, refused.stderr
        assert f"job {job_id} was created by the web server, which {LEFT_TO_SERVER}" \
               in refused.stderr
    assert worked.returncode == 0 and worked.stderr == (
        f"job {job_id} was left to the web server, which still has the database open and may "
        "still run it (it is taken over once no other program has the database open, or an "
        "hour after it was created)\n")
    assert (row["status"], row["error_message"]) == ("pending", None)
    # The server, resumed, ran it alone, once: no column of ours was ever filled in.
    final = job_row(big_server_db, job_id)
    assert (final["status"], final["progress"], final["total"]) == ("completed", CATEGORY_1,
                                                                    CATEGORY_1)
    assert our_columns(big_server_db, job_id) == (None, None, None)
    assert unread(big_server_db, 1, 1) == 0


def test_a_gone_servers_pending_jobs_are_taken_or_cancelled_after_the_grace(big_server_db):
    """Killed right after writing its rows: once their grace is over, nobody but this app (an
    engine here and `rss-desktop cancel` in another process, which never count as the server)
    has the file open."""
    job_ids = []
    for _ in range(2):
        server = Server(big_server_db)
        server.send(cmd="post", user=1, category=1, hold=True)
        job_ids.append(server.read()["job"])
        server.kill()
    taken, cancelled = job_ids

    async def body(manager):
        fresh = await manager.start_runnable_jobs(), manager.waiting_for_server
        early = await asyncio.to_thread(
            rss, "cancel", "--database", big_server_db, "--user", 1, cancelled)
        for job_id in job_ids:
            rewind(big_server_db, job_id, created_at=dict(seconds=PENDING_GRACE_SECONDS + 1))
        late = await asyncio.to_thread(  # while this engine has the file open too
            rss, "cancel", "--database", big_server_db, "--user", 1, cancelled)
        await manager.run_available(once=True)
        return fresh, early, late, manager.owner

    with real_clock():
        fresh, early, late, owner = run_engine(big_server_db, body)
    assert fresh == (0, 2)
    assert early.returncode == 2 and "just created by the web server" in early.stderr
    assert late.returncode == 0, late.stderr
    row = job_row(big_server_db, cancelled)
    assert (row["status"], row["progress"]) == ("cancelled", 0)
    assert row["error_message"] == f"cancelled by rss-desktop cancel: {NOBODY_ELSE}, so no web " \
                                   "server can start it"
    row = job_row(big_server_db, taken)
    assert (row["status"], row["owner"], row["progress"]) == ("completed", owner, CATEGORY_1)
    assert row["error_message"].startswith("taken over from the web server at ")
    assert row["error_message"].endswith(f"UTC: {NOBODY_ELSE}, so no web server can start it")
    assert unread(big_server_db, 1, 1) == 0


def test_a_stopped_servers_running_job_is_not_taken_over_when_its_progress_stalls(
        big_server_db):
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, pause_at=2000)
        job_id = server.read()["job"]
        assert server.read() == {"paused": job_id, "progress": 2000}
        os.kill(server.process.pid, signal.SIGSTOP)

        async def body(manager):
            # stalled_seconds=0: every round sees its progress as stalled for long enough
            rounds = [await manager.start_runnable_jobs() for _ in range(3)]
            with pytest.raises(JobRequestError) as refused:
                await manager.cancel_job(1, job_id)
            return rounds, str(refused.value)

        with real_clock():
            rounds, refused = run_engine(big_server_db, body, stalled_seconds=0)
        row = job_row(big_server_db, job_id)
        os.kill(server.process.pid, signal.SIGCONT)
        server.send(cmd="go")
        assert server.read() == {"done": job_id, "status": "completed"}
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
    assert rounds == [0, 0, 0]
    assert refused.startswith(f"job {job_id} is being run by the web server")
    assert (row["status"], row["progress"], row["error_message"]) == ("running", 2000, None)
    final = job_row(big_server_db, job_id)
    assert (final["status"], final["progress"]) == ("completed", CATEGORY_1)
    assert our_columns(big_server_db, job_id) == (None, None, None)
    assert unread(big_server_db, 1, 1) == 0


def test_a_job_taken_from_a_server_stopped_for_an_hour_keeps_saying_so(big_server_db):
    """The spec's one-hour rule takes the job from a server that may still be alive; if it
    resumes, it runs its job on (its UPDATE by id is unguarded) and rewrites the spec's columns
    with what it read. The row still shows who took it and when: our columns and the message
    the server writes back as it read it."""
    server = Server(big_server_db)
    try:
        server.send(cmd="post", user=1, category=1, pause_at=2000)
        job_id = server.read()["job"]
        assert server.read() == {"paused": job_id, "progress": 2000}
        os.kill(server.process.pid, signal.SIGSTOP)
        with real_clock():
            rewind(big_server_db, job_id, created_at=dict(hours=2), started_at=dict(hours=2))
            job, owner = run_engine(big_server_db, lambda manager: taken_over(manager, job_id))
        os.kill(server.process.pid, signal.SIGCONT)
        server.send(cmd="go")
        assert server.read() == {"done": job_id, "status": "completed"}
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()
    assert (job.status, job.owner, job.progress) == ("completed", owner, CATEGORY_1)
    note = job.error_message
    assert note.startswith("taken over from the web server at ") and note.endswith(
        "UTC: it was still running an hour after it started (the spec's rule for abandoned "
        "jobs)")
    final = job_row(big_server_db, job_id)
    assert (final["status"], final["progress"], final["error_message"]) == (
        "completed", CATEGORY_1, note)
    assert (final["owner"], final["marked_count"]) == (owner, job.marked_count)


async def taken_over(manager, job_id):
    assert await manager.start_runnable_jobs() == 1
    return await manager.wait_for_job(job_id), manager.owner


# -- PostgreSQL: the server's session is the evidence ------------------------------------------

SERVER_ROW = ("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
              "created_at) VALUES ('mark_category_read', 'pending', 1, '{\"category_id\": 1}', "
              "%s) RETURNING id")


def test_on_postgresql_a_server_still_connected_keeps_its_pending_jobs(postgres_url):
    """The stand-in server speaks SQLite only; on PostgreSQL the evidence is a session, so a
    session of another program (any application name but ours) is the server here."""
    make_server_database_pg(postgres_url, job_table=True)
    server = psycopg.connect(postgres_url, autocommit=True, application_name="reader-server")
    try:
        job_ids = [server.execute(SERVER_ROW, (ago_text(seconds=PENDING_GRACE_SECONDS + 1),))
                   .fetchone()[0] for _ in range(2)]
        taken, cancelled = job_ids

        async def body(manager):
            seen = {"connected": (await manager.start_runnable_jobs(),
                                  manager.waiting_for_server)}
            with pytest.raises(JobRequestError) as refused:
                await manager.cancel_job(1, cancelled, cancelled_by="a test")
            seen["refused"] = str(refused.value)
            seen["rows"] = [job_row(postgres_url, job_id)["status"] for job_id in job_ids]
            server.close()  # the server is gone: only this engine's sessions are left ...
            while await manager.reads.call(manager.backend.foreign_program_present,
                                           postgres_url):
                await asyncio.sleep(0.05)  # ... once its backend process has ended
            seen["cancelled"] = (await manager.cancel_job(1, cancelled, cancelled_by="a test")
                                 ).error_message
            assert await manager.start_runnable_jobs() == 1
            seen["taken"] = await manager.wait_for_job(taken)
            return seen, manager.owner

        seen, owner = run_engine(postgres_url, body)
    finally:
        server.close()
    assert seen["connected"] == (0, 0) and seen["rows"] == ["pending", "pending"]
    assert seen["refused"] == (f"job {cancelled} was created by the web server, which "
                               f"{LEFT_TO_SERVER} (a cancel written here would not stop it); "
                               "it was left as it is")
    assert seen["cancelled"] == f"cancelled by a test: {NOBODY_ELSE}, so no web server can " \
                                "start it"
    job = seen["taken"]
    assert (job.status, job.owner, job.progress) == ("completed", owner, 70)
    assert job.error_message.startswith("taken over from the web server at ")
    assert job_row(postgres_url, cancelled)["status"] == "cancelled"


def test_an_engine_of_ours_in_another_process_is_never_taken_for_the_server(big_server_db):
    """/proc/locks shows every process with the file open; this app's engines mark themselves
    (an abstract socket named after their pid), so `work` beside a window still adopts a dead
    server's row after the grace."""
    async def body(manager):  # this process is the window here; `work --once` another one
        return await asyncio.to_thread(rss, "work", "--database", big_server_db, "--once")

    with real_clock():  # the other process reads the row by the real clock
        with sqlite(big_server_db) as conn:
            conn.execute(JOB_TABLE_DDL)
            conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, "
                         "created_at) VALUES ('mark_category_read', 1, '{\"category_id\": 2}', ?)",
                         (ago_text(seconds=PENDING_GRACE_SECONDS + 1),))
            conn.commit()
        worked = run_engine(big_server_db, body)
    assert worked.returncode == 0, worked.stderr
    row = job_row(big_server_db, 1)
    assert row["status"] == "completed" and NOBODY_ELSE in row["error_message"]
    assert "job 1 completed (50/50): taken over from the web server at " in worked.stderr


def test_a_rollback_journal_file_cannot_show_the_server_gone(tmp_path):
    """Idle connections to a rollback-journal file hold no lock, so a live server is invisible
    there: its pending row past the grace is left to it, and taken only under the hour rule."""
    path = make_server_database(tmp_path / "reader.db", journal_mode="delete")
    with sqlite(path) as conn:
        conn.execute(JOB_TABLE_DDL)
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, created_at)"
                     " VALUES ('mark_category_read', 1, '{\"category_id\": 1}', ?)",
                     (ago_text(seconds=PENDING_GRACE_SECONDS + 1),))
        conn.commit()

    async def body(manager):
        seen = [await manager.start_runnable_jobs(), manager.left_to_server]
        rewind(path, 1, created_at=dict(minutes=61))
        seen.append(await manager.start_runnable_jobs())
        return seen, await manager.wait_for_job(1)

    (left, left_ids, taken), job = run_engine(path, body)
    assert (left, left_ids, taken) == (0, [1], 1)
    assert job.status == "completed" and job.error_message.endswith(
        "UTC: it was still pending an hour after it was created (the spec's rule for abandoned "
        "jobs)")
