"""Safe on a file shared with a live server: our SQLite locks, foreign files, our own echo.

Real processes and real files. The process that "is the window" is a child python process, so
that this test process never holds a connection to the file it inspects with plain reads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.databases import job_row, make_server_database, read_status, sqlite
from support.engine import run_engine
from support.files import file_state

from desktop.headstart.outside import lock_holders
from desktop.store import sqlite_file
from desktop.store.sqlite_file import LOCKS_CACHE_SECONDS, OtherProcesses

PROJECT = Path(__file__).resolve().parent.parent
LINUX_LOCKS = pytest.mark.skipif(not Path("/proc/locks").exists(),
                                 reason="reads other processes' locks from /proc/locks")


def rss(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def deleted_files_open(pid: int) -> list[str]:
    """Files the process still has open although they were deleted (Linux)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith("(deleted)"):
            found.append(target)
    return found


# -- 1. the process never drops its own SQLite locks --------------------------------------

# "The window": an engine open on the shared file for the whole run. Meanwhile, as File > Open
# would, it tries a text file, the same file again and another database, and closes those.
# Then it waits; on a line from stdin it runs a job; on the next it closes and exits.
WINDOW = """
import asyncio, json, sys
from desktop.jobs import BulkOperationManager
from desktop.store import DatabaseOpenError

async def main(path, *others):
    engine = BulkOperationManager(path)
    await engine.open()
    await engine.list_jobs(1)
    for target in others:
        manager = BulkOperationManager(target)
        try:
            await manager.open()
            await manager.list_jobs(1)
            print("opened", target, flush=True)
        except DatabaseOpenError as exc:
            print("refused", exc, flush=True)
        finally:
            await manager.close()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    job_id = await engine.create_job("mark_feed_read", 2, {"feed_id": 1})
    job = await engine.wait_for_job(job_id)
    print(json.dumps({"id": job.id, "status": job.status, "marked": job.marked_count}),
          flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    await engine.close()

asyncio.run(main(*sys.argv[1:]))
"""


@LINUX_LOCKS
def test_opening_other_files_never_drops_the_locks_of_an_open_database(tmp_path):
    shared = make_server_database(tmp_path / "shared.db")
    other = make_server_database(tmp_path / "other.db")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 20)
    window = subprocess.Popen([sys.executable, "-c", WINDOW, str(shared), str(notes),
                               str(shared), str(other)], cwd=PROJECT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = [window.stdout.readline().strip() for _ in range(4)]
        assert said[0].startswith("refused") and "is not an SQLite database" in said[0]
        assert said[1:] == [f"opened {shared}", f"opened {other}", "ready"], said
        # The window's connection holds its shared lock on the file and on the -shm.
        holders = lock_holders(shared)
        assert window.pid in holders["db"] and window.pid in holders["shm"]

        # Another program runs jobs and exits, twice: had the window lost its locks, the first
        # to exit would believe itself the last connection and delete the WAL under it.
        for feed in (3, 4):
            result = rss("mark-read", "--database", shared, "--user", 1, "--feed", feed,
                         "--quiet")
            assert result.returncode == 0, result.stderr
        holders = lock_holders(shared)
        assert window.pid in holders["db"] and window.pid in holders["shm"]
        assert deleted_files_open(window.pid) == []
        assert {p.name for p in tmp_path.iterdir()} >= {"shared.db-wal", "shared.db-shm"}

        window.stdin.write("run a job\n")
        window.stdin.flush()
        outcome = json.loads(window.stdout.readline())
        assert outcome["status"] == "completed" and outcome["marked"] == 20
        window.stdin.write("exit\n")
        window.stdin.flush()
        assert window.wait(timeout=60) == 0, window.stderr.read()
    finally:
        window.kill()
        window.communicate(timeout=60)

    # What the window wrote is in the file, and the file is sound.
    assert job_row(shared, outcome["id"])["status"] == "completed"
    rows = read_status(shared)
    assert {r["article_id"] for r in rows.values() if r["user_id"] == 2 and r["is_read"]} >= set(
        range(1, 41))
    with sqlite(shared) as conn:
        assert [tuple(row) for row in conn.execute("PRAGMA integrity_check")] == [("ok",)]
        statuses = [r[0] for r in conn.execute("SELECT status FROM bulk_operation_jobs")]
    assert statuses == ["completed"] * 3


# -- 2. a foreign database is refused and stays byte-identical -----------------------------

def make_foreign(path: Path, journal_mode: str) -> Path:
    """Another program's SQLite database: one table ``t``."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('precious')")
    conn.commit()
    conn.close()
    return path


FOREIGN_COMMANDS = {
    "mark-read": ["mark-read", "--user", 1, "--category", 1, "--quiet"],
    "jobs": ["jobs", "--user", 1],
    "cancel": ["cancel", "--user", 1, 1],
    "retry": ["retry", "--user", 1, 1, "--quiet"],
    "undo": ["undo", "--user", 1, 1, "--quiet"],
    "work": ["work", "--once"],
    "demo": ["demo"],
}


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
@pytest.mark.parametrize("command", FOREIGN_COMMANDS)
def test_a_foreign_database_is_refused_and_left_byte_identical(tmp_path, command, journal_mode):
    path = make_foreign(tmp_path / "other.sqlite", journal_mode)
    before, listing = file_state(path), sorted(os.listdir(tmp_path))
    name, *rest = FOREIGN_COMMANDS[command]

    result = rss(name, "--database", path, *rest)

    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(path) in lines[0] and "not an RSS reader's database" in lines[0]
    assert "users, categories, feeds, articles, read_status" in lines[0]
    assert file_state(path) == before
    assert sorted(os.listdir(tmp_path)) == listing  # no -wal, -shm or -journal beside it


def test_a_database_with_some_of_the_servers_tables_names_what_is_missing(tmp_path):
    path = tmp_path / "half.db"
    with sqlite(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT)")
        conn.execute("CREATE TABLE feeds (id INTEGER PRIMARY KEY)")
        conn.commit()
    before = file_state(path)
    result = rss("mark-read", "--database", path, "--user", 1, "--all")
    assert result.returncode == 2
    assert "it has no categories, articles, read_status table" in result.stderr
    assert file_state(path) == before


def test_an_sqlite_file_without_tables_is_filled_only_by_demo(tmp_path):
    path = tmp_path / "blank.db"
    sqlite3.connect(path).close()  # a valid file of zero bytes, as `sqlite3 blank.db` leaves
    with sqlite(path) as conn:
        conn.execute("PRAGMA user_version = 3")  # a real, table-less SQLite file
        conn.commit()
    before = file_state(path)
    for args in (["mark-read", "--user", 1, "--all"], ["jobs", "--user", 1]):
        result = rss(*args[:1], "--database", path, *args[1:])
        assert result.returncode == 2 and "no tables" in result.stderr, result.stderr
        assert file_state(path) == before
    result = rss("demo", "--database", path, "--articles", 500)
    assert result.returncode == 0, result.stderr
    with sqlite(path) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 500


def test_reading_commands_never_write(tmp_path):
    """`jobs` and `--help` on a server's database: no schema, no cleanup, no adoption."""
    path = make_server_database(tmp_path / "reader.db")
    listing = sorted(os.listdir(tmp_path))
    before = file_state(path)
    for args in (["jobs", "--database", path, "--user", 1], ["jobs", "--help"], ["--version"]):
        result = rss(*args)
        assert result.returncode == 0, result.stderr
    assert file_state(path) == before  # not even our job table: it does not exist yet
    assert sorted(os.listdir(tmp_path)) == listing

    # With jobs in it, old finished ones and a pending one of the server's: all left as they are.
    async def finished_job(manager):
        await manager.wait_for_job(await manager.create_job("mark_feed_read", 1, {"feed_id": 5}))

    run_engine(path, finished_job)
    with sqlite(path) as conn:
        conn.execute("UPDATE bulk_operation_jobs SET completed_at = datetime('now', '-30 days')")
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, user_id, parameters, "
                     "created_at) VALUES ('mark_all_read', 1, '{}', datetime('now', '-1 day'))")
        conn.commit()
    before = file_state(path)
    result = rss("jobs", "--database", path, "--user", 1, "--json")
    assert result.returncode == 0, result.stderr
    assert [job["status"] for job in json.loads(result.stdout)] == ["completed", "pending"]
    assert file_state(path) == before


# -- 3. the engine's own connections are not another program ---------------------------------

def mark_everything(manager):
    async def body():
        job_id = await manager.create_job("mark_all_read", 1, {})
        await manager.wait_for_job(job_id)
        return manager.pacers[job_id]

    return body()


HOLD_OPEN = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("SELECT count(*) FROM users").fetchone()  # maps the -shm: visible to others
print("open", flush=True)
sys.stdin.read()
"""


@LINUX_LOCKS
def test_a_job_alone_with_the_file_is_never_paced(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    # Pacing as eager as it gets: a probe pause after every chunk whenever another program has
    # the file open. Our own second connection, and another connection of this same process,
    # are not another program.
    with sqlite(path) as own_extra_connection:
        own_extra_connection.execute("SELECT count(*) FROM users").fetchone()
        alone = run_engine(path, mark_everything, max_chunk=5, probe_every=0.0)
    assert alone.chunks > 10 and alone.pauses == 0

    other = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(path)], cwd=PROJECT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline() == "open\n"
        with sqlite(path) as conn:
            conn.execute("DELETE FROM read_status WHERE user_id = 1")
            conn.commit()
        shared = run_engine(path, mark_everything, max_chunk=5, probe_every=0.0)
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    assert shared.chunks > 10 and shared.pauses == shared.chunks


@LINUX_LOCKS
def test_other_programs_are_looked_for_on_a_thread_of_their_own(tmp_path, monkeypatch):
    """Reading /proc/locks can sleep 5-20 ms (the kernel waits out an RCU grace period): the
    database thread, which asks between chunks, never reads it. The first answer is waited for
    (never a guess); later ones come from a look started when the last grew old."""
    path = make_server_database(tmp_path / "reader.db")
    looked_on = []

    def lock_holders_noting_the_thread(target):
        looked_on.append(threading.current_thread())
        return lock_holders(target)

    monkeypatch.setattr(sqlite_file, "lock_holders", lock_holders_noting_the_thread)
    now = [0.0]

    def answer_becomes(expected: bool) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now[0] += LOCKS_CACHE_SECONDS  # the last answer is old: a new look starts
            if others.present() is expected:
                return True
        return False

    with sqlite(path) as own_connection:  # ours (this pid) never counts; it keeps the -shm
        own_connection.execute("SELECT count(*) FROM users").fetchone()
        others = OtherProcesses(path, clock=lambda: now[0])
        assert others.present() is False
        other = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(path)], cwd=PROJECT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline() == "open\n"
            assert answer_becomes(True)
        finally:
            other.stdin.close()
            other.wait(timeout=30)
        assert answer_becomes(False)
    assert looked_on and threading.current_thread() not in looked_on


def test_the_files_journal_mode_is_kept(tmp_path):
    """A server running its file in rollback-journal mode keeps it: switching it to WAL behind
    the server's back would stop the server from restarting while we are connected."""
    path = make_server_database(tmp_path / "reader.db", journal_mode="delete")

    async def mark_and_look(manager):
        job = await manager.wait_for_job(await manager.create_job("mark_all_read", 1, {}))
        return job, manager.journal_mode

    job, mode = run_engine(path, mark_and_look)
    assert job.status == "completed" and mode == "delete"
    with sqlite(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reader.db"]
