"""Failures told as they happened: a full disk on a real (small) file system, SQLite's own
rollback after it, a rollback that fails because the first error already rolled back.

The full-disk tests mount a small tmpfs, which needs root (or CAP_SYS_ADMIN); where mounts
are not allowed they are skipped, saying so, and the deterministic test without a mount
(``max_page_count``) still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import peewee
import pytest
from support.databases import job_row, sqlite
from support.engine import run_engine

from desktop.store import connection, jobs_table
from desktop.store.backends.sqlite import SQLITE
from desktop.store.clock import utc_now_text

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = 60_000
# Bytes left free on the small disk, by (command, journal). A mark-read grows the file (rows,
# the undo record): a few chunks' worth runs out whatever the chunks' size. An undo only needs
# its rollback journal or WAL frames, as large as its chunk, and chunks shrink on a loaded
# machine: with 256 KB an undo sometimes finished. Measured: the job's creation and claim need
# under 32 KB with a rollback journal and under 96 KB of WAL frames; the first chunk, whose size
# is fixed (FIRST_CHUNK rows), over 128 KB and 256 KB. Half-way between on both sides:
ROOM_LEFT = {("mark-read", "wal"): 256 * 1024, ("mark-read", "delete"): 256 * 1024,
             ("undo", "wal"): 160 * 1024, ("undo", "delete"): 64 * 1024}


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)


def query(path, sql, *args) -> list[tuple]:
    with sqlite(path) as conn:
        return [tuple(row) for row in conn.execute(sql, args)]


def read_status(path) -> list[tuple]:
    return query(path, "SELECT * FROM read_status ORDER BY id")


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of its own at tmp_path/disk: ``small_disk(size_bytes)`` mounts it and returns
    its path; unmounted at the end."""
    mounted = []

    def mount(size: int) -> Path:
        where = tmp_path / "disk"
        where.mkdir()
        if os.geteuid() != 0:
            pytest.skip("a full disk is tested on a small tmpfs, which only root may mount")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                               str(where)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()})")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill_leaving(folder: Path, room: int) -> Path:
    """Fill the file system of ``folder`` until ``room`` bytes are left; returns the filler."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    assert free > room, f"only {free} bytes free"
    filler = folder / "filler"
    with open(filler, "wb") as out:
        out.write(b"\0" * (free - room))
    return filler


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("command", ["mark-read", "undo"])
def test_a_full_disk_says_so_naming_the_file_and_retry_finishes_exactly(
        demo_database, small_disk, tmp_path, journal, command):
    """The disk fills up in the middle of a job: the command ends with one line saying the
    disk is full and naming the file (not "cannot rollback - no transaction is active", the
    error SQLite's own rollback left behind); what committed is whole, the file is sound, and
    `retry` once there is room again finishes the job exactly."""
    demo = demo_database(ARTICLES)
    reference = tmp_path / "reference.db"  # the same job, on a disk with room
    shutil.copyfile(demo, reference)
    disk = small_disk(demo.stat().st_size + 24 * 1024 * 1024)
    path = disk / "reader.db"
    shutil.copyfile(demo, path)
    for target in (path, reference):
        with closing(sqlite3.connect(target)) as conn:
            assert conn.execute(f"PRAGMA journal_mode = {journal}").fetchone() == (journal,)
    original = read_status(path)  # by id: (id, user_id, article_id, is_read, ...)
    if command == "undo":  # a job to undo, done while there is room
        for target in (path, reference):
            done = rss("mark-read", "--database", target, "--user", 1, "--all", "--quiet")
            assert done.returncode == 0, done.stderr
        args = ("undo", "--database", path, "--user", 1, "1", "--quiet")
    else:
        args = ("mark-read", "--database", path, "--user", 1, "--all", "--quiet")
    filler = fill_leaving(disk, ROOM_LEFT[command, journal])

    failed = rss(*args)

    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr and "cannot rollback" not in failed.stderr
    job_id = int(failed.stdout)
    [line] = [line for line in failed.stderr.splitlines() if line.startswith("job ")]
    assert line.startswith(f"job {job_id} failed: the disk is full: {path} cannot grow"), line
    assert "retry the job once there is space" in line
    row = job_row(path, job_id)
    assert row["status"] == "failed" and row["error_message"] in line
    assert 0 <= row["progress"] < row["total"]
    assert query(path, "PRAGMA integrity_check") == [("ok",)]

    filler.unlink()
    retried = rss("retry", "--database", path, "--user", 1, job_id, "--quiet")

    assert retried.returncode == 0, retried.stderr
    row = job_row(path, job_id)
    assert (row["status"], row["error_message"]) == ("completed", None)
    assert row["progress"] == row["total"]
    # The same rows as the same command run on a disk with room (read_at and updated_at aside;
    # rows a mark-read inserted take their ids from its chunks, which differ)
    reference_run = rss(*[reference if arg == path else arg for arg in args])
    assert reference_run.returncode == 0, reference_run.stderr
    same = ("SELECT user_id, article_id, is_read, is_starred, is_archived, starred_at "
            "FROM read_status ORDER BY user_id, article_id")
    assert query(path, same) == query(reference, same)
    assert row["marked_count"] == job_row(reference, job_id)["marked_count"] > 0
    if command == "undo":  # what the job had marked read is unread again
        read = "SELECT user_id, article_id FROM read_status WHERE is_read ORDER BY 1, 2"
        assert query(path, read) == sorted(tuple(r[1:3]) for r in original if r[3])


def test_sqlites_own_rollback_never_hides_the_error_that_caused_it(server_db):
    """Deterministic, without a mount: ``max_page_count`` makes SQLite report a full disk
    exactly, and a one-row statement (no statement journal) that fails half-way makes SQLite
    roll the whole transaction back itself. The error raised is the full disk, in words naming
    the file; the connection is out of the transaction and the next write works."""
    db = connection.connect(server_db)
    try:
        pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
        db.execute_sql(f"PRAGMA max_page_count = {pages}")
        # (any class: which error comes out is the point)
        with pytest.raises(Exception) as caught, SQLITE.write_transaction(db):
            db.execute_sql("INSERT INTO users (username, created_at) VALUES (?, ?)",
                           ("x" * 200_000, utc_now_text()))  # overflow pages: no room
        assert "database or disk is full" in str(caught.value), repr(caught.value)
        assert not db.connection().in_transaction  # SQLite rolled back by itself
        message = SQLITE.failure_message(caught.value, server_db)
        assert message.startswith(f"the disk is full: {server_db} cannot grow")
        db.execute_sql(f"PRAGMA max_page_count = {pages + 1000}")
        with SQLITE.write_transaction(db):
            db.execute_sql("INSERT INTO users (username, created_at) VALUES (?, ?)",
                           ("carol", utc_now_text()))
        assert db.execute_sql("SELECT count(*) FROM users WHERE username = 'carol'"
                              ).fetchone() == (1,)
        assert db.execute_sql("SELECT count(*) FROM users WHERE length(username) > 1000"
                              ).fetchone() == (0,)
    finally:
        db.close()


def test_a_claim_refused_by_sqlite_raises_the_error_every_handler_expects(server_db, small_disk):
    """SQLite ends an UPDATE … RETURNING (the claim) as its last row is fetched, after peewee's
    execute() returned; outside a transaction it commits then. A full disk met there came out as
    sqlite3's own error, which no handler catches: the CLI printed a traceback and left the job
    pending. It is peewee's error now, as every other statement's, said in one line."""
    path = small_disk(server_db.stat().st_size + 4 * 1024 * 1024) / "reader.db"
    shutil.copyfile(server_db, path)
    job_id = run_engine(path, lambda manager: manager.create_job(
        "mark_category_read", 1, {"category_id": 1}, run=False))
    db = connection.connect(path)
    try:
        db.execute_sql("SELECT count(*) FROM bulk_operation_jobs").fetchone()  # -shm in place
        filler = fill_leaving(path.parent, 0)
        with pytest.raises(peewee.OperationalError, match="database or disk is full") as caught:
            jobs_table.claim_job(job_id, "here:1:token")
        assert not isinstance(caught.value, sqlite3.Error)
        filler.unlink()
        assert jobs_table.claim_job(job_id, "here:1:token").status == "running"
    finally:
        db.close()


def test_each_kind_of_file_failure_has_its_own_line(tmp_path):
    """Real SQLite errors, each classified in its own words naming the file."""
    path = tmp_path / "reader.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    errors = {}
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as read_only:
        with pytest.raises(sqlite3.OperationalError) as caught:
            read_only.execute("INSERT INTO t VALUES (1)")
        errors["read-only"] = caught.value
    with closing(sqlite3.connect(path, isolation_level=None)) as moved:
        moved.execute("PRAGMA journal_mode = delete")
        moved.execute("INSERT INTO t VALUES (1)")
        path.rename(tmp_path / "elsewhere.db")
        shutil.copyfile(tmp_path / "elsewhere.db", path)  # another file now at the path
        with pytest.raises(sqlite3.OperationalError) as caught:
            moved.execute("INSERT INTO t VALUES (2)")
        errors["replaced"] = caught.value
    with closing(sqlite3.connect(path)) as full:
        pages = full.execute("PRAGMA page_count").fetchone()[0]
        full.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError) as caught:
            full.execute("INSERT INTO t VALUES (randomblob(100000))")
        errors["full"] = caught.value
    damaged = tmp_path / "damaged.db"
    with closing(sqlite3.connect(damaged)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(f"row {n}" * 20,) for n in range(500)])
        conn.commit()
    with open(damaged, "r+b") as file:  # (no connection is open: nothing to lose)
        file.seek(4096)  # the table's root page: its header, now no page type at all
        file.write(b"\xff" * 8)
    with closing(sqlite3.connect(damaged)) as conn, \
            pytest.raises(sqlite3.DatabaseError) as caught:
        conn.execute("SELECT sum(length(x)) FROM t").fetchall()
    errors["damaged"] = caught.value
    words = {name: SQLITE.failure_message(error, path) for name, error in errors.items()}
    assert words["read-only"].startswith(f"{path} cannot be written any more"), words
    assert words["replaced"].startswith(f"{path} was moved, removed or replaced while in use")
    assert words["full"].startswith(f"the disk is full: {path} cannot grow"), words
    assert words["damaged"].startswith(f"{path} is damaged ("), words
    assert len(set(words.values())) == len(words)


# -- a failure that cannot be recorded ------------------------------------------------------

def assert_one_line_naming_retry(result: subprocess.CompletedProcess, job_id: int,
                                 *fragments: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "taken over" not in result.stderr
    [line] = [line for line in result.stderr.strip().splitlines()
              if not line.startswith("rss-desktop: note:")]  # (a rollback-journal file's)
    assert line.startswith(f"job {job_id} failed: "), line
    for fragment in (*fragments, f"rss-desktop retry {job_id} goes on"):
        assert fragment in line, line
    return line


def test_a_server_stopped_mid_job_gets_one_line_and_the_retry_it_names_works(
        postgres_server, postgres_url):
    """The server stops while the job waits at a row this test holds, and stays down until
    the command has ended: the job fails, and so does writing that down. One line says so and
    names `retry`, which, once the server is back, takes the job on (its row still says
    running, under the process that ended) and finishes it exactly."""
    from support.databases import make_server_database_pg
    from support.postgres_jobs import category_articles, pg_rows, read_state, start_held_worker

    url = make_server_database_pg(postgres_url)
    before = read_state(url)
    in_scope = category_articles(url, 1)
    blocker, worker = start_held_worker(url, in_scope)
    try:
        (job_id, progress), = pg_rows(url, "SELECT id, progress FROM bulk_operation_jobs")
        postgres_server.stop()  # every session ends, the blocker's too; nobody can reconnect
        out, err = worker.communicate(timeout=120)
    finally:
        worker.kill()
        with contextlib.suppress(Exception):
            blocker.close()
    postgres_server.start()

    line = assert_one_line_naming_retry(
        subprocess.CompletedProcess(worker.args, worker.returncode, out, err), job_id,
        "the connection to the database server", "could not be recorded")
    print(f"\n{line}")
    assert int(out) == job_id
    (status, owner, kept), = pg_rows(url, "SELECT status, owner, progress FROM "
                                          "bulk_operation_jobs")
    assert status == "running" and owner.split(":")[1] == str(worker.pid)
    assert 0 < progress <= kept < len(in_scope)

    retried = rss("retry", "--database", url, "--user", 1, job_id, "--quiet")

    assert retried.returncode == 0, retried.stderr
    (status, progress, total, marked), = pg_rows(
        url, "SELECT status, progress, total, marked_count FROM bulk_operation_jobs")
    assert (status, progress, total) == ("completed", len(in_scope), len(in_scope))
    unread_before = {a for a in in_scope if not before.get((1, a), (False,))[0]}
    assert marked == len(unread_before)  # each article counted once, across both runs
    after = read_state(url)
    assert {key for key in after if after[key] != before.get(key)} == {
        (1, a) for a in unread_before}


def test_a_file_replaced_mid_job_gets_one_line_and_the_retry_it_names_works(
        demo_database, tmp_path):
    """A rollback-journal file replaced (renamed over) while a job runs: the engine sees that
    its path names another file and writes nothing more, not even a failure. One line says so
    (never "taken over by another worker": no other worker exists), and `retry` takes the job
    on in the file now at the path (its row there says running, under a process that ended).

    No race: the command stands at a gate right after its first chunk while the test makes a
    consistent copy (SQLite's backup) and renames it over the file."""
    from support.processes import Gated

    path, reference = tmp_path / "reader.db", tmp_path / "reference.db"
    for target in (path, reference):
        shutil.copyfile(demo_database(ARTICLES), target)
        with closing(sqlite3.connect(target)) as conn:
            conn.execute("PRAGMA journal_mode = delete")
    command = Gated(["mark-read", "--database", path, "--user", 1, "--all", "--quiet"],
                    "progress")
    command.expect(b"p")  # a chunk committed; the event loop waits at the gate
    copy = tmp_path / "copy.db"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    os.replace(copy, path)
    job_id = int(command.process.stdout.readline())
    command.open_gate()
    returncode, err = command.finish()

    # The engine notices the replacement itself (the path names another file) before SQLite
    # refuses a write: it stops writing, the job left running under the process that ended.
    assert returncode == 1, err
    assert "Traceback" not in err and "taken over" not in err
    [line] = [line for line in err.strip().splitlines()
              if not line.startswith("rss-desktop: note:")]  # (a rollback-journal file's)
    assert f"{path} was replaced by another file while job {job_id} ran" in line, line
    print(f"\n{line}")
    row = job_row(path, job_id)
    assert row["status"] == "running" and row["owner"].split(":")[1] == str(command.process.pid)

    retried = rss("retry", "--database", path, "--user", 1, job_id, "--quiet")

    assert retried.returncode == 0, retried.stderr
    done = rss("mark-read", "--database", reference, "--user", 1, "--all", "--quiet")
    assert done.returncode == 0, done.stderr
    row = job_row(path, job_id)
    assert row["status"] == "completed" and row["progress"] == row["total"] == ARTICLES
    assert row["marked_count"] == job_row(reference, 1)["marked_count"]
    same = ("SELECT user_id, article_id, is_read, is_starred, is_archived, starred_at "
            "FROM read_status ORDER BY user_id, article_id")
    assert query(path, same) == query(reference, same)


def test_a_worker_that_lives_on_records_the_failure_once_it_can(server_db):
    """In a process that goes on (the window, `work`), a failure that could not be written is
    written by the next recovery round that can, and the job is then published as finished:
    until then its row says running under this live engine, which nobody else takes over."""
    from desktop.jobs.api import FailureNotRecorded

    with closing(sqlite3.connect(server_db, isolation_level=None)) as blocker:
        async def body(manager):
            events = []
            manager.subscribe(lambda event: events.append((event.kind, event.job.status)))

            def take_the_lock(event):
                if event.kind == "progress" and not blocker.in_transaction:
                    blocker.execute("BEGIN EXCLUSIVE")  # held through the failure and its record

            manager.subscribe(take_the_lock)
            job_id = await manager.create_job("mark_all_read", 1, {})
            with pytest.raises(FailureNotRecorded) as caught:
                await manager.wait_for_job(job_id)
            held = job_row(server_db, job_id)  # (WAL: readers pass the lock)
            # its worker (this process) lives: another process may not take it
            refused = await asyncio.to_thread(rss, "retry", "--database", server_db, "--user",
                                              1, job_id, "--quiet")
            assert refused.returncode == 2, refused.stderr
            assert f"job {job_id} is running; only failed or cancelled" in refused.stderr
            blocker.execute("ROLLBACK")
            assert ("unrecorded", "running") in events
            assert ("finished", "failed") not in events
            await manager.start_runnable_jobs()
            return caught.value, held, events

        failure, held, events = run_engine(server_db, body, max_chunk=7, busy_timeout_ms=100,
                                           lock_retry_delays=(0.05,))
    assert "stayed locked" in failure.message and "stayed locked" in failure.reason
    assert held["status"] == "running"
    row = job_row(server_db, failure.job_id)
    assert (row["status"], row["error_message"]) == ("failed", failure.message)
    assert events[-1] == ("finished", "failed")
