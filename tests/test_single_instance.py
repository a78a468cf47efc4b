"""One window per desktop session (desktop/ui/window/single_instance.py): a second
``rss-desktop gui`` is a real second process that finds this test's window through the
session's socket."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from support.databases import make_server_database

from desktop.ui.window.single_instance import InstanceServer, socket_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def session(tmp_path):
    """A desktop session of its own: its display name and a private runtime folder (short, as
    /run/user/UID is: a Unix socket's path has at most 107 bytes)."""
    runtime = Path(tempfile.mkdtemp(prefix="rd-"))
    home = tmp_path / "home"
    home.mkdir()
    yield {"XDG_RUNTIME_DIR": str(runtime), "DISPLAY": ":instance-test", "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_STATE_HOME": str(home / ".state")}
    shutil.rmtree(runtime)


def second_launch(session, *args: str) -> subprocess.Popen:
    env = {**os.environ, **session, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.Popen([sys.executable, "-m", "desktop", "gui", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(qtbot, process: subprocess.Popen) -> tuple[str, str]:
    """Wait, the Qt way (the window must answer meanwhile), for the process to end."""
    try:
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=60_000)
    finally:
        if process.poll() is None:
            process.kill()
    return process.communicate()


def test_a_second_launch_brings_the_window_forward_and_opens_its_database(
        qtbot, make_window, server_db, tmp_path, session):
    server = InstanceServer.claim(socket_path(session))
    assert server is not None
    window = make_window(server_db)
    server.serve(window)
    window.hide()  # a window the person cannot see: the second launch must show it
    other = tmp_path / "other.db"
    make_server_database(other)
    out, err = finished(qtbot, second_launch(session, "--database", str(other)))
    assert (out, err) == ("rss-desktop: the window already open in this session came "
                          "forward\n", "")
    qtbot.waitUntil(lambda: window.database_target == other, timeout=20_000)
    assert window.isVisible()
    server.close()
    assert not socket_path(session).exists()


def test_a_second_launch_without_a_database_keeps_the_open_one(qtbot, make_window, server_db,
                                                               session):
    server = InstanceServer.claim(socket_path(session))
    window = make_window(server_db)
    server.serve(window)
    process = second_launch(session)
    out, _err = finished(qtbot, process)
    assert process.returncode == 0 and "came forward" in out
    assert window.database_target == server_db
    server.close()


def test_one_claim_per_session_and_a_crashed_windows_socket_is_replaced(session):
    path = socket_path(session)
    first = InstanceServer.claim(path)
    assert first is not None and path.exists()
    assert InstanceServer.claim(path) is None  # another launch: the lock is held
    first.lock.close()  # as a crash leaves it: the socket file stays, nobody listens
    first.listener.close()
    assert path.exists()
    again = InstanceServer.claim(path)
    assert again is not None
    again.close()
    other_session = socket_path({**session, "DISPLAY": ":other"})
    assert other_session != path and other_session.parent == path.parent


def test_opening_from_a_second_launch_asks_first_while_a_job_runs(qtbot, make_window, demo_db,
                                                                  server_db, session):
    """The window's usual question when jobs run: answered "keep", nothing changes; answered
    "open", the job pauses after its chunk and the other database opens."""
    from support.window import click_scope

    server = InstanceServer.claim(socket_path(session))
    window = make_window(demo_db, max_chunk=50)
    server.serve(window)
    window.settings.setValue("confirm_mark_read", False)
    click_scope(qtbot, window, "all", None)
    window.menus.mark_read_action.trigger()
    qtbot.waitUntil(lambda: bool(window.manager.running_job_ids()), timeout=10_000)
    # No event is processed between the wait and the request: the job is still running.
    server.open_asked(str(server_db))
    question = server.open_question
    assert question.isVisible() and "1 job running here" in question.text()
    keep = next(b for b in question.buttons() if b.text() == "Keep this one")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert window.database_target == demo_db

    qtbot.waitUntil(lambda: bool(window.manager.running_job_ids()), timeout=10_000)
    server.open_asked(str(server_db))
    question = server.open_question
    button = next(b for b in question.buttons() if b.text() == "Open and pause")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.database_target == server_db, timeout=20_000)
    with sqlite3.connect(demo_db) as conn:
        status, progress, total = conn.execute(
            "SELECT status, progress, total FROM bulk_operation_jobs").fetchone()
    assert status == "pending" and progress < total  # handed back: it resumes next time
    server.close()
