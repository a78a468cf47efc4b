"""A database on read-only media: a WAL-mode file is read without the ``-shm`` SQLite cannot
create there where nothing can change it, and is refused saying why and what to do where
something could.

The real cases need a read-only file system: a tmpfs mounted, filled and remounted read-only
(root, as CI runs; skipped where mounting is not allowed), and a read-only bind mount of a
writable folder (what a container's ``:ro`` volume is).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import make_server_database
from support.engine import run_engine
from support.files import file_state

from desktop.store import sqlite_file

PROJECT = Path(__file__).resolve().parent.parent
UNREAD_USER1 = 70  # make_server_database: 105 articles, user 1 read every third one


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True, timeout=30)


class Medium(type(Path())):
    def seal(self) -> None:
        """Remount it read-only: from now on nothing on this host can write it."""
        mount("-o", "remount,ro", str(self))


@pytest.fixture
def medium(tmp_path):
    """A tmpfs at tmp_path/medium (a Medium): fill it, then ``seal()`` it."""
    point = Medium(tmp_path / "medium")
    point.mkdir()
    try:
        mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {getattr(exc, 'stderr', exc)}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False, timeout=30)


@pytest.fixture
def read_only_view(tmp_path):
    """tmp_path/view: a read-only bind mount of the writable folder tmp_path/source."""
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    try:
        mount("--bind", str(source), str(view))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot bind-mount here: {getattr(exc, 'stderr', exc)}")
    try:
        mount("-o", "remount,bind,ro", str(view))
        yield source, view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False, timeout=30)


def feeds_json(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", "feeds", "--database", str(path),
                           "--user", "1", "--json"], cwd=PROJECT, capture_output=True,
                          text=True, timeout=120)


def opened(path: Path) -> tuple[str, int]:
    """The engine on ``path``: why it is read-only, and user 1's unread articles."""

    async def body(manager):
        overview = (await manager.counts_snapshot(1, whole=True))[0]
        return manager.read_only_reason, overview.unread_total

    return run_engine(path, body)


def test_a_wal_file_on_a_read_only_file_system_opens_read_only(medium):
    wal = make_server_database(medium / "reader.db")
    journal = make_server_database(medium / "journal.db", journal_mode="delete")
    assert sorted(p.name for p in medium.iterdir()) == ["journal.db", "reader.db"]
    medium.seal()
    before = file_state(medium)

    for path in (wal, journal):
        reason, unread = opened(path)
        assert str(path) in reason and "read-only file system" in reason
        assert unread == UNREAD_USER1
        result = feeds_json(path)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["unread"] == UNREAD_USER1
    assert file_state(medium) == before


def test_changes_in_a_wal_are_read_with_its_shm_and_refused_without(medium, tmp_path):
    """A copy taken while the server had the file open: its -wal holds commits the file
    lacks. With the -shm beside it SQLite reads them; without one it cannot, and says what to
    do instead of "unable to open database file"."""
    live = make_server_database(tmp_path / "live.db")
    server = sqlite3.connect(live)  # keeps the -wal and -shm while it is open
    server.execute("PRAGMA wal_autocheckpoint = 0")
    server.execute("UPDATE read_status SET is_read = 0 WHERE user_id = 1")
    server.commit()
    (medium / "with-shm").mkdir()
    (medium / "without-shm").mkdir()
    for suffix in ("", "-wal", "-shm"):
        shutil.copyfile(f"{live}{suffix}", medium / "with-shm" / f"reader.db{suffix}")
        if suffix != "-shm":
            shutil.copyfile(f"{live}{suffix}", medium / "without-shm" / f"reader.db{suffix}")
    server.close()
    medium.seal()

    reason, unread = opened(medium / "with-shm" / "reader.db")
    assert "read-only file system" in reason and unread == 105  # the WAL's commit counted

    refused = feeds_json(medium / "without-shm" / "reader.db")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "reader.db-wal holds changes" in refused.stderr
    assert "copy reader.db and reader.db-wal together" in refused.stderr


def test_a_read_only_view_of_a_writable_file_system_is_not_read_as_unchangeable(
        read_only_view):
    """Another mount may write the file: reading it immutable could show torn pages, so a
    WAL file whose -shm cannot be created there is refused, saying so."""
    source, view = read_only_view
    make_server_database(source / "reader.db")
    assert not sqlite_file.on_read_only_file_system(view / "reader.db")
    before = file_state(source)

    refused = feeds_json(view / "reader.db")
    assert refused.returncode == 2, refused.stderr
    assert "read-only mount of a file system that may still be written elsewhere" in \
        refused.stderr
    assert "open it through a mount that can write it" in refused.stderr
    assert file_state(source) == before


def test_an_unchangeable_file_is_read_immutable_and_nothing_is_made_beside_it(
        tmp_path, monkeypatch):
    """Without a mount: the file system said read-only, the WAL file is opened immutable=1,
    so SQLite creates no -wal or -shm beside it (mode=ro would create both here)."""
    path = make_server_database(tmp_path / "reader.db")
    monkeypatch.setattr(sqlite_file, "on_read_only_file_system", lambda _path: True)
    monkeypatch.setattr("desktop.store.backends.sqlite.on_read_only_file_system",
                        lambda _path: True)
    before = file_state(tmp_path)

    reason, unread = opened(path)
    assert "read-only file system" in reason and unread == UNREAD_USER1
    assert file_state(tmp_path) == before
    assert sqlite_file.read_only_uri(path).endswith("?immutable=1")
    (tmp_path / "reader.db-wal").write_bytes(b"x")  # a WAL with something in it: not so
    assert sqlite_file.read_only_uri(path).endswith("?mode=ro")


def test_the_window_opens_a_wal_file_on_read_only_media_and_says_so(qtbot, make_window, medium):
    from support.window import tree_count

    path = make_server_database(medium / "reader.db")
    medium.seal()
    window = make_window(path)
    qtbot.waitUntil(lambda: window.tree_model.find("all", None).isValid())
    assert tree_count(window, "all", None) == UNREAD_USER1
    state = window.status_label.full_text
    assert str(path) in state and "read-only file system" in state and "jobs cannot run" in state
    assert not window.jobs.panel.isEnabled()


def test_a_new_database_on_a_read_only_file_system_is_refused_saying_so(medium):
    medium.seal()
    result = subprocess.run([sys.executable, "-m", "desktop", "demo", "--database",
                             str(medium / "demo.db"), "--quiet"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        f"{medium / 'demo.db'}: cannot be created: its folder is on a read-only file system")
