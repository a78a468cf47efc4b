"""Reading a PostgreSQL reader's rows, waiting on the engine's chunk notices, and a worker
process held in the middle of its job by a row lock."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

from peewee import PostgresqlDatabase


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


def job_has_progressed(url: str) -> bool:
    """Whether a job is running with some progress (the job table may not exist yet)."""
    return bool(pg_rows(url, "SELECT to_regclass('bulk_operation_jobs') IS NOT NULL")[0][0]
                and pg_rows(url, "SELECT 1 FROM bulk_operation_jobs WHERE status = 'running' "
                                 "AND progress > 0"))


@contextlib.contextmanager
def chunk_notices(url: str):
    """A connection LISTENing on the engine's channel, on which every worker announces each
    chunk it commits; yields ``wait(condition, what)``, which returns once ``condition()`` holds,
    looking again at each notice (and once at the start): no polling, no sleep."""
    import psycopg

    from desktop.store.backends.postgres import NOTICE_CHANNEL

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as listener:
        listener.execute(f"LISTEN {NOTICE_CHANNEL}")  # before whatever it waits for starts

        def wait(condition, what: str, timeout: float = 30.0) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                for _notice in listener.notifies(timeout=left, stop_after=1):
                    pass

        yield wait


def hold_article_row(url: str, article_id: int) -> PostgresqlDatabase:
    """A connection in a transaction holding user 1's read_status row of the article (or the
    article itself, which an insert of that row needs): a job reaching it waits there."""
    blocker = PostgresqlDatabase(url)
    blocker.connect()
    blocker.begin()
    held = blocker.execute_sql("SELECT 1 FROM read_status WHERE user_id = 1 AND article_id = %s "
                               "FOR UPDATE", (article_id,)).fetchall()
    if not held:
        blocker.execute_sql("SELECT 1 FROM articles WHERE id = %s FOR KEY SHARE", (article_id,))
    return blocker


def start_held_worker(url: str, in_scope: set[int]):
    """``mark-read`` of category 1 for user 1 in a process of its own, in chunks of 3, held at
    the middle article of its scope by a row lock; returns (the holding connection, the
    process) once the job has made progress, so it is stopped in the middle of the job."""
    blocker = hold_article_row(url, sorted(in_scope)[len(in_scope) // 2])
    with chunk_notices(url) as wait:
        worker = subprocess.Popen([sys.executable, "-m", "desktop", "mark-read", "--quiet",
                                   "--database", url, "--user", "1", "--category", "1",
                                   "--max-batch", "3"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        wait(lambda: job_has_progressed(url), what="the job's first chunks")
    return blocker, worker
