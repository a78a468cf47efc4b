"""The check before the first write, run from a command's start (desktop/headstart/check.py,
issue 26): the engine takes its verdict only for the file it opened, with nothing committed
since; otherwise it checks as it always did. Every wait is on the check's own Future; files
are damaged and replaced by other processes or before a connection of ours to them exists."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from support.databases import make_server_database
from support.engine import run_engine
from test_reliability_files import PROJECT, damage, files_beside

from desktop.cli import start_check_ahead
from desktop.headstart import checked_files
from desktop.headstart.check import UNCHECKED_TABLES, CheckAhead
from desktop.store.models import Article

WAIT = 60  # seconds, at most, for the check's thread


async def first_write(manager):
    """A job written and run; what the guard's check before it was taken from."""
    job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 5})
    await manager.wait_for_job(job_id)
    return {"ahead": manager.checked_ahead, "remembered": manager.check_remembered}


def checked_ahead(path: Path, record: Path) -> CheckAhead:
    """A CheckAhead of ``path`` whose check has ended."""
    ahead = CheckAhead(path, record).start()
    ahead.result.result(timeout=WAIT)
    return ahead


def job_after_checking_ahead(path: Path, record: Path, *, checked: Path | None = None,
                             meanwhile=lambda ahead: None) -> dict:
    """``checked`` (default: ``path``) checked ahead, then ``meanwhile(ahead)``, then a job on
    ``path`` by an engine handed that check: what its check before the job was taken from."""
    ahead = checked_ahead(checked or path, record)
    try:
        meanwhile(ahead)
        return run_engine(path, first_write, checks_record=record, check_ahead=ahead)
    finally:
        ahead.close()


def test_the_check_run_ahead_is_the_engine_s_check_and_is_remembered(tmp_path):
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    taken = job_after_checking_ahead(path, record)
    assert taken == {"ahead": True, "remembered": False}
    # as a check the engine ran itself: the next engine finds the file unchanged since
    assert run_engine(path, first_write, checks_record=record) == {"ahead": False,
                                                                    "remembered": True}


def write_session(server: sqlite3.Connection, token: str) -> None:
    server.execute("INSERT INTO sessions (token, user_id, expires_at) VALUES (?, 1, 'never')",
                   (token,))
    server.commit()


@pytest.mark.parametrize("server", ["running before", "starting after"])
def test_a_commit_after_the_check_ahead_makes_the_engine_check_again(tmp_path, server):
    """Whether the check read the file beside the web server's WAL (``mode=ro``: its commits
    show in data_version) or alone (``immutable=1``: its WAL frames show beside the file)."""
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    with closing(sqlite3.connect(path)) as web_server:  # it keeps its WAL while it runs
        if server == "running before":
            write_session(web_server, "before")
        taken = job_after_checking_ahead(
            path, record, meanwhile=lambda _ahead: write_session(web_server, "after"))
    assert taken == {"ahead": False, "remembered": False}


def test_the_check_ahead_beside_a_running_server_is_taken_while_nothing_is_committed(
        tmp_path):
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    with closing(sqlite3.connect(path)) as web_server:
        write_session(web_server, "before")  # its WAL has frames: the check reads mode=ro
        taken = job_after_checking_ahead(path, record)
    assert taken == {"ahead": True, "remembered": False}


def test_a_file_replaced_after_the_check_ahead_is_checked_as_it_is(tmp_path):
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    replacement = tmp_path / "replacement.db"
    shutil.copyfile(path, replacement)  # (before any connection of ours to either exists)
    taken = job_after_checking_ahead(  # (renaming opens nothing)
        path, record, meanwhile=lambda _ahead: os.replace(replacement, path))
    assert taken == {"ahead": False, "remembered": False}


def test_damage_found_ahead_is_found_again_by_the_engine_which_refuses_to_write(tmp_path):
    from desktop.jobs.api import DatabaseDamaged

    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    damage(path)
    before = files_beside(path)

    async def refused(manager):
        with pytest.raises(DatabaseDamaged, match="quick_check"):
            await manager.create_job("mark_feed_read", 1, {"feed_id": 5})
        return manager.checked_ahead

    ahead = checked_ahead(path, record)
    try:
        assert ahead.result.result().found.startswith("SQLite's quick_check")
        # not its word for it: the engine checks in a snapshot it holds the locks of
        assert run_engine(path, refused, checks_record=record, check_ahead=ahead) is False
    finally:
        ahead.close()
    assert files_beside(path) == before
    identity = (os.stat(path).st_dev, os.stat(path).st_ino)
    assert checked_files.doubted(record, path, identity)
    again = checked_ahead(path, record)  # doubted: the next check ahead reads every page
    again.close()
    assert again.result.result().whole


def test_a_file_the_record_remembers_is_not_checked_ahead(tmp_path):
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    run_engine(path, first_write, checks_record=record)  # checked, and remembered at the end
    read = []
    taken = job_after_checking_ahead(path, record,
                                     meanwhile=lambda ahead: read.append(ahead.result.result()))
    assert read == [None]  # nothing checked ahead
    assert taken == {"ahead": False, "remembered": True}


def test_a_check_ahead_of_another_path_is_not_taken(tmp_path):
    record = tmp_path / "checked-files.json"
    path = make_server_database(tmp_path / "reader.db")
    other = make_server_database(tmp_path / "other.db")
    taken = job_after_checking_ahead(path, record, checked=other)
    assert taken == {"ahead": False, "remembered": False}


def test_the_command_line_checks_ahead_only_for_a_file_a_job_is_written_to(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    for argv in (["mark-read", "--database", str(path), "--user", "1", "--all"],
                 ["undo", "--user", "1", f"--database={path}", "7"],
                 ["retry", "--database", str(path), "--user", "1", "7"]):
        ahead = start_check_ahead(argv)
        assert isinstance(ahead, CheckAhead) and ahead.path == path, argv
        ahead.close()
    for argv in (["jobs", "--database", str(path), "--user", "1"],  # writes no job
                 ["mark-read", "--database", str(tmp_path / "none.db"), "--all"],
                 ["mark-read", "--database", "postgresql://me@host/reader", "--all"],
                 ["mark-read", "--database", str(path), "--database", str(path)],
                 ["mark-read", "--all"]):
        assert start_check_ahead(argv) is None, argv


def test_a_command_takes_the_verdict_of_its_own_check_ahead(tmp_path):
    path = make_server_database(tmp_path / "reader.db")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "desktop", "mark-read", "--database",
                           str(path), "--user", "1", "--feed", "5", "-vv"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{path}: found sound by the check from the command's start" in done.stderr
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles a WHERE feed_id = 5 AND NOT EXISTS "
                            "(SELECT 1 FROM read_status r WHERE r.user_id = 1 AND "
                            "r.article_id = a.id AND r.is_read)").fetchone()[0] == 0


def test_the_check_ahead_leaves_out_the_store_s_article_bodies():
    assert Article._meta.table_name in UNCHECKED_TABLES
