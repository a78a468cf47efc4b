"""The tree and its counts read while the window starts (desktop/headstart/tree.py, issue 26):
the same snapshot the engine reads, taken by the window only while it still holds (the same
file, the same user, nothing committed since), and otherwise counted again."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from support.databases import make_server_database
from support.engine import run_engine
from support.window import run, tree_count

from desktop.cli import gui_database_file
from desktop.headstart.tree import ARTICLE_ID_FEED_INDEX, TreePrefetch, settings_user
from desktop.store import schema

WAIT = 30  # seconds, at most, for the prefetch's thread


def prefetched(path, user_id=None):
    prefetch = TreePrefetch(path, user_id).start()
    try:
        return prefetch.result.result(WAIT)
    finally:
        prefetch.close()


def engine_snapshot(path, user_id):
    async def body(manager):
        return await manager.counts_snapshot(user_id, whole=True)

    return run_engine(path, body)


def add_names_and_a_job(path: Path) -> None:
    """Names whose order depends on case and non-ASCII letters, a feed with no articles, a job."""
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO categories (id, name, created_at) VALUES "
                     "(3, 'éclairs', 'x'), (4, 'apples', 'x'), (5, 'Zebra', 'x'), "
                     "(6, 'news', 'x')")
        conn.execute("INSERT INTO feeds (id, url, title, category_id, created_at) VALUES "
                     "(6, 'u6', 'Élan', 3, 'x'), (7, 'u7', 'élan', 3, 'x'), "
                     "(8, 'u8', 'feed 1', NULL, 'x')")
        conn.execute("INSERT INTO bulk_operation_jobs (job_type, status, user_id, parameters, "
                     "progress, total, created_at) VALUES ('mark_all_read', 'completed', 1, "
                     "'{}', 17, 17, 'x'), ('mark_all_read', 'failed', 2, '{}', 3, 9, 'x')")


@pytest.mark.parametrize("with_index", [False, True])
def test_the_prefetched_tree_is_the_snapshot_the_engine_reads(tmp_path, with_index):
    path = make_server_database(tmp_path / "reader.db", job_table=True)
    add_names_and_a_job(path)
    if with_index:
        with sqlite3.connect(path) as conn:
            conn.execute(f'CREATE INDEX "{ARTICLE_ID_FEED_INDEX}" ON articles (id, feed_id)')
    for user_id in (1, 2):
        tree = prefetched(path, user_id)
        overview, progress, writes = engine_snapshot(path, user_id)
        assert tree.user_id == user_id
        assert tree.categories == list(overview.categories.items())  # in the tree's order
        assert [tuple(vars(feed).values()) for feed in overview.feeds] == tree.feeds
        assert tree.unread_by_feed == overview.unread_by_feed
        assert tree.progress_by_job == progress and writes == 0
        assert tree.identity == (os.stat(path).st_dev, os.stat(path).st_ino)


def test_the_index_it_looks_for_is_the_one_the_schema_makes():
    assert ARTICLE_ID_FEED_INDEX == schema.ARTICLE_ID_FEED_INDEX


def test_the_user_is_the_one_the_window_would_choose(server_db):
    assert prefetched(server_db, 2).user_id == 2
    assert prefetched(server_db, None).user_id == 1  # no choice yet: the first user
    assert prefetched(server_db, 99).user_id == 1  # one the database no longer has: likewise


def test_nothing_is_read_where_it_does_not_apply(tmp_path):
    assert prefetched(tmp_path / "missing.db") is None
    (tmp_path / "empty.db").write_bytes(b"")
    assert prefetched(tmp_path / "empty.db") is None
    (tmp_path / "notes.txt").write_text("not a database")
    assert prefetched(tmp_path / "notes.txt") is None
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    assert prefetched(tmp_path / "other.db") is None


def test_another_program_s_wal_mode_file_is_left_with_nothing_beside_it(tmp_path):
    with closing(sqlite3.connect(tmp_path / "notes.db")) as notes:
        notes.execute("PRAGMA journal_mode = wal")
        notes.execute("CREATE TABLE notes (x)")
        notes.commit()
    assert os.listdir(tmp_path) == ["notes.db"]
    assert prefetched(tmp_path / "notes.db") is None
    assert os.listdir(tmp_path) == ["notes.db"]  # (a read-only connection would create two)


# A process that commits with checkpoints off, then is killed: its -wal is left, held by nobody.
WRITE_AND_DIE = r"""
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint = 0")
conn.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, updated_at) "
             "VALUES (1, 104, 1, 'now', 'now')")
os.kill(os.getpid(), 9)
"""


def test_a_wal_left_by_a_dead_process_is_left_to_the_engine_s_check(server_db):
    """The engine checks a WAL that no process holds before it opens anything; a connection of
    ours holding the -shm would hide it from that check, so the prefetch does not open."""
    subprocess.run([sys.executable, "-c", WRITE_AND_DIE, str(server_db)], timeout=60)
    assert os.stat(f"{server_db}-wal").st_size > 32
    assert prefetched(server_db, 1) is None


def test_a_wal_another_program_holds_is_read_with_it(server_db):
    other = sqlite3.connect(server_db, isolation_level=None)
    other.execute("PRAGMA wal_autocheckpoint = 0")
    other.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, "
                  "updated_at) VALUES (1, 104, 1, 'now', 'now')")
    try:
        tree = prefetched(server_db, 1)
        assert tree is not None
        assert tree.unread_by_feed == engine_snapshot(server_db, 1)[0].unread_by_feed
    finally:
        other.close()


def test_confirm_says_whether_anything_was_committed_since(server_db):
    prefetch = TreePrefetch(server_db, 1).start()
    assert prefetch.result.result(WAIT) is not None
    assert prefetch.confirm().result(WAIT) is True

    prefetch = TreePrefetch(server_db, 1).start()
    assert prefetch.result.result(WAIT) is not None
    with sqlite3.connect(server_db) as other:
        other.execute("UPDATE read_status SET is_read = 0 WHERE user_id = 1 AND article_id = 3")
    assert prefetch.confirm().result(WAIT) is False


def test_confirm_says_no_once_the_path_names_another_file(server_db, tmp_path):
    copy = shutil.copyfile(server_db, tmp_path / "copy.db")
    prefetch = TreePrefetch(server_db, 1).start()
    assert prefetch.result.result(WAIT) is not None
    os.replace(copy, server_db)
    assert prefetch.confirm().result(WAIT) is False


def test_the_settings_user_is_read_from_the_file_qsettings_writes(tmp_path, qapp):
    from PySide6.QtCore import QSettings

    path = tmp_path / "rss-desktop.conf"
    assert settings_user(path) is None  # no settings yet
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    settings.setValue("view/hide_read_feeds", True)
    settings.setValue("user_id", 2)
    settings.setValue("recent_databases", ["/a b/c.db", "postgresql://x@h/db"])
    settings.sync()
    assert settings_user(path) == 2
    path.write_text("[General]\nuser_id=@Invalid()\n")
    assert settings_user(path) is None


@pytest.mark.parametrize(("argv", "expected"), [
    (["gui", "--database", "reader.db"], Path("reader.db").absolute()),
    (["gui", "--database=~/r.db"], Path("~/r.db").expanduser()),
    (["gui", "--database", "postgresql://me@host/db"], None),
    (["gui", "--database", "r.db", "--demo-if-new"], None),
    (["gui", "--smoke-test"], None),
    (["mark-read", "--database", "r.db"], None),
    (["-v", "gui"], None),
])
def test_the_command_line_finds_the_window_s_file_before_parsing(argv, expected):
    assert gui_database_file(argv) == expected


def test_with_no_arguments_it_is_the_app_data_file():
    from desktop import places

    assert gui_database_file([]) == gui_database_file(["gui"]) == places.default_database()


# -- the window ------------------------------------------------------------------------------

@pytest.fixture
def counted(monkeypatch):
    """How often the window's engine read the counts itself."""
    from desktop.jobs.queries import FaceQueries

    calls = []
    original = FaceQueries.counts_snapshot

    async def counts_snapshot(self, user_id, **how):
        calls.append(user_id)
        return await original(self, user_id, **how)

    monkeypatch.setattr(FaceQueries, "counts_snapshot", counts_snapshot)
    return calls


def open_with_prefetch(qtbot, make_window, path, prefetch_user=None, settings_user_id=None,
                       before_open=None):
    window = make_window()
    if settings_user_id is not None:
        window.prefs.user_id = settings_user_id
    prefetch = TreePrefetch(path, prefetch_user).start()
    qtbot.waitUntil(prefetch.result.done, timeout=WAIT * 1000)
    if before_open is not None:
        before_open()
    window.database.prefetch = prefetch
    assert run(qtbot, window.database.open_database(path))
    assert window.database.prefetch is None  # taken (used or not), and closed
    return window


def expected_counts(path, user_id):
    """What an engine of its own counts (on a thread: the window's loop runs on this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(engine_snapshot, path, user_id).result()[0].unread_by_feed


def test_the_window_shows_the_prefetched_counts_without_counting(qtbot, make_window, server_db,
                                                               counted):
    window = open_with_prefetch(qtbot, make_window, server_db)
    assert counted == []
    assert window.tree_model.counts_known
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 1)
    assert tree_count(window, "category", 1) == 47  # feeds 1 and 2: 70 articles, 23 read
    run(qtbot, window.refresh())  # F5 counts, as ever
    assert counted and set(counted) == {1}


def test_a_commit_since_the_prefetch_is_counted_again(qtbot, make_window, server_db, counted):
    def another_program_marks_read():
        with sqlite3.connect(server_db) as other:
            other.execute("INSERT INTO read_status (user_id, article_id, is_read, created_at, "
                          "updated_at) VALUES (1, 1, 1, 'x', 'x')")

    window = open_with_prefetch(qtbot, make_window, server_db,
                                before_open=another_program_marks_read)
    assert counted == [1]
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 1)
    assert tree_count(window, "feed", 1) == 40 - 13 - 1


def test_a_file_put_at_the_path_since_the_prefetch_is_counted(qtbot, make_window, server_db,
                                                             tmp_path, counted):
    other = make_server_database(tmp_path / "other.db", articles_per_feed=(4, 3, 2, 1, 1))
    window = open_with_prefetch(qtbot, make_window, server_db,
                                before_open=lambda: os.replace(other, server_db))
    assert counted == [1]
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 1)
    assert tree_count(window, "feed", 1) == 3


def test_another_user_chosen_in_the_window_is_counted(qtbot, make_window, server_db, counted):
    window = open_with_prefetch(qtbot, make_window, server_db, prefetch_user=None,
                                settings_user_id=2)
    assert window.user_id == 2 and counted == [2]
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 2)


def test_a_prefetch_of_another_file_is_dropped(qtbot, make_window, server_db, tmp_path,
                                               counted):
    other = make_server_database(tmp_path / "other.db")
    window = make_window()
    window.database.prefetch = prefetch = TreePrefetch(other, 1).start()
    assert run(qtbot, window.database.open_database(server_db))
    assert window.database.prefetch is None and counted == [1]
    assert prefetch.confirm().result(WAIT) is False  # closed, unused


def test_a_prefetch_of_a_file_the_window_cannot_open_is_dropped(qtbot, make_window, tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    window = make_window()
    window.database.prefetch = prefetch = TreePrefetch(path, 1).start()
    assert prefetch.result.result(WAIT) is not None
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE read_status")  # no longer an RSS reader's database
    assert not run(qtbot, window.database.open_database(path))
    assert window.database.prefetch is None
    assert prefetch.confirm().result(WAIT) is False


def test_the_prefetched_tree_is_shown_while_the_engine_opens(qtbot, make_window, server_db,
                                                             monkeypatch, counted):
    from desktop.ui.window.database import DatabaseController

    seen = []
    opening = DatabaseController._open_engine

    async def open_engine(self, target, **how):
        seen.append(self.window.tree_model.counts_known)
        return await opening(self, target, **how)

    monkeypatch.setattr(DatabaseController, "_open_engine", open_engine)
    window = open_with_prefetch(qtbot, make_window, server_db)
    assert seen == [True] and counted == []
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 1)


def test_it_is_not_shown_early_for_another_user_than_the_settings_name(qtbot, make_window,
                                                                      server_db, monkeypatch):
    from desktop.ui.window.database import DatabaseController

    seen = []
    opening = DatabaseController._open_engine

    async def open_engine(self, target, **how):
        seen.append(self.window.tree_model.overview)
        return await opening(self, target, **how)

    monkeypatch.setattr(DatabaseController, "_open_engine", open_engine)
    window = open_with_prefetch(qtbot, make_window, server_db, prefetch_user=1,
                                settings_user_id=2)
    assert seen == [None] and window.user_id == 2
    assert window.tree_model.overview.unread_by_feed == expected_counts(server_db, 2)


@pytest.mark.parametrize("value", ["x" * 5000, "~no-such-user-here/r.db", "a\0b"])
def test_a_path_argparse_will_refuse_starts_nothing(value):
    from desktop.cli import start_tree_prefetch

    assert start_tree_prefetch(["gui", "--database", value]) is None
