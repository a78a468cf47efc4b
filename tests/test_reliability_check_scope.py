"""What the check before the first write reads (issue 26 on issue 20's promise): every table
but the article bodies, whole when there is a reason to doubt the file.

The article table's own pages (rows of a few KB: 90 % of a server's file) are neither written
nor read by a job, so a job writes nothing that damage there could spread to; the whole check
finds it where there is time (the window) or a reason (pages on the free list, SQLite reporting
damage, a file found damaged before). Files are damaged by another process, with no
connection of this one open.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import peewee
import pytest
from support.databases import make_server_database
from support.engine import run_engine

# Long article bodies (one leaf page each), then the cell pointers of a leaf page in the middle
# of the article table overwritten; prints the numbers of the article table's pages.
DAMAGE_ARTICLE_BODIES = r"""
import json, sqlite3, sys
path, free_pages = sys.argv[1], sys.argv[2] == "free"
conn = sqlite3.connect(path)
conn.execute("UPDATE articles SET content = printf('%.3000c', 'x')")
if free_pages:  # a table of a few pages, dropped: its pages go to the free list
    conn.execute("CREATE TABLE scratch (x)")
    conn.executemany("INSERT INTO scratch VALUES (?)", [("y" * 3000,) for _ in range(8)])
    conn.commit()
    conn.execute("DROP TABLE scratch")
conn.commit()
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
page_size = conn.execute("PRAGMA page_size").fetchone()[0]
pages = [page for (page,) in conn.execute(
    "SELECT pageno FROM dbstat WHERE name = 'articles' ORDER BY path")]
leaves = [page for (page,) in conn.execute(
    "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf' ORDER BY path")]
conn.close()
page = leaves[len(leaves) // 2]
with open(path, "r+b") as file:
    file.seek((page - 1) * page_size + 8)  # a leaf page's cell pointer array
    file.write(b"\xff" * 16)
print(json.dumps({"page_size": page_size, "pages": pages}))
"""


def damage_article_bodies(path: Path, *, free_pages: bool = False,
                          written_before: bool = True) -> dict:
    """Damage a page of the article table; returns where that table's pages are.
    ``written_before``: of a file this app has written before, its indexes built (building
    one reads every article, and meets the damage)."""
    if written_before:
        run_engine(path, lambda manager: manager.prepare_for_writing())
    done = subprocess.run([sys.executable, "-c", DAMAGE_ARTICLE_BODIES, str(path),
                           "free" if free_pages else "none"],
                          capture_output=True, text=True, timeout=60, check=True)
    layout = json.loads(done.stdout)
    assert whole_check(path) != "ok"
    return layout


def article_pages(path: Path, layout: dict) -> list[bytes]:
    data, size = path.read_bytes(), layout["page_size"]  # (no connection of ours is open)
    return [data[(page - 1) * size:page * size] for page in layout["pages"]]


def whole_check(path: Path) -> str:
    """The first finding of the whole ``PRAGMA quick_check``, or SQLite's error."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            return conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)


def files_beside(path: Path) -> dict[str, bytes]:
    return {candidate.name: candidate.read_bytes()
            for candidate in (path, path.with_name(path.name + "-wal")) if candidate.exists()}


def free_list(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA freelist_count").fetchone()[0]


async def mark_feed(manager, feed_id: int = 1):
    job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": feed_id})
    return await manager.wait_for_job(job_id)


def test_a_job_writes_beside_damaged_article_bodies_and_spreads_nothing(tmp_path):
    """Before: the whole file was checked before the first write, and this job was refused.
    The article bodies are left out of that check: the job, which reads only the articles'
    index and writes only the read state, runs, and the file holds the same damage after it,
    no more."""
    path = make_server_database(tmp_path / "reader.db")
    layout = damage_article_bodies(path)
    assert free_list(path) == 0
    before = article_pages(path, layout)

    job = run_engine(path, mark_feed, checks_record=tmp_path / "checked.json")

    assert job.status == "completed" and job.marked_count > 0, job
    assert article_pages(path, layout) == before  # every page of the article table as it was
    with closing(sqlite3.connect(path)) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                     "AND name != 'articles'").fetchall():
            assert conn.execute(f"PRAGMA quick_check('{table}')").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM articles a WHERE a.feed_id = 1 AND NOT "
                            "EXISTS (SELECT 1 FROM read_status r WHERE r.article_id = a.id "
                            "AND r.user_id = 1 AND r.is_read)").fetchone()[0] == 0


def test_damage_found_by_a_whole_check_is_remembered_and_refuses_the_next_engines_writes(
        tmp_path):
    """The window checks the whole file in the background; what it finds stays known to the
    next command, which then checks the file whole too, however much the server wrote."""
    from desktop.jobs.api import DatabaseDamaged

    record = tmp_path / "checked.json"
    path = make_server_database(tmp_path / "reader.db")
    damage_article_bodies(path)
    before = files_beside(path)

    async def window_like(manager):
        return await manager.check_for_damage(whole=True)

    assert "is damaged (SQLite's quick_check" in run_engine(path, window_like,
                                                            checks_record=record)

    async def refused(manager):
        with pytest.raises(DatabaseDamaged, match="quick_check"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 1})
        return manager.check_remembered

    assert run_engine(path, refused, checks_record=record) is False
    assert files_beside(path) == before
    # without the record (another user's cache, say) the job's own check does not see it
    assert run_engine(path, mark_feed, checks_record=tmp_path / "other.json").status == \
        "completed"


def test_a_file_with_pages_on_its_free_list_is_checked_whole(tmp_path):
    """A page taken from a free list that damage made point at a page in use would overwrite
    it, and no partial check reads the free list: such a file is checked whole."""
    from desktop.jobs.api import DatabaseDamaged

    path = make_server_database(tmp_path / "reader.db")
    damage_article_bodies(path, free_pages=True)
    assert free_list(path) > 0
    before = files_beside(path)

    async def refused(manager):
        with pytest.raises(DatabaseDamaged, match="quick_check"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 1})

    run_engine(path, refused)
    assert files_beside(path) == before


def test_the_check_runs_while_the_request_is_counted(tmp_path, monkeypatch):
    """The check (database thread) and the request's count (read thread) overlap, and the
    first write waits for the check's verdict: the check is held until the count has begun,
    and nothing is written until the check is let go."""
    import threading

    from desktop.store import job_requests
    from desktop.store.backends.sqlite import SqliteBackend

    counting = threading.Event()
    seen = {}
    check_integrity, count_scope = SqliteBackend.check_integrity, job_requests.count_scope

    def held_check(self, db, **kwargs):
        seen["count began while checking"] = counting.wait(timeout=30)  # (fails, not hangs)
        seen["jobs before the verdict"] = db.execute_sql(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'bulk_job_changes'").fetchone()[0]
        return check_integrity(self, db, **kwargs)

    def noted_count(*args, **kwargs):
        counting.set()
        return count_scope(*args, **kwargs)

    monkeypatch.setattr(SqliteBackend, "check_integrity", held_check)
    monkeypatch.setattr(job_requests, "count_scope", noted_count)
    path = make_server_database(tmp_path / "reader.db")

    job = run_engine(path, mark_feed)

    assert job.status == "completed"
    assert seen == {"count began while checking": True, "jobs before the verdict": 0}


def test_damage_a_read_meets_is_remembered_and_the_next_engine_checks_whole(tmp_path):
    """A read that meets damaged article bodies (the window's article view, say) has the
    whole file checked there and then, and the file remembered as damaged: the next command,
    whose own check leaves the bodies out, checks it whole and writes nothing."""
    from desktop.jobs.api import DatabaseDamaged
    from desktop.store.models import database_proxy

    record = tmp_path / "checked.json"
    path = make_server_database(tmp_path / "reader.db")
    damage_article_bodies(path)
    before = files_beside(path)

    def read_every_body():
        return database_proxy.execute_sql("SELECT sum(length(content)) FROM articles").fetchall()

    async def reader(manager):
        with pytest.raises((sqlite3.DatabaseError, peewee.DatabaseError), match="malformed"):
            await manager.reads.call(read_every_body)
        return manager.damage

    assert "is damaged (SQLite's quick_check" in run_engine(path, reader, checks_record=record)

    async def refused(manager):
        with pytest.raises(DatabaseDamaged, match="quick_check"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 1})

    run_engine(path, refused, checks_record=record)
    after = files_beside(path)
    assert after.pop("reader.db-wal", b"") == b""  # (the reader's closing left an empty one)
    assert after == before


def test_the_window_checks_the_whole_file_and_says_damaged_article_bodies(qtbot, make_window,
                                                                           tmp_path):
    """The window has the time a job's check does not: it checks every page in the background
    after opening, and says so when the article bodies are damaged."""
    path = make_server_database(tmp_path / "reader.db")
    # before this process has any connection to it (and with no loop of its own running)
    damage_article_bodies(path, written_before=False)
    window = make_window()
    window.show_error = lambda title, text, **_kw: window.errorShown.emit(text)
    with qtbot.waitSignal(window.errorShown, timeout=20_000) as shown:
        window.spawn(window.database.open_database(path))
    assert "is damaged (SQLite's quick_check" in shown.args[0]
    assert window.manager.read_only_reason == window.manager.damage
    assert not window.jobs.panel.isEnabled()
