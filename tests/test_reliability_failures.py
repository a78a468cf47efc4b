"""Failures told as they happened: a full disk on a real (small) file system, SQLite's own
rollback after it, a rollback that fails because the first error already rolled back.

The full-disk tests mount a small tmpfs, which needs root (or CAP_SYS_ADMIN); where mounts
are not allowed they are skipped, saying so, and the deterministic test without a mount
(``max_page_count``) still runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import job_row, sqlite

from desktop.store import connection
from desktop.store.backends.sqlite import SQLITE
from desktop.store.clock import utc_now_text

PROJECT = Path(__file__).resolve().parent.parent
ARTICLES = 60_000
ROOM_LEFT = 256 * 1024  # bytes left free on the small disk: a few chunks' worth


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
    filler = fill_leaving(disk, ROOM_LEFT)

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
    words = {name: SQLITE.failure_message(error, path) for name, error in errors.items()}
    assert words["read-only"].startswith(f"{path} cannot be written any more"), words
    assert words["replaced"].startswith(f"{path} was moved, removed or replaced while in use")
    assert len(set(words.values())) == len(words)
