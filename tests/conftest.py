"""Shared fixtures: real SQLite files shaped like the web server's, and a real qasync loop."""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

SERVER_SCHEMA = Path(__file__).with_name("server_schema.sql").read_text()
STAMP = "2026-11-01 08:00:00"


def make_server_database(path: Path, *, unique_read_status: bool = True, job_table: bool = False,
                         articles_per_feed: tuple[int, ...] = (40, 30, 20, 10, 5),
                         journal_mode: str = "wal") -> Path:
    """A database as the web server leaves it, filled with a small known data set.

    Two users; categories 1 (feeds 1, 2) and 2 (feeds 3, 4); feed 5 has no category.
    Articles are numbered in feed order; created_at goes up one minute per article from
    2026-11-01 08:00:00. User 1 has read every third article and starred every fifth;
    user 2 has read every other article.
    """
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")  # the server's choice, kept by us
    conn.executescript(SERVER_SCHEMA)
    if unique_read_status:
        conn.execute("CREATE UNIQUE INDEX read_status_user_article ON read_status "
                     "(user_id, article_id)")
    if job_table:
        from desktop.store.schema import JOB_TABLE_DDL
        conn.execute(JOB_TABLE_DDL)
    conn.execute("INSERT INTO users (id, username, created_at) VALUES (1, 'alice', ?), "
                 "(2, 'bob', ?)", (STAMP, STAMP))
    conn.execute("INSERT INTO categories (id, name, created_at) VALUES (1, 'Tech', ?), "
                 "(2, 'News', ?)", (STAMP, STAMP))
    feed_categories = [1, 1, 2, 2, None]
    for feed_id, category_id in enumerate(feed_categories[:len(articles_per_feed)], start=1):
        conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (feed_id, f"https://f{feed_id}.example/rss", f"Feed {feed_id}", category_id,
                      STAMP))
    article_id = 0
    for feed_id, count in enumerate(articles_per_feed, start=1):
        for _ in range(count):
            article_id += 1
            created = f"2026-11-01 {8 + article_id // 60:02d}:{article_id % 60:02d}:00"
            conn.execute("INSERT INTO articles (id, feed_id, title, created_at, content) "
                         "VALUES (?, ?, ?, ?, 'body')",
                         (article_id, feed_id, f"Article {article_id}", created))
            if article_id % 3 == 0 or article_id % 5 == 0:
                conn.execute("INSERT INTO read_status (user_id, article_id, is_read, is_starred,"
                             " read_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                             (article_id, int(article_id % 3 == 0), int(article_id % 5 == 0),
                              STAMP if article_id % 3 == 0 else None, STAMP, STAMP))
            if article_id % 2 == 0:
                conn.execute("INSERT INTO read_status (user_id, article_id, is_read, read_at, "
                             "created_at, updated_at) VALUES (2, ?, 1, ?, ?, ?)",
                             (article_id, STAMP, STAMP, STAMP))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def server_db(tmp_path) -> Path:
    """A server-shaped database with the unique read_status index and no job table."""
    return make_server_database(tmp_path / "reader.db")


@pytest.fixture
def qasync_loop(qapp):
    """A real qasync event loop on the test's QApplication, driven by qtbot.wait*.

    Task errors are forwarded to sys.excepthook so pytest-qt fails the test.
    """
    import qasync
    from PySide6.QtCore import QEvent

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)

    def forward(_loop, context):
        exc = context.get("exception") or RuntimeError(context.get("message"))
        sys.excepthook(type(exc), exc, exc.__traceback__)

    loop.set_exception_handler(forward)
    yield loop
    # qasync's loop.stop() would call QApplication.exit(), after which every later qtbot.wait*
    # returns at once; keep the application alive across tests.
    original_exit = qapp.exit
    qapp.exit = lambda *a, **k: None
    try:
        # qasync leaves the Qt timers of cancelled call_later handles (a job's pause, a
        # recovery sleep) registered; one firing after this loop is gone hits a deleted object.
        timers = loop._timer
        for timer_id in list(timers._SimpleTimer__callbacks):
            timers.killTimer(timer_id)
        timers._SimpleTimer__callbacks.clear()
        loop.stop()
        loop.close()
    finally:
        qapp.exit = original_exit
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
    # Collect this test's Qt wrappers and closed loop now, outside any event processing,
    # rather than at a random point inside a later test's nested event loop.
    qapp.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """``demo_database(n)``: an n-article demo database, built once per session and size.

    Copy it before changing it.
    """
    from desktop.store.demo import create_demo_file

    built: dict[int, Path] = {}

    def get(articles: int) -> Path:
        if articles not in built:
            path = tmp_path_factory.mktemp("demo") / f"demo-{articles}.db"
            create_demo_file(path, articles)
            # The last connection closed: the WAL is checkpointed away; the file copies alone.
            assert not Path(f"{path}-wal").exists()
            built[articles] = path
        return built[articles]

    return get


@pytest.fixture(scope="session")
def demo_database_100k(demo_database) -> Path:
    return demo_database(100_000)


# -- helpers the test modules share ------------------------------------------------------------

def run_engine(path, body, **options):
    """Open a manager on ``path``, await ``body(manager)``, close it; return body's result."""
    from desktop.jobs import BulkOperationManager

    async def main():
        manager = BulkOperationManager(path, **options)
        await manager.open()
        try:
            return await body(manager)
        finally:
            await manager.close()

    return asyncio.run(main())


def sqlite(path) -> closing:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return closing(conn)


def read_status(path) -> dict[int, dict]:
    """Every read_status row, whole, by id."""
    with sqlite(path) as conn:
        return {row["id"]: dict(row) for row in conn.execute("SELECT * FROM read_status")}


def job_row(path, job_id) -> dict:
    with sqlite(path) as conn:
        return dict(conn.execute("SELECT * FROM bulk_operation_jobs WHERE id = ?",
                                 (job_id,)).fetchone())


def file_state(path: Path):
    """What a file (or folder) is now, to show later that nothing touched it."""
    if path.is_dir():
        return ("dir", sorted(os.listdir(path)), path.stat().st_mtime_ns)
    if path.exists():
        return ("file", path.read_bytes(), path.stat().st_mtime_ns)
    return None
