"""Reliability on real files and processes: a crash mid-job, a web server writing the same file
during a large job, and bad conditions (disk full, a lock held too long, a read-only file).

Nothing here sleeps; every wait is on something real and bounded by a deadline.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from support.databases import job_row, make_server_database, sqlite
from support.engine import run_engine
from support.files import file_state

from desktop.jobs import DatabaseBusyError
from desktop.store import JobRequestError
from desktop.store.models import database_proxy

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = 150_000


@pytest.fixture(scope="session")
def demo_database_150k(demo_database) -> Path:
    return demo_database(ARTICLES)


@pytest.fixture
def demo_copy(demo_database_150k, tmp_path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database_150k, path)
    return path


# -- helpers ------------------------------------------------------------------------------

def query(path, sql, *args) -> list[tuple]:
    with sqlite(path) as conn:
        return [tuple(row) for row in conn.execute(sql, args)]


def read_status_rows(path, where="1", *args) -> dict[int, tuple]:
    return {row[0]: row for row in query(path, f"SELECT * FROM read_status WHERE {where}", *args)}


def read_ids(path, user_id) -> set[int]:
    return {row[0] for row in query(path, "SELECT article_id FROM read_status WHERE user_id = ? "
                                          "AND is_read = 1", user_id)}


def unread_up_to(path, user_id, watermark) -> int:
    return query(path, "SELECT count(*) FROM articles a WHERE a.id <= ? AND NOT EXISTS (SELECT 1 "
                       "FROM read_status r WHERE r.user_id = ? AND r.article_id = a.id AND "
                       "r.is_read = 1)", watermark, user_id)[0][0]


def duplicates(path) -> list[tuple]:
    return query(path, "SELECT user_id, article_id, count(*) FROM read_status "
                       "GROUP BY user_id, article_id HAVING count(*) > 1")


def assert_only_user_1_unread_rows_changed(path, original) -> None:
    """Other users' rows, and the rows user 1 had read, are byte-identical to ``original``;
    user 1's unread rows kept everything but is_read, read_at and updated_at."""
    kept = read_status_rows(original, "user_id != 1 OR is_read = 1")
    after = read_status_rows(path)
    assert {row_id: after.get(row_id) for row_id in kept} == kept
    count_others = "SELECT count(*) FROM read_status WHERE user_id != 1"
    assert query(path, count_others) == query(original, count_others)
    flags = ("SELECT id, user_id, article_id, is_starred, is_archived, starred_at, created_at "
             "FROM read_status WHERE id IN (SELECT id FROM read_status WHERE user_id = 1 AND "
             "is_read = 0)")
    unread_before = query(original, flags)
    ids = {row[0] for row in unread_before}
    assert [row for row in query(path, flags.replace(" AND is_read = 0", ""))
            if row[0] in ids] == unread_before


def rss(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


def mark_all_read(manager, user_id=1):
    async def body():
        job_id = await manager.create_job("mark_all_read", user_id, {})
        return await manager.wait_for_job(job_id)

    return body()


def assert_done_up_to(path, original, job, user_id=1) -> None:
    """Articles 1..cursor are read for the user; every other row is as in ``original``."""
    cursor = job["cursor"]
    assert job["progress"] == cursor  # every article is in scope: ids 1..cursor
    assert unread_up_to(path, user_id, cursor) == 0
    before = read_status_rows(original, "user_id != ? OR article_id > ?", user_id, cursor)
    after = read_status_rows(path, "user_id != ? OR article_id > ?", user_id, cursor)
    assert after == before


# -- a crash mid-job ----------------------------------------------------------------------

def test_a_job_killed_mid_run_is_finished_by_the_next_worker_exactly_once(
        demo_database_150k, tmp_path):
    crashed, reference = tmp_path / "crashed.db", tmp_path / "reference.db"
    shutil.copyfile(demo_database_150k, crashed)
    shutil.copyfile(demo_database_150k, reference)
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "mark-read", "--database", str(crashed), "--user", "1",
         "--all", "--max-batch", "200", "--quiet"], cwd=PROJECT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        job_id = int(process.stdout.readline())
        with sqlite(crashed) as conn:  # wait for the first committed chunk
            deadline = time.monotonic() + 60
            while conn.execute("SELECT progress FROM bulk_operation_jobs WHERE id = ?",
                               (job_id,)).fetchone()[0] == 0:
                assert process.poll() is None, "mark-read ended before its first chunk"
                assert time.monotonic() < deadline, "no chunk committed within a minute"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, err.decode(errors="replace")
    killed = job_row(crashed, job_id)
    assert killed["status"] == "running" and 0 < killed["progress"] < ARTICLES
    assert killed["owner"].split(":")[1] == str(process.pid)

    result = rss("work", "--database", crashed, "--once")

    assert result.returncode == 0, result.stderr
    assert f"job {job_id} completed ({ARTICLES:,}/{ARTICLES:,})" in result.stderr
    expected = run_engine(reference, mark_all_read)  # the same job, never interrupted
    job = job_row(crashed, job_id)
    assert job["status"] == "completed" and job["error_message"] is None
    assert job["progress"] == job["total"] == job["cursor"] == job["watermark"] == ARTICLES
    assert job["started_at"] == killed["started_at"] and job["owner"] != killed["owner"]
    assert job["marked_count"] == expected.marked_count  # no chunk counted twice or lost
    assert read_ids(crashed, 1) == read_ids(reference, 1)
    assert unread_up_to(crashed, 1, job["watermark"]) == 0
    assert duplicates(crashed) == []
    assert_only_user_1_unread_rows_changed(crashed, demo_database_150k)
    flags = ("SELECT article_id, is_read, is_starred, is_archived, starred_at FROM read_status "
             "WHERE user_id = 1 ORDER BY article_id")
    assert query(crashed, flags) == query(reference, flags)


# -- a web server writing the same file ---------------------------------------------------

# The "web server": its own process and connection (busy timeout 5 s, IMMEDIATE writes).
# Every ~10 ms, until its stdin closes, it inserts an article and updates a read_status row,
# timing each write; it prints what happened as JSON at the end.
WEB_SERVER = r"""
import json, os, select, sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=5.0, isolation_level=None)
conn.execute("PRAGMA busy_timeout = 5000")
rows = [r[0] for r in conn.execute(
    "SELECT id FROM read_status WHERE user_id = 2 ORDER BY id LIMIT 1000")]
print("ready", flush=True)
os.read(0, 3)  # "go"
waits, errors, inserted, starts = [], [], [], []
while not select.select([0], [], [], 0.01)[0]:
    for op in ("insert", "update"):
        started = time.monotonic()
        try:
            conn.execute("BEGIN IMMEDIATE")
            if op == "insert":
                new = conn.execute(
                    "INSERT INTO articles (feed_id, title, created_at) VALUES "
                    "(1, 'fresh', strftime('%Y-%m-%d %H:%M:%S', 'now'))").lastrowid
            else:
                conn.execute(
                    "UPDATE read_status SET is_starred = 1 - is_starred, updated_at = "
                    "strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE id = ?",
                    (rows[len(waits) % len(rows)],))
            conn.execute("COMMIT")
            if op == "insert":
                inserted.append(new)
        except sqlite3.Error as exc:
            errors.append(f"{op}: {exc}")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        waits.append(time.monotonic() - started)
        starts.append(started)
print(json.dumps({"waits": waits, "errors": errors, "inserted": inserted, "starts": starts}))
"""


def test_a_web_server_writing_during_a_large_job_is_never_locked_out(demo_copy):
    server = subprocess.Popen([sys.executable, "-c", WEB_SERVER, str(demo_copy)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline() == "ready\n"

        async def body(manager):
            job_id = await manager.create_job("mark_all_read", 1, {}, run=False)
            server.stdin.write("go\n")
            server.stdin.flush()
            started = time.monotonic()
            manager.start_job(job_id)
            job = await manager.wait_for_job(job_id)
            return job, started, time.monotonic()

        job, started, ended = run_engine(demo_copy, body)
        out, _ = server.communicate(timeout=60)  # closes its stdin: it stops
    finally:
        server.kill()
        server.wait(timeout=30)
    report = json.loads(out)
    waits = sorted(report["waits"])
    during = sum(started <= moment <= ended for moment in report["starts"])
    worst, p99 = waits[-1], waits[int(0.99 * (len(waits) - 1))]
    figures = (f"web server: {len(waits)} writes ({during} during the job), worst wait "
               f"{worst * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, {len(report['errors'])} errors")
    print(f"\n{figures}")
    assert report["errors"] == [], figures
    assert during > 0, figures
    assert job.status == "completed", figures
    assert job.progress == job.total == job.watermark == ARTICLES
    assert unread_up_to(demo_copy, 1, job.watermark) == 0
    late = report["inserted"]
    assert late and min(late) > job.watermark  # it inserted after the job was created
    assert query(demo_copy, f"SELECT count(*) FROM read_status WHERE article_id IN "
                            f"({','.join(map(str, late))})") == [(0,)]


# -- bad conditions -----------------------------------------------------------------------

def set_max_pages(manager, extra: int | None):
    """Cap the engine's connection at its current size plus ``extra`` pages (None: no cap)."""
    def cap():
        pages = database_proxy.execute_sql("PRAGMA page_count").fetchone()[0]
        limit = 2**31 - 2 if extra is None else pages + extra
        return database_proxy.execute_sql(f"PRAGMA max_page_count = {limit}").fetchone()[0]

    return manager.db.call(cap)


def test_a_full_disk_fails_the_job_keeping_its_work_and_a_retry_finishes_it(
        demo_database_150k, demo_copy):
    async def body(manager):
        await set_max_pages(manager, 100)  # room for a few chunks
        failed = await mark_all_read(manager)
        failed_row = job_row(demo_copy, failed.id)
        # What committed is whole: progress, cursor and the read rows agree.
        assert_done_up_to(demo_copy, demo_database_150k, failed_row)
        await set_max_pages(manager, None)  # space is back
        await manager.retry_job(1, failed.id)
        return failed_row, await manager.wait_for_job(failed.id)

    failed, job = run_engine(demo_copy, body, max_chunk=1000)

    assert failed["status"] == "failed"
    assert "disk is full" in failed["error_message"]
    assert "Traceback" not in failed["error_message"]
    assert 0 < failed["progress"] < ARTICLES
    assert job.status == "completed" and job.error_message is None
    assert job.progress == job.total == job.cursor == ARTICLES
    assert unread_up_to(demo_copy, 1, ARTICLES) == 0
    assert duplicates(demo_copy) == []
    assert_only_user_1_unread_rows_changed(demo_copy, demo_database_150k)


def release_when_the_engine_gives_up(manager, blocker: sqlite3.Connection) -> list[str]:
    """Make the engine's lock-retrying call end ``blocker``'s transaction when it gives up
    (raises DatabaseBusyError), so the failure it then records can be written. Returns the
    list of calls that gave up."""
    gave_up: list[str] = []
    retrying = manager._call_retrying_locks

    async def watched(fn, *args, **kwargs):
        try:
            return await retrying(fn, *args, **kwargs)
        except DatabaseBusyError:
            if blocker.in_transaction:
                blocker.execute("ROLLBACK")
                gave_up.append(fn.__name__)
            raise

    manager._call_retrying_locks = watched
    return gave_up


@pytest.mark.parametrize("when", ["before the claim", "between chunks"])
def test_a_lock_held_longer_than_the_busy_timeout_fails_the_job_cleanly(server_db, when):
    original = server_db.with_name("original.db")
    shutil.copyfile(server_db, original)

    with closing(sqlite3.connect(server_db, isolation_level=None)) as blocker:
        async def body(manager):
            gave_up = release_when_the_engine_gives_up(manager, blocker)

            def take_the_lock(event):
                if event.kind == "progress" and event.job.progress >= 14 and not gave_up \
                        and not blocker.in_transaction:
                    blocker.execute("BEGIN EXCLUSIVE")

            if when == "between chunks":
                manager.subscribe(take_the_lock)
            job_id = await manager.create_job("mark_all_read", 1, {}, run=False)
            if when == "before the claim":
                blocker.execute("BEGIN EXCLUSIVE")
            manager.start_job(job_id)
            return await manager.wait_for_job(job_id), gave_up

        job, gave_up = run_engine(server_db, body, max_chunk=7, busy_timeout_ms=100,
                                  lock_retry_delays=(0.05, 0.1))
        assert not blocker.in_transaction

    assert len(gave_up) == 1, gave_up
    assert job.status == "failed"
    assert "stayed locked" in job.error_message, job.error_message
    row = job_row(server_db, job.id)
    assert (row["status"], row["error_message"]) == ("failed", job.error_message)
    if when == "before the claim":  # never started: nothing written but the failure
        assert (row["progress"], row["cursor"], row["owner"], row["started_at"]) == (
            0, 0, None, None)
        assert read_status_rows(server_db) == read_status_rows(original)
    else:
        assert 14 <= row["progress"] < 105
        assert_done_up_to(server_db, original, row)


NOT_WRITABLE = "the file is not writable by this user"
# The CLI in a subprocess that cannot write the file: as root, permissions cannot make a file
# unwritable, so the check that notices is told so; the database is then really opened mode=ro.
READ_ONLY_CLI = (
    "import sys\n"
    "import desktop.store.backends.sqlite as sqlite_backend\n"
    f"sqlite_backend._not_writable = lambda path: {NOT_WRITABLE!r}\n"
    "from desktop.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_database_this_user_cannot_write_is_opened_read_only_and_left_untouched(
        tmp_path, monkeypatch, journal):
    path = make_server_database(tmp_path / "reader.db", journal_mode=journal)
    if journal == "wal":  # a file with our job table in it
        job_id = run_engine(path, lambda manager: manager.create_job("mark_all_read", 1, {},
                                                                     run=False))
    else:  # as the server left it: nothing of ours, its own journal mode
        job_id = None
    assert query(path, "PRAGMA journal_mode") == [(journal,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reader.db"]
    before = file_state(path)
    monkeypatch.setattr("desktop.store.backends.sqlite._not_writable", lambda _path: NOT_WRITABLE)

    async def body(manager):
        reason = manager.read_only_reason
        listed = await manager.list_jobs(1)
        refused = []
        for request in (manager.create_job("mark_all_read", 1, {}),
                        manager.cancel_job(1, job_id or 1), manager.retry_job(1, job_id or 1)):
            with pytest.raises(JobRequestError) as caught:
                await request
            refused.append(str(caught.value))
        return reason, listed, refused, await manager.start_runnable_jobs()

    reason, listed, refused, started = run_engine(path, body)
    assert str(path) in reason and NOT_WRITABLE in reason and "read-only" in reason
    assert [job.id for job in listed] == ([job_id] if job_id else [])
    assert refused == [reason] * 3 and started == 0

    result = subprocess.run([sys.executable, "-c", READ_ONLY_CLI, "mark-read", "--database",
                             str(path), "--user", "1", "--all", "--quiet"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and NOT_WRITABLE in result.stderr

    assert file_state(path) == before
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    if journal == "wal" and leftovers != ["reader.db"]:
        pytest.xfail("SQLite creates -wal and -shm next to a WAL-mode file opened mode=ro "
                     f"when the folder is writable (left: {leftovers})")
    assert leftovers == ["reader.db"]
