"""Undo's "changed since the job" is exact, not to the second: an article starred or unstarred
by another writer within the same second as the chunk that marked it read stays read."""

from __future__ import annotations

import time_machine
from support.databases import database, has_table
from support.engine import run_engine

from desktop.store import clock

# user 1 in category 1 (articles 1..70): no row for 1 and 2 (the job inserts one), a starred
# unread row for 5 and 10 (the job updates it)
INSERTED_THEN_STARRED, INSERTED = 1, 2
UPDATED_THEN_UNSTARRED, UPDATED = 5, 10


def state(target, article_id: int) -> tuple[int, int]:
    with database(target) as conn:
        row = conn.execute("SELECT is_read, is_starred FROM read_status WHERE user_id = 1 "
                           "AND article_id = ?", (article_id,)).fetchone()
    return int(row[0]), int(row[1])


def test_a_star_in_the_same_second_as_the_chunk_keeps_the_article_read(reader):
    async def body(manager):
        job_id = await manager.create_job("mark_category_read", 1, {"category_id": 1})
        job = await manager.wait_for_job(job_id)
        # another writer, the same second: the server's rules (starred_at, updated_at = now)
        await manager.set_article_starred(1, INSERTED_THEN_STARRED, True)
        await manager.set_article_starred(1, UPDATED_THEN_UNSTARRED, False)
        undo = await manager.wait_for_job((await manager.undo_job(1, job_id)).id)
        return job, undo

    # one frozen second for the job, the stars and the undo
    with time_machine.travel(clock.now().timestamp(), tick=False):
        frozen = clock.utc_now_text()
        job, undo = run_engine(reader, body)
        assert clock.utc_now_text() == frozen == job.started_at == job.completed_at
    assert job.status == undo.status == "completed"
    assert state(reader, INSERTED_THEN_STARRED) == (1, 1)
    assert state(reader, UPDATED_THEN_UNSTARRED) == (1, 0)
    assert state(reader, INSERTED) == (0, 0) and state(reader, UPDATED) == (0, 1)
    assert undo.marked_count == job.marked_count - 2


def test_records_of_the_previous_version_are_upgraded_and_still_undone(reader):
    """Records written before the rows' state was kept (no kept / written_by), in tables made
    without those columns: the schema gains them, and undo judges such rows by their
    timestamps, as before."""
    async def mark(manager):
        return await manager.wait_for_job(
            await manager.create_job("mark_category_read", 1, {"category_id": 1}))

    job = run_engine(reader, mark)
    dropped = []
    with database(reader) as conn:
        for table, column in (("bulk_job_changes", "kept"),
                              ("bulk_job_article_sets", "written_by")):
            if has_table(reader, table) and column in columns(conn, table):
                conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
                dropped.append((table, column))
        conn.commit()
    assert dropped

    async def undo(manager):
        return await manager.wait_for_job((await manager.undo_job(1, job.id)).id)

    undone = run_engine(reader, undo)
    assert undone.status == "completed" and undone.marked_count == job.marked_count > 0
    with database(reader) as conn:
        assert all(column in columns(conn, table) for table, column in dropped)


def columns(conn, table: str) -> list[str]:
    return [d[0] for d in conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
