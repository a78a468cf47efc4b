"""The engine on PostgreSQL: the same jobs, records and guarantees as on a file, with real
concurrent workers (threads and processes) racing for the same rows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest
from peewee import PostgresqlDatabase
from support.databases import make_server_database_pg
from support.engine import run_engine
from support.postgres_jobs import category_articles, pg_rows, read_state, start_held_worker

from desktop.jobs import BulkOperationManager
from desktop.jobs.leases import make_owner
from desktop.store import jobs_table
from desktop.store.connection import connect


@pytest.fixture
def reader_pg(postgres_url) -> str:
    """The conftest's small known data set, in PostgreSQL."""
    return make_server_database_pg(postgres_url)


def test_mark_read_then_undo_is_exact(reader_pg):
    before = read_state(reader_pg)
    in_scope = category_articles(reader_pg, 1)

    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
        job = await manager.wait_for_job(job_id)
        marked = read_state(reader_pg)
        undo = await manager.undo_job(1, job_id)
        return job, marked, await manager.wait_for_job(undo.id)

    job, marked, undo = run_engine(reader_pg, body, max_chunk=7)
    unread_before = {a for a in in_scope if not before.get((1, a), (False,))[0]}
    assert job.status == "completed" and job.progress == job.total == len(in_scope)
    assert job.marked_count == len(unread_before) > 0
    assert {a for (u, a), state in marked.items() if u == 1 and state[0]} >= in_scope
    changed = {key for key in marked if marked[key] != before.get(key)}
    assert {a for _, a in changed} == unread_before and {u for u, _ in changed} == {1}
    assert undo.status == "completed" and undo.marked_count == len(unread_before)
    after = read_state(reader_pg)
    # exactly as before, but for the rows the job inserted (now unread) and updated_at
    assert {key: state[0] for key, state in after.items()} == {
        key: before[key][0] if key in before else False for key in after}


def test_racing_claims_exactly_one_worker_wins_each_job(reader_pg):
    """Eight threads, each its own connection, claim the same twenty pending jobs at once."""
    async def body(manager):
        return [await manager.create_job("mark_feed_read", 2, {"feed_id": 1 + n % 5},
                                         run=False) for n in range(20)]

    job_ids = run_engine(reader_pg, body)
    start = threading.Barrier(8)
    wins: dict[int, list[str]] = {job_id: [] for job_id in job_ids}
    errors = []

    def worker():
        owner = make_owner()
        db = connect(reader_pg)
        try:
            start.wait()
            for job_id in job_ids:
                if jobs_table.claim_job(job_id, owner) is not None:
                    wins[job_id].append(owner)
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(len(owners) == 1 for owners in wins.values()), wins
    owners = dict(pg_rows(reader_pg, "SELECT id, owner FROM bulk_operation_jobs"))
    assert {job_id: owners[job_id] for job_id in job_ids} == {
        job_id: won[0] for job_id, won in wins.items()}


def cli(url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *args, "--database", url],
                          capture_output=True, text=True, timeout=120, **kwargs)


def test_two_worker_processes_run_every_job_exactly_once(reader_pg):
    async def body(manager):
        ids = []
        for user in (1, 2):
            for feed in (1, 2, 3, 4, 5):
                ids.append(await manager.create_job("mark_feed_read", user, {"feed_id": feed},
                                                    run=False))
        return ids

    job_ids = run_engine(reader_pg, body)
    before = read_state(reader_pg)
    workers = [subprocess.Popen([sys.executable, "-m", "desktop", "work", "--once",
                                 "--database", reader_pg],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    jobs = pg_rows(reader_pg, "SELECT id, status, progress, total, marked_count FROM "
                              "bulk_operation_jobs ORDER BY id")
    assert [row[0] for row in jobs] == job_ids
    assert all(status == "completed" and progress == total for _, status, progress, total, _m
               in jobs)
    after = read_state(reader_pg)
    newly_read = sum(1 for key, state in after.items()
                     if state[0] and not before.get(key, (False,))[0])
    # a job run twice would count its articles twice (the second run finds them read: 0)
    assert sum(row[4] for row in jobs) == newly_read > 0
    spans = pg_rows(reader_pg, "SELECT job_id, count(*), count(DISTINCT low) FROM "
                               "bulk_job_spans GROUP BY job_id")
    assert all(count == distinct for _, count, distinct in spans)


def owner_alive(url: str, owner: str) -> bool:
    from desktop.store.backends.postgres import POSTGRES

    db = connect(url)
    try:
        return POSTGRES.owners_alive([owner])[owner]
    finally:
        db.close()


def wait_until_liveness_released(url: str, owner: str, timeout: float = 30.0) -> None:
    """Returns once no session holds ``owner``'s liveness lock: this takes the very advisory
    lock exclusively, which PostgreSQL grants only when the last holder's session has ended
    (its backend gone), and lets it go at once. lock_timeout bounds the wait."""
    import psycopg

    from desktop.store.backends.postgres import LIVENESS_KEY, owner_key

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        try:
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (LIVENESS_KEY, owner_key(owner)))
        except psycopg.errors.LockNotAvailable:
            raise AssertionError(f"{owner}'s liveness lock still held after {timeout} s") \
                from None
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LIVENESS_KEY, owner_key(owner)))


def test_a_killed_worker_is_taken_over_at_once_and_the_job_ends_exact(reader_pg):
    """kill -9 while the worker waits for a row this test holds: its lock on liveness goes with
    its connection, so another worker takes the job over at once (no expiry to wait out)."""
    before = read_state(reader_pg)
    in_scope = category_articles(reader_pg, 1)
    blocker, worker = start_held_worker(reader_pg, in_scope)
    try:
        (owner, progress_at_kill, total), = pg_rows(
            reader_pg, "SELECT owner, progress, total FROM bulk_operation_jobs")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    assert 0 < progress_at_kill < total  # held at the row: killed in the middle of the job
    wait_until_liveness_released(reader_pg, owner)
    assert not owner_alive(reader_pg, owner)  # as the engine sees it, too
    result = cli(reader_pg, "work", "--once")
    assert result.returncode == 0, result.stderr
    (status, progress, total, marked, new_owner), = pg_rows(
        reader_pg, "SELECT status, progress, total, marked_count, owner FROM bulk_operation_jobs")
    assert (status, progress, total) == ("completed", len(in_scope), len(in_scope))
    assert new_owner != owner
    after = read_state(reader_pg)
    unread_before = {a for a in in_scope if not before.get((1, a), (False,))[0]}
    assert {a for (u, a), state in after.items() if u == 1 and state[0]} >= in_scope
    assert marked == len(unread_before)  # each article counted once, across both workers


def test_bad_targets_get_one_readable_line(postgres_url):
    parts = urlsplit(postgres_url)
    user, host, port = parts.username, parts.hostname, parts.port
    cases = {
        f"postgresql://{user}:hunter2@{host}:{port}/x": "has a password in it",
        f"postgresql://{user}@{host}:{port}/x?password=hunter2": "has a password in it",
        f"postgresql://{user}@{host}:99999/x": "has a port that is not a number",
        f"postgresql://{user}@{host}:{port}": "names no database",
        f"postgresql://{user}@{host}:{port}/no_such_database_here": "has no such database",
        f"postgresql://{user}@{host}:1/x": "cannot reach the database server",
        f"postgresql://{user}@no-such-host.invalid/x": "cannot reach the database server",
    }
    for url, words in cases.items():
        result = cli(url, "jobs", "--user", "1")
        assert result.returncode == 2, (url, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert "hunter2" not in result.stderr


def test_a_wrong_password_is_refused_with_where_passwords_go(postgres_server, reader_pg):
    postgres_server.create_role("reader_pw", "right-password")
    try:
        url = reader_pg.replace(f"{urlsplit(reader_pg).username}@", "reader_pw@", 1)
        result = cli(url, "jobs", "--user", "1",
                     env={**os.environ, "PGPASSWORD": "Zq7-not-this-one"})
        assert result.returncode == 2
        assert "password authentication failed" in result.stderr
        assert "PGPASSWORD or ~/.pgpass" in result.stderr
        assert "Zq7-not-this-one" not in result.stderr
    finally:
        postgres_server.drop_role("reader_pw")


def test_a_database_without_the_servers_tables_is_refused_untouched(postgres_url):
    db = PostgresqlDatabase(postgres_url)
    db.execute_sql("CREATE TABLE t (x integer)")
    db.close()
    result = cli(postgres_url, "mark-read", "--user", "1", "--category", "1")
    assert result.returncode == 2
    assert "is not an RSS reader's database" in result.stderr
    assert pg_rows(postgres_url, "SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema = 'public'") == [("t",)]


def test_a_server_restart_mid_job_loses_nothing_and_the_job_goes_on(postgres_server, reader_pg):
    """The job waits at a held row; the server restarts under it (every session ends); the
    engine reconnects and the job finishes from its cursor, each article marked once."""
    before = read_state(reader_pg)
    in_scope = category_articles(reader_pg, 1)
    blocker, worker = start_held_worker(reader_pg, in_scope)
    try:
        (progress, total), = pg_rows(reader_pg, "SELECT progress, total FROM bulk_operation_jobs")
        postgres_server.restart()  # a fast shutdown: every session, the blocker's too, ends
    finally:
        with contextlib.suppress(Exception):
            blocker.close()
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    assert 0 < progress < total
    (status, progress, total, marked), = pg_rows(
        reader_pg, "SELECT status, progress, total, marked_count FROM bulk_operation_jobs")
    assert (status, progress, total) == ("completed", len(in_scope), len(in_scope))
    unread_before = {a for a in in_scope if not before.get((1, a), (False,))[0]}
    assert marked == len(unread_before)
    after = read_state(reader_pg)
    assert {a for (u, a), state in after.items() if u == 1 and state[0]} >= in_scope
    assert {key for key in after if after[key] != before.get(key)} == {
        (1, a) for a in unread_before}


def test_a_user_who_may_only_read_sees_counts_and_cannot_start_jobs(postgres_server, reader_pg):
    postgres_server.create_role("reader_ro", "pw")
    admin = PostgresqlDatabase(reader_pg)
    admin.execute_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader_ro")
    admin.close()
    try:
        url = reader_pg.replace(f"{urlsplit(reader_pg).username}@", "reader_ro@", 1)
        env = {**os.environ, "PGPASSWORD": "pw"}
        listed = cli(url, "feeds", "--user", "1", env=env)
        assert listed.returncode == 0, listed.stderr
        assert "Tech" in listed.stdout
        refused = cli(url, "mark-read", "--user", "1", "--category", "1", env=env)
        assert refused.returncode == 2
        assert "may not write read_status" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        admin = PostgresqlDatabase(reader_pg)
        admin.execute_sql("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM reader_ro")
        admin.close()
        postgres_server.drop_role("reader_ro")


def test_a_missing_privilege_ends_the_command_in_one_line(postgres_server, postgres_url):
    """A database error no retry can fix, met after opening: one line, never a traceback."""
    make_server_database_pg(postgres_url, job_table=True)
    postgres_server.create_role("reader_nojobs", "pw")
    admin = PostgresqlDatabase(postgres_url)
    admin.execute_sql("GRANT SELECT, INSERT, UPDATE ON users, categories, feeds, articles, "
                      "read_status TO reader_nojobs")
    admin.close()
    try:
        url = postgres_url.replace(f"{urlsplit(postgres_url).username}@", "reader_nojobs@", 1)
        result = cli(url, "jobs", "--user", "1", env={**os.environ, "PGPASSWORD": "pw"})
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "lacks a privilege" in result.stderr and "bulk_operation_jobs" in result.stderr
    finally:
        admin = PostgresqlDatabase(postgres_url)
        admin.execute_sql("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM reader_nojobs")
        admin.close()
        postgres_server.drop_role("reader_nojobs")


def test_another_programs_chunks_are_pushed_to_a_follower_at_commit(reader_pg):
    """LISTEN/NOTIFY: a window's engine hears each chunk another engine commits, without
    polling; its own chunks are not echoed back to it."""
    async def main():
        follower = BulkOperationManager(reader_pg)
        worker = BulkOperationManager(reader_pg, max_chunk=10)
        await follower.open()
        await worker.open()
        heard: list[int] = []
        three = asyncio.get_running_loop().create_future()

        def on_notice(job_id):
            heard.append(job_id)
            if len(heard) == 3 and not three.done():
                three.set_result(None)

        try:
            pushed = await follower.follow_others(on_notice)
            job_id = await worker.create_job("mark_category_read", 1, {"category_id": 1})
            job = await worker.wait_for_job(job_id)
            await asyncio.wait_for(three, 30)
            own = await follower.create_job("mark_feed_read", 2, {"feed_id": 5})
            await follower.wait_for_job(own)
            return pushed, job, heard
        finally:
            await worker.close()
            await follower.close()

    pushed, job, heard = asyncio.run(main())
    assert pushed and job.status == "completed"
    assert set(heard) == {job.id}  # the worker's job, never the follower's own


def test_a_file_has_no_push_and_the_faces_poll(tmp_path):
    from support.databases import make_server_database

    async def main():
        manager = BulkOperationManager(make_server_database(tmp_path / "reader.db"))
        await manager.open()
        try:
            return await manager.follow_others(lambda job_id: None)
        finally:
            await manager.close()

    assert asyncio.run(main()) is False
