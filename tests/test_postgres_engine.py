"""The engine on PostgreSQL: the same jobs, records and guarantees as on a file, with real
concurrent workers (threads and processes) racing for the same rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import make_server_database, run_engine, sqlite
from peewee import PostgresqlDatabase

from desktop.jobs.leases import make_owner
from desktop.store import jobs_table
from desktop.store.connection import connect

DEV_URL = os.environ.get("RSS_DESKTOP_DEV_PG")  # temporary: the harness's fixture replaces it


@pytest.fixture
def postgres_url(request):
    if not DEV_URL:
        pytest.skip("no PostgreSQL")
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    admin = PostgresqlDatabase(DEV_URL)
    admin.connect()
    admin.connection().autocommit = True
    admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute_sql(f'CREATE DATABASE "{name}"')
    admin.close()
    return DEV_URL.rsplit("/", 1)[0] + "/" + name


TABLES = {
    "users": ("id", "username", "created_at"),
    "categories": ("id", "name", "created_at"),
    "feeds": ("id", "title", "url", "category_id", "created_at"),
    "articles": ("id", "feed_id", "title", "url", "guid", "published_date", "created_at"),
    "read_status": ("id", "user_id", "article_id", "is_read", "is_starred", "is_archived",
                    "read_at", "starred_at", "created_at", "updated_at"),
}
FLAGS = ("is_read", "is_starred", "is_archived")


def server_database_pg(tmp_path, url: str) -> str:
    """The conftest's small known data set (make_server_database) in PostgreSQL."""
    source = make_server_database(tmp_path / "source.db")
    db = connect(url, create=True)
    try:
        with sqlite(source) as conn:
            for table, columns in TABLES.items():
                rows = [tuple(bool(row[c]) if c in FLAGS else row[c] for c in columns)
                        for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table}")]
                marks = ", ".join(["%s"] * len(columns))
                for row in rows:
                    db.execute_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                   row)
                db.execute_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
    finally:
        db.close()
    return url


def pg_rows(url: str, sql: str, params=()) -> list[tuple]:
    db = PostgresqlDatabase(url)
    try:
        return list(db.execute_sql(sql, params).fetchall())
    finally:
        db.close()


def read_state(url: str) -> dict[tuple[int, int], tuple]:
    """{(user, article): (is_read, read_at, updated_at)} of every read_status row."""
    return {(u, a): (r, ra, ua) for u, a, r, ra, ua in pg_rows(
        url, "SELECT user_id, article_id, is_read, read_at, updated_at FROM read_status")}


def category_articles(url: str, category_id: int) -> set[int]:
    return {a for (a,) in pg_rows(url, "SELECT a.id FROM articles a JOIN feeds f ON "
                                       "f.id = a.feed_id WHERE f.category_id = %s",
                                  (category_id,))}


@pytest.fixture
def reader_pg(tmp_path, postgres_url) -> str:
    return server_database_pg(tmp_path, postgres_url)


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


def wait_for(condition, timeout: float = 30.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_killed_worker_is_taken_over_at_once_and_the_job_ends_exact(reader_pg):
    """kill -9 while the worker waits for a row this test holds: its lock on liveness goes with
    its connection, so another worker takes the job over at once (no expiry to wait out)."""
    before = read_state(reader_pg)
    in_scope = category_articles(reader_pg, 1)
    held = sorted(in_scope)[len(in_scope) // 2]
    blocker = PostgresqlDatabase(reader_pg)
    blocker.connect()
    blocker.begin()
    blocker.execute_sql("SELECT 1 FROM read_status WHERE user_id = 1 AND article_id = %s "
                        "FOR UPDATE", (held,))
    if not pg_rows(reader_pg, "SELECT 1 FROM read_status WHERE user_id = 1 AND article_id = %s",
                   (held,)):  # no row to hold: hold the article itself (an insert needs it)
        blocker.execute_sql("SELECT 1 FROM articles WHERE id = %s FOR KEY SHARE", (held,))
    worker = subprocess.Popen([sys.executable, "-m", "desktop", "mark-read", "--quiet",
                               "--database", reader_pg, "--user", "1", "--category", "1",
                               "--max-batch", "3"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: pg_rows(reader_pg, "SELECT progress FROM bulk_operation_jobs "
                                            "WHERE status = 'running' AND progress > 0"),
                 what="the job's first chunks")
        (owner, progress_at_kill, total), = pg_rows(
            reader_pg, "SELECT owner, progress, total FROM bulk_operation_jobs")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    assert 0 < progress_at_kill < total  # held at the row: killed in the middle of the job
    wait_for(lambda: not owner_alive(reader_pg, owner), what="the killed worker's lock to go")
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


def test_bad_targets_get_one_readable_line(reader_pg, postgres_url):
    base = reader_pg.rsplit("/", 1)[0]
    cases = {
        base.replace("://", "://postgres:hunter2@", 1) + "/x": "has a password in it",
        base + ":99999/x" if base.count(":") == 2 else base + "/x?port=bad": "",
        base + "/no_such_database_here": "has no such database",
        "postgresql://postgres@127.0.0.1:1/x": "cannot reach the database server",
    }
    for url, words in cases.items():
        if not words:
            continue
        result = cli(url, "jobs", "--user", "1")
        assert result.returncode == 2, (url, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr
        assert "hunter2" not in result.stderr


def test_a_database_without_the_servers_tables_is_refused_untouched(postgres_url):
    db = PostgresqlDatabase(postgres_url)
    db.execute_sql("CREATE TABLE t (x integer)")
    db.close()
    result = cli(postgres_url, "mark-read", "--user", "1", "--category", "1")
    assert result.returncode == 2
    assert "is not an RSS reader's database" in result.stderr
    assert pg_rows(postgres_url, "SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema = 'public'") == [("t",)]


def test_the_window_says_it_opens_files_only_for_now():
    result = subprocess.run([sys.executable, "-m", "desktop", "gui", "--database",
                             "postgresql://reader@127.0.0.1:1/reader"], capture_output=True,
                            text=True, timeout=60, env={**os.environ,
                                                        "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert "the window opens SQLite files only" in result.stderr
    assert "Traceback" not in result.stderr
