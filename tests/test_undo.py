"""Undo of a bulk mark-read: exact, survives restarts, leaves later changes alone."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.clock import real_clock
from support.databases import database, has_table, written

from desktop.jobs import BulkOperationManager
from desktop.store import JobNotFound, JobRequestError, clock
from desktop.store.clock import ago_text, to_db_text

ROOT = Path(__file__).resolve().parents[1]


def unread_ids(path, user_id: int) -> set[int]:
    with written(path) as conn:
        return {row[0] for row in conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN read_status r ON r.article_id = a.id "
            "AND r.user_id = ? WHERE coalesce(r.is_read, FALSE) = FALSE", (user_id,))}


def read_status_rows(path, user_id: int) -> dict[int, tuple]:
    with written(path) as conn:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT article_id, is_read, is_starred, is_archived, read_at, starred_at "
            "FROM read_status WHERE user_id = ?", (user_id,))}


def job_row(path, job_id: int):
    with database(path) as conn:
        return conn.execute("SELECT * FROM bulk_operation_jobs WHERE id = ?", (job_id,)).fetchone()


async def run_job(path: Path, job_type: str, user_id: int, parameters: dict, **options):
    manager = BulkOperationManager(path, **options)
    await manager.open()
    try:
        job_id = await manager.create_job(job_type, user_id, parameters)
        return await manager.wait_for_job(job_id)
    finally:
        await manager.close()


async def undo(path: Path, user_id: int, job_id: int, **options):
    manager = BulkOperationManager(path, **options)
    await manager.open()
    try:
        job = await manager.undo_job(user_id, job_id)
        return await manager.wait_for_job(job.id)
    finally:
        await manager.close()


def test_undo_brings_back_the_exact_unread_set(reader):
    before_unread = unread_ids(reader, 1)
    before_rows = read_status_rows(reader, 1)
    other_user = read_status_rows(reader, 2)
    job = asyncio.run(run_job(reader, "mark_all_read", 1, {}, max_chunk=9))
    assert job.status == "completed" and job.marked_count == len(before_unread)
    assert unread_ids(reader, 1) == set()

    undo_job = asyncio.run(undo(reader, 1, job.id, max_chunk=9))
    assert undo_job.status == "completed" and undo_job.job_type == "undo_mark_read"
    assert undo_job.progress == undo_job.total == undo_job.marked_count == len(before_unread)
    assert unread_ids(reader, 1) == before_unread
    after_rows = read_status_rows(reader, 1)
    for article_id, row in before_rows.items():  # articles read before the job stay read
        assert after_rows[article_id][:3] == row[:3] and after_rows[article_id][4] == row[4]
    assert read_status_rows(reader, 2) == other_user
    assert job_row(reader, job.id)["undone_by"] == undo_job.id


def test_changes_made_after_the_job_survive_the_undo(reader):
    job = asyncio.run(run_job(reader, "mark_category_read", 1, {"category_id": 1}))
    before_undo = unread_ids(reader, 1)
    day_1, day_2, day_3 = (to_db_text(clock.now().add(days=n)) for n in (1, 2, 3))
    with written(reader) as conn:
        # Later than the job: 1 starred; 2 marked unread, then read again; 4 marked unread.
        conn.execute("UPDATE read_status SET is_starred = TRUE, starred_at = ?, updated_at = ? "
                     "WHERE user_id = 1 AND article_id = 1", (day_1, day_1))
        conn.execute("UPDATE read_status SET read_at = ?, updated_at = ? "
                     "WHERE user_id = 1 AND article_id = 2", (day_2, day_2))
        conn.execute("UPDATE read_status SET is_read = FALSE, read_at = NULL, updated_at = ? "
                     "WHERE user_id = 1 AND article_id = 4", (day_3,))
        changed_later = {1: conn.execute("SELECT * FROM read_status WHERE user_id = 1 AND "
                                         "article_id IN (1, 2, 4) ORDER BY article_id").fetchall()}
    undo_job = asyncio.run(undo(reader, 1, job.id))
    assert undo_job.status == "completed"
    with written(reader) as conn:
        assert conn.execute("SELECT * FROM read_status WHERE user_id = 1 AND article_id IN "
                            "(1, 2, 4) ORDER BY article_id").fetchall() == changed_later[1]
    # every other article the job marked read is unread again
    recorded = {a for a in range(1, 71) if a % 3} - {1, 2, 4}
    assert recorded <= unread_ids(reader, 1)
    assert unread_ids(reader, 1) == (before_undo | recorded | {4}) - {1, 2}
    assert undo_job.marked_count == len(recorded)


def test_undo_twice_undo_of_undo_and_running_jobs_are_refused(reader):
    async def scenario():
        manager = BulkOperationManager(reader)
        await manager.open()
        try:
            pending = await manager.create_job("mark_feed_read", 1, {"feed_id": 1}, run=False)
            with pytest.raises(JobRequestError, match="still pending"):
                await manager.undo_job(1, pending)
            await manager.cancel_job(1, pending)
            with pytest.raises(JobRequestError, match="nothing to undo"):
                await manager.undo_job(1, pending)
            job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 2})
            await manager.wait_for_job(job_id)
            with pytest.raises(JobNotFound):
                await manager.undo_job(2, job_id)  # another user's job
            undo_job = await manager.undo_job(1, job_id)
            await manager.wait_for_job(undo_job.id)
            with pytest.raises(JobRequestError, match="already undone"):
                await manager.undo_job(1, job_id)
            with pytest.raises(JobRequestError, match="itself an undo"):
                await manager.undo_job(1, undo_job.id)
        finally:
            await manager.close()

    asyncio.run(scenario())


def test_a_job_the_web_server_ran_cannot_be_undone(reader):
    asyncio.run(run_job(reader, "mark_feed_read", 1, {"feed_id": 5}))  # creates our tables
    with written(reader) as conn:  # it ran a minute ago, in 5 s
        job_id = conn.execute(
            "INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, progress, "
            "total, created_at, completed_at) VALUES ('mark_feed_read', 'completed', 1, "
            "'{\"feed_id\": 3}', 20, 20, ?, ?) RETURNING id",
            (ago_text(seconds=65), ago_text(seconds=60))).fetchone()[0]
    with pytest.raises(JobRequestError, match="no record"):
        asyncio.run(undo(reader, 1, job_id))


def test_mark_read_after_an_undo_works(reader):
    first = asyncio.run(run_job(reader, "mark_category_read", 1, {"category_id": 2}))
    asyncio.run(undo(reader, 1, first.id))
    again = asyncio.run(run_job(reader, "mark_category_read", 1, {"category_id": 2}))
    assert again.status == "completed" and again.marked_count == first.marked_count
    assert not unread_ids(reader, 1) & set(range(71, 101))


def record_tables(target) -> list[str]:
    """Our undo record's tables on this backend (PostgreSQL's keeps article arrays too)."""
    tables = ["bulk_job_changes", "bulk_job_spans", "bulk_job_article_sets"]
    return [name for name in tables if has_table(target, name)]


def test_cleanup_removes_the_records_with_the_job(reader):
    job = asyncio.run(run_job(reader, "mark_all_read", 1, {}))
    with written(reader) as conn:
        assert conn.execute("SELECT count(*) FROM bulk_job_spans WHERE job_id = ?",
                            (job.id,)).fetchone()[0] > 0  # the record exists
        # where the record names articles (not rowid ranges), it names every changed one
        if "bulk_job_article_sets" in record_tables(reader):
            assert conn.execute("SELECT sum(cardinality(article_ids)) FROM "
                                "bulk_job_article_sets WHERE job_id = ?",
                                (job.id,)).fetchone()[0] == job.marked_count
        conn.execute("UPDATE bulk_operation_jobs SET completed_at = ?", (ago_text(years=1),))

    async def cleanup():
        manager = BulkOperationManager(reader)
        await manager.open()
        await manager.cleanup_finished()  # finished jobs older than 24 h
        await manager.close()

    asyncio.run(cleanup())
    with written(reader) as conn:
        assert conn.execute("SELECT count(*) FROM bulk_operation_jobs").fetchone()[0] == 0
        for table in record_tables(reader):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)


def test_cli_undo(reader):
    before = unread_ids(reader, 1)
    marked = cli("mark-read", "--database", reader, "--user", 1, "--all", "--quiet")
    job_id = int(marked.stdout)
    other = cli("undo", "--database", reader, "--user", 2, job_id, "--quiet")
    assert other.returncode == 2 and other.stderr.strip() == f"rss-desktop: error: job {job_id} " \
                                                             "not found"
    undone = cli("undo", "--database", reader, "--user", 1, job_id, "--quiet")
    assert undone.returncode == 0, undone.stderr
    assert unread_ids(reader, 1) == before
    twice = cli("undo", "--database", reader, "--user", 1, job_id, "--quiet")
    assert twice.returncode == 2 and "already undone" in twice.stderr
    assert "Traceback" not in twice.stderr


def test_an_undo_killed_midway_resumes(demo_database, tmp_path):
    path = tmp_path / "reader.db"
    path.write_bytes(demo_database(60_000).read_bytes())
    before = unread_ids(path, 1)
    with real_clock():  # the CLI below deletes jobs finished a day before its (real) time
        job = asyncio.run(run_job(path, "mark_all_read", 1, {}))
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "undo", "--database", str(path),
                             "--user", "1", str(job.id), "--quiet", "--max-batch", "50"],
                            cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    undo_id = int(proc.stdout.readline())
    with written(path) as conn:  # wait until some of the undo is committed, then kill
        deadline = time.monotonic() + 60
        while conn.execute("SELECT progress FROM bulk_operation_jobs WHERE id = ?",
                           (undo_id,)).fetchone()[0] == 0 and proc.poll() is None:
            assert time.monotonic() < deadline, "the undo never made progress"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    killed_at = job_row(path, undo_id)
    if killed_at["status"] == "completed":
        pytest.skip("the undo finished before it could be killed")
    assert killed_at["status"] == "running" and 0 < killed_at["progress"] < killed_at["total"]

    worker = cli("work", "--database", path, "--once")
    assert worker.returncode == 0, worker.stderr
    finished = job_row(path, undo_id)
    assert finished["status"] == "completed"
    assert finished["progress"] == finished["total"] == job.marked_count
    assert unread_ids(path, 1) == before


def test_rows_another_program_inserts_between_chunks_are_never_undone(reader):
    """The record names the rows a chunk inserted by their rowids: rows the web server inserts
    between two chunks (a star, a read in the browser) lie between those ranges, and stay."""
    other = database(reader).thing
    inserted = []

    free = [101, 103, 104]  # feed 5 (not in the job's scope): user 1 has no row for these

    def between_chunks(event):
        if event.kind == "progress" and free:
            article = free.pop(0)
            other.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                          "read_at, created_at, updated_at) VALUES (1, ?, TRUE, TRUE, ?, ?, ?)",
                          (article, *(clock.utc_now_text(),) * 3))
            other.commit()
            inserted.append(article)

    async def marked():
        manager = BulkOperationManager(reader, max_chunk=7)
        await manager.open()
        manager.subscribe(between_chunks)
        try:
            job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
            return await manager.wait_for_job(job_id)
        finally:
            await manager.close()

    before_unread = unread_ids(reader, 1)
    job = asyncio.run(marked())
    other.close()
    assert job.status == "completed" and len(inserted) == 3
    servers = {a: r for a, r in read_status_rows(reader, 1).items() if a in inserted}
    undo_job = asyncio.run(undo(reader, 1, job.id, max_chunk=7))
    assert undo_job.status == "completed"
    assert {a: r for a, r in read_status_rows(reader, 1).items() if a in inserted} == servers
    assert unread_ids(reader, 1) == before_unread - set(inserted)


def test_a_job_recorded_by_an_older_version_is_still_undone_exactly(reader):
    """Older versions recorded every changed article in bulk_job_changes (recorded = 1)."""
    before_unread = unread_ids(reader, 1)
    job = asyncio.run(run_job(reader, "mark_feed_read", 1, {"feed_id": 1}))
    with written(reader) as conn:  # rewrite its record as an older version kept it
        conn.execute("DELETE FROM bulk_job_spans")
        conn.execute("DELETE FROM bulk_job_changes")
        conn.executemany("INSERT INTO bulk_job_changes (job_id, article_id) VALUES (?, ?)",
                         [(job.id, article) for article in sorted(before_unread)
                          if article <= 40])
        conn.execute("UPDATE bulk_operation_jobs SET recorded = 1 WHERE id = ?", (job.id,))
    undo_job = asyncio.run(undo(reader, 1, job.id, max_chunk=9))
    assert undo_job.status == "completed" and undo_job.marked_count == job.marked_count
    assert unread_ids(reader, 1) == before_unread


def test_undo_is_exact_where_the_server_left_duplicate_read_rows(make_reader):
    """Without the unique (user_id, article_id) index the engine marks with UPDATE + INSERT
    WHERE NOT EXISTS; an article with two unread rows is recorded once and both rows are
    reverted."""
    reader = make_reader(unique_read_status=False)
    now = clock.utc_now_text()
    with written(reader) as conn:  # two unread rows of user 1 for articles 1 and 2 (feed 1)
        for article in (1, 1, 2, 2):
            conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred, "
                         "created_at, updated_at) VALUES (1, ?, FALSE, FALSE, ?, ?)",
                         (article, now, now))
    before_unread = unread_ids(reader, 1)
    job = asyncio.run(run_job(reader, "mark_feed_read", 1, {"feed_id": 1}, max_chunk=7))
    in_feed = {article for article in before_unread if article <= 40}
    assert job.status == "completed" and job.marked_count == len(in_feed)
    with database(reader) as conn:
        assert conn.execute("SELECT count(*) FROM read_status WHERE user_id = 1 "
                            "AND article_id IN (1, 2) AND is_read").fetchone()[0] == 4
    undo_job = asyncio.run(undo(reader, 1, job.id, max_chunk=7))
    assert undo_job.status == "completed" and undo_job.marked_count == len(in_feed)
    assert unread_ids(reader, 1) == before_unread
    with database(reader) as conn:
        assert conn.execute("SELECT count(*) FROM read_status WHERE user_id = 1 "
                            "AND article_id IN (1, 2) AND NOT is_read").fetchone()[0] == 4
